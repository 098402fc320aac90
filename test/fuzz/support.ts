// Shared pieces of the fuzzers: a quiet real cluster to aim at, the "nothing changed" probe,
// the "still alive" probe, time-boxed fast-check runs and the per-surface case counts.
import fc from 'fast-check';
import { TestCluster, waitFor, type Peer } from '../support/peer.ts';
import { getJson, peerToken } from '../support/http.ts';

/** Long turn/forfeit timers: the fuzzers' matches wait, paused, for as long as the run takes. */
export async function fuzzCluster(): Promise<{ cluster: TestCluster; clusterId: string }> {
  const cluster = await TestCluster.start(3, ['--turn-ms', '600000', '--forfeit-ms', '600000']);
  const clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
  await waitFor('a leader and three live voters', async () => {
    const s = await getJson<{ alive: boolean; raftRole: string }[]>(`${cluster.peers[0].url}/servers`);
    return s.body.length === 3 && s.body.every((x) => x.alive && x.raftRole !== 'learner') && s.body.some((x) => x.raftRole === 'leader');
  }, 30_000, 200);
  return { cluster, clusterId };
}

export class Caller {
  private tokens = new Map<string, { t: string; at: number }>();
  constructor(
    readonly cluster: TestCluster,
    readonly clusterId: string,
  ) {}

  async token(serverId = 'fuzzer'): Promise<string> {
    const c = this.tokens.get(serverId);
    if (c && Date.now() - c.at < 30_000) return c.t;
    const t = await peerToken(this.cluster.secretFile, this.clusterId, serverId);
    this.tokens.set(serverId, { t, at: Date.now() });
    return t;
  }

  /** A REST call with a peer JWT; `raw` sends the body bytes as they are. */
  async call(peer: Peer, method: string, path: string, body?: unknown, opts: { as?: string; raw?: string | Uint8Array } = {}): Promise<{ status: number; body: unknown; text: string }> {
    const res = await fetch(`${peer.url}${path}`, {
      method,
      // Reads (the probes) go as a member, p1; writes as `fuzzer`, which holds the secret but
      // is no member, so they meet the membership check first (403 NOT_A_MEMBER), as a
      // removed peer's would; surfaces that pass `as` (a member) reach the handlers.
      headers: { authorization: `Bearer ${await this.token(opts.as ?? (method === 'GET' ? 'p1' : undefined))}`, 'content-type': 'application/json' },
      body: opts.raw !== undefined ? opts.raw : body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  }
}

/** What "changed nothing" compares: the ledger (digest, last applied entry) and the stock. */
export interface LedgerProbe {
  digest: string;
  lastApplied: number;
  sold: number;
  remaining: Record<string, number>;
  term: number;
  leader: string | null;
}

export async function probe(c: Caller, peer: Peer): Promise<LedgerProbe> {
  const d = (await c.call(peer, 'GET', '/ledger/digest')).body as { digest: string; lastApplied: number };
  const s = (await c.call(peer, 'GET', '/estoque/status')).body as { sold: number; remaining: Record<string, number>; term: number; leader: string | null };
  return { digest: d.digest, lastApplied: d.lastApplied, sold: s.sold, remaining: s.remaining, term: s.term, leader: s.leader };
}

/** A probe once the peer has stopped moving (a refused entry may still be applying). */
export async function settledProbe(c: Caller, peer: Peer): Promise<LedgerProbe> {
  let a = await probe(c, peer);
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const b = await probe(c, peer);
    if (JSON.stringify(a) === JSON.stringify(b)) return b;
    a = b;
  }
  return a;
}

/** The node process still runs and answers /health. */
export async function stillAlive(peer: Peer): Promise<boolean> {
  if (!peer.proc || peer.proc.exitCode !== null || peer.proc.signalCode !== null) return false;
  try {
    process.kill(peer.proc.pid!, 0);
  } catch {
    return false;
  }
  const r = await fetch(`${peer.url}/health`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
  return !!r && r.status === 200 && ((await r.json()) as { ok?: boolean }).ok === true;
}

/** A clear error: a 4xx with {error: CODE, message: text}. */
export function clearError(r: { status: number; body: unknown }): boolean {
  const b = r.body as { error?: unknown; message?: unknown } | undefined;
  return r.status >= 400 && r.status < 500 && typeof b?.error === 'string' && /^[A-Z][A-Z_]*$/.test(b.error) && typeof b.message === 'string' && b.message.length > 0;
}

export const counts = new Map<string, number>();
export function count(surface: string): void {
  counts.set(surface, (counts.get(surface) ?? 0) + 1);
}
export function report(file: string): void {
  const line = [...counts].map(([s, n]) => `${s}=${n}`).join(' ');
  console.log(`[fuzz:${file}] cases per surface: ${line}`);
}

/**
 * Runs an async property for about `ms` (fast-check stops between cases when time is up;
 * that is not a failure). Returns how many cases ran.
 */
export async function timeBoxed<T>(surface: string, arb: fc.Arbitrary<T>, ms: number, check: (v: T) => Promise<void>, seed?: number): Promise<number> {
  const before = counts.get(surface) ?? 0;
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      count(surface);
      await check(v);
    }),
    { numRuns: 1_000_000, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, endOnFailure: true, ...(seed !== undefined ? { seed } : {}) },
  );
  return (counts.get(surface) ?? 0) - before;
}

/** Arbitrary JSON-ish values, including the awkward ones (deep nesting, big numbers, unicode). */
export const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, 0, -1, 1e308, '', 'null', [], {}, { __proto__: { x: 1 } }, '\u0000', 'é'.repeat(100)),
);

/** Replaces one field of an object with something of the wrong shape, or drops it, or adds junk. */
export function mutateObject(base: Record<string, unknown>, opts: { addFields?: boolean } = {}): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(base);
  const bad = fc.oneof(
    fc.constantFrom(null, -1, 0, 1.5, 2 ** 53, -(2 ** 31), '', 'x'.repeat(600), [], {}, true, 'NaN', '../../etc/passwd', '<script>'),
    fc.string({ maxLength: 40 }),
    fc.integer(),
    anyJson,
  );
  const changed = fc.record({ k: fc.constantFrom(...keys), v: bad }).map(({ k, v }) => ({ ...base, [k]: v === base[k] ? `${String(v)}!` : v }));
  const dropped = fc.constantFrom(...keys).map((k) => {
    const o = { ...base };
    delete o[k];
    return o;
  });
  // An unknown extra field is dropped by the schemas, so a body that was valid stays valid:
  // only where the base is itself refused (or for parsers) is adding one a mutation.
  if (opts.addFields === false) return fc.oneof(changed, dropped);
  return fc.oneof(changed, dropped, fc.record({ k: fc.string({ minLength: 1, maxLength: 12 }), v: anyJson }).map(({ k, v }) => ({ ...base, [k]: v })));
}
