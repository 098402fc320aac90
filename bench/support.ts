// Shared pieces of the cluster benchmarks: a real 3-peer cluster started through the CLI
// (test/support/peer.ts), players registered over MQTT, and a lean keep-alive HTTP client
// for the buyers (the benchmark shares the machine's two cores with the three nodes, so
// its own per-request CPU is kept small: node:http, one pre-signed JWT, no fetch/undici).
import http from 'node:http';
import net from 'node:net';
import { RAISED_LIMITS, TestCluster, waitFor, type Peer } from '../test/support/peer.ts';
import { TestPlayer } from '../test/support/player.ts';
import { getJson, peerToken } from '../test/support/http.ts';

export const log = (msg: string, extra?: Record<string, unknown>): void => {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 23)}] ${msg}${extra ? ' ' + JSON.stringify(extra) : ''}\n`);
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
}

export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** This process's CPU (user + system, all threads) since the call, in cores of wall time. */
export function benchCpuMeter(): { cores: () => number } {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  return {
    cores: () => {
      const c = process.cpuUsage(cpu0);
      return round((c.user + c.system) / 1000 / Math.max(1, performance.now() - wall0));
    },
  };
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** Keep-alive JSON client for one benchmark process, authenticated as a tool holding the secret. */
export class BenchClient {
  private token = '';
  private tokenAt = 0;
  private refreshing: Promise<void> | null = null;
  private readonly agent: http.Agent;

  constructor(
    private readonly secretFile: string,
    readonly clusterId: string,
    maxSockets = 256,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, keepAliveMsecs: 1000 });
  }

  /** Tokens live 60 s (docs/design.md §3): sign one, refresh every 30 s. */
  async auth(): Promise<string> {
    if (!this.token || Date.now() - this.tokenAt > 30_000) {
      // p1: a member (peer JWTs must name one).
      this.refreshing ??= peerToken(this.secretFile, this.clusterId, 'p1').then((t) => {
        this.token = t;
        this.tokenAt = Date.now();
        this.refreshing = null;
      });
      await this.refreshing;
    }
    return this.token;
  }

  async request(peer: Peer, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000): Promise<Reply> {
    const token = await this.auth();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: peer.opts.httpPort, path, method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
          res.on('end', () => {
            clearTimeout(timer);
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown>;
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              parsed = { error: 'BAD_RESPONSE', message: text.slice(0, 200) };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(payload);
    });
  }

  buy(peer: Peer, requestId: string, playerId: string, timeoutMs = 10_000): Promise<Reply> {
    return this.request(peer, 'POST', '/estoque/comprar_pacote', { requestId, playerId }, timeoutMs);
  }

  /** A dedicated lean connection to `peer` for one buyer (see RawConnection). */
  connection(peer: Peer): RawConnection {
    return new RawConnection(peer.opts.httpPort, () => this.auth());
  }

  async status(peer: Peer, timeoutMs = 2000): Promise<{ leader: string | null; term: number; commitIndex: number; sold: number; total: number }> {
    const r = await this.request(peer, 'GET', '/estoque/status', undefined, timeoutMs);
    if (r.status !== 200) throw new Error(`${peer.id}: status ${r.status}`);
    return r.body as { leader: string | null; term: number; commitIndex: number; sold: number; total: number };
  }

  async digest(peer: Peer, timeoutMs = 5000): Promise<{ digest: string; lastApplied: number; violations: string[] }> {
    const r = await this.request(peer, 'GET', '/ledger/digest', undefined, timeoutMs);
    if (r.status !== 200) throw new Error(`${peer.id}: digest ${r.status}`);
    return r.body as { digest: string; lastApplied: number; violations: string[] };
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * One keep-alive HTTP/1.1 connection driven by hand: the request is one preformatted
 * string, the answer is read by its Content-Length. The load generator shares the two
 * cores with the three peers, and node:http's client costs several times more CPU per
 * request than this (docs/benchmarks.md); the peers still serve real node:http + Koa.
 * One request at a time; a failed or timed-out request drops the socket and the next one
 * reconnects.
 */
export class RawConnection {
  private socket: net.Socket | null = null;
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly port: number,
    private readonly token: () => Promise<string>,
  ) {}

  buy(requestId: string, playerId: string, timeoutMs = 10_000): Promise<Reply> {
    return this.post('/estoque/comprar_pacote', JSON.stringify({ requestId, playerId }), timeoutMs);
  }

  async post(path: string, json: string, timeoutMs: number): Promise<Reply> {
    if (this.pending) throw new Error('RawConnection: one request at a time');
    const token = await this.token();
    const head =
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${this.port}\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n`;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      this.pending = { resolve, reject, timer };
      const socket = this.socket ?? this.connect();
      socket.write(head + json);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): net.Socket {
    const socket = net.connect({ host: '127.0.0.1', port: this.port, noDelay: true });
    this.socket = socket;
    this.buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    socket.on('error', (e) => this.fail(e, socket));
    socket.on('close', () => this.fail(new Error('connection closed'), socket));
    return socket;
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!m) return this.fail(new Error('answer without Content-Length'));
    const len = Number(m[1]);
    if (this.buf.length < end + 4 + len) return;
    const text = this.buf.toString('utf8', end + 4, end + 4 + len);
    this.buf = this.buf.subarray(end + 4 + len);
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { error: 'BAD_RESPONSE', message: text.slice(0, 200) };
    }
    if (/\r\nconnection: *close/i.test(head)) this.close();
    p.resolve({ status, body });
  }

  private fail(err: Error, socket: net.Socket | null = this.socket): void {
    if (socket !== this.socket) return;
    this.close();
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(err);
  }
}

export interface BenchCluster {
  cluster: TestCluster;
  client: BenchClient;
  players: string[];
}

/**
 * Starts 3 peers through the CLI (p1 bootstraps, the others join), waits for a leader and
 * for every peer to know it, then registers `players` players by MQTT CONNECT (trust on
 * first use, docs/design.md §4), spread over the peers.
 */
export async function startBenchCluster(opts: { stockScale: number; players: number; extraArgs?: string[]; env?: Record<string, string> }): Promise<BenchCluster> {
  const t0 = performance.now();
  // Bots register thousands of players from one address and send as fast as they can.
  const cluster = await TestCluster.start(3, ['--stock-scale', String(opts.stockScale), ...RAISED_LIMITS, ...(opts.extraArgs ?? [])], {
    TRINCA_LOG_LEVEL: process.env.TRINCA_LOG_LEVEL ?? 'warn',
    ...opts.env,
  });
  try {
    const clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
    const client = new BenchClient(cluster.secretFile, clusterId);
    await waitForStableLeader(cluster, client, 20_000);
    const players: string[] = [];
    const batch = 8;
    for (let i = 0; i < opts.players; i += batch) {
      const group = Array.from({ length: Math.min(batch, opts.players - i) }, (_, k) => i + k);
      await Promise.all(
        group.map(async (k) => {
          const p = TestPlayer.fresh();
          await p.connect(cluster.peers[k % cluster.peers.length].mqttUrl);
          await p.close();
          players[k] = p.playerId;
        }),
      );
    }
    // Every peer must have applied the registrations before a purchase names them.
    await waitForConvergence(cluster, client, 20_000);
    log('cluster ready', { ms: Math.round(performance.now() - t0), peers: cluster.peers.map((p) => p.url), players: players.length });
    return { cluster, client, players };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** Every live peer in `peers` names the same leader (which is one of them); returns it. */
export async function waitForStableLeader(cluster: TestCluster, client: BenchClient, timeoutMs: number, peers: Peer[] = cluster.peers): Promise<Peer> {
  return waitFor(
    'a leader known to every peer',
    async () => {
      const st = await Promise.all(peers.map((p) => client.status(p, 1000)));
      const leader = st[0].leader;
      if (!leader || !st.every((s) => s.leader === leader && s.term === st[0].term)) return null;
      return peers.find((p) => p.id === leader) ?? null;
    },
    timeoutMs,
    50,
  );
}

/** All peers applied the same ledger (same digest, no invariant violations). */
export async function waitForConvergence(cluster: TestCluster, client: BenchClient, timeoutMs: number): Promise<string> {
  return waitFor(
    'all peers applied the same ledger',
    async () => {
      const ds = await Promise.all(cluster.peers.map((p) => client.digest(p)));
      for (const d of ds) if (d.violations.length > 0) throw new Error(`ledger invariant violated: ${d.violations[0]}`);
      return ds.every((d) => d.digest === ds[0].digest) ? ds[0].digest : null;
    },
    timeoutMs,
    100,
  );
}

/** On SIGINT/SIGTERM, tear the cluster down (kill -9 the peers, remove their data) before exiting. */
export function installSignalCleanup(cleanup: () => Promise<void>): void {
  let done = false;
  const once = async (code: number) => {
    if (done) return;
    done = true;
    await cleanup().catch(() => undefined);
    process.exit(code);
  };
  process.once('SIGINT', () => void once(130));
  process.once('SIGTERM', () => void once(143));
}
