// Pulls the final state from every peer after healing, for the checker: each peer's ledger
// digest, stock status and every player's cards (GET /ledger/digest, /estoque/status,
// /ledger/players/:id/cards), and every copy of every match log (GET /game/:id/log, plus
// the peer's own file under <data>/matches: a node forgets a finished match 30 s after it
// ended and then no longer serves its log, but keeps the file).
import fs from 'node:fs';
import { crc32 } from 'node:zlib';
import path from 'node:path';
import { decodeRecords } from '../../server/storage/record-codec.ts';
import { replay } from '../../server/game/index.ts';
import { bareEvent, type SignedEvent } from '../../server/match/signing.ts';
import type { ChaosCluster } from './cluster.ts';
import type { FinalMatchLog, FinalPeer, FinalState, LogEvent, PeerDigest, PeerStatus } from './types.ts';

async function limited<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function retry<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250 * (i + 1)));
    }
  }
  throw last;
}

/** What the checker needs of a log: sequence, type, who, which card, the signature; and where the match stands. */
export function summarizeLog(peer: string, source: 'rest' | 'disk', events: SignedEvent[], meta?: { role?: string; epoch?: number; host?: string; shadow?: string | null }): FinalMatchLog {
  let finished: boolean;
  let epoch = meta?.epoch ?? 1;
  let host = meta?.host ?? '';
  let shadow = meta?.shadow ?? null;
  // A copy holding the same events twice (a writer race) still tells where the match stands.
  const bySeq = new Map<number, SignedEvent>();
  for (const e of events) if (!bySeq.has(e.eventSeq)) bySeq.set(e.eventSeq, e);
  const distinct = [...bySeq.values()].sort((a, b) => a.eventSeq - b.eventSeq);
  try {
    const s = replay(distinct.map((e) => {
      const b = bareEvent(e);
      if (!b) throw new Error(`event ${e.eventSeq} is not a valid event`);
      return b;
    }));
    finished = s.phase === 'FINALIZADO';
    if (!meta) {
      epoch = s.epoch;
      host = s.host;
      shadow = s.shadow;
    }
  } catch {
    finished = false;
    if (!meta) epoch = Math.max(1, ...events.map((e) => (typeof e.epoch === 'number' ? e.epoch : 1)));
  }
  const ev = (e: SignedEvent): LogEvent => {
    const x = e as unknown as Record<string, unknown>;
    return {
      eventSeq: e.eventSeq,
      type: e.type,
      ...(typeof x.playerId === 'string' ? { playerId: x.playerId } : {}),
      ...(typeof x.cardId === 'string' ? { cardId: x.cardId } : {}),
      signature: e.signature,
    };
  };
  return { peer, source, role: meta?.role ?? 'disk', epoch, host, shadow, finished, events: events.map(ev) };
}

/**
 * A match's log as the peer's disk holds it, read-only (never through MatchLogStore, which
 * would recover and write into a live node's directory): the match file `<id>.log` plus the
 * appends and deletes still in the node-wide journal (`journal-<n>.jnl`) that a checkpoint
 * has not folded into the file yet — the format of server/storage/match-log.ts. A torn
 * last journal record is ignored, as the node does.
 */
export function readDiskLog(dataDir: string, matchId: string): SignedEvent[] | null {
  const dir = path.join(dataDir, 'matches');
  const file = path.join(dir, `${matchId}.log`);
  let buf: Buffer | null = fs.existsSync(file) ? fs.readFileSync(file) : null;
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((f) => /^journal-\d{8,}\.jnl$/.test(f)).sort((a, b) => Number(a.slice(8, -4)) - Number(b.slice(8, -4)));
  } catch {
    return null;
  }
  for (const name of names) {
    let j: Buffer;
    try {
      j = fs.readFileSync(path.join(dir, name));
    } catch {
      continue; // checkpointed and deleted meanwhile: its bytes are in the file now
    }
    for (let off = 0; off + 8 <= j.length; ) {
      const len = j.readUInt32LE(off);
      if (len < 10 || off + 8 + len > j.length || crc32(j.subarray(off + 8, off + 8 + len)) !== j.readUInt32LE(off + 4)) break;
      const body = j.subarray(off + 8, off + 8 + len);
      off += 8 + len;
      const idLen = body[1];
      if (body.toString('latin1', 2, 2 + idLen) !== matchId) continue;
      if (body[0] === 2) {
        buf = Buffer.alloc(0);
        continue;
      }
      const at = body.readDoubleLE(2 + idLen);
      const data = body.subarray(2 + idLen + 8);
      const cur = buf ?? Buffer.alloc(0);
      const next = Buffer.alloc(Math.max(cur.length, at + data.length));
      cur.copy(next, 0);
      data.copy(next, at);
      buf = next;
    }
  }
  if (!buf || buf.length === 0) return null;
  try {
    return decodeRecords(buf, file, true).values as SignedEvent[];
  } catch {
    return null;
  }
}

type RestLog = { role: string; epoch: number; host: string; shadow: string | null; events: SignedEvent[] };

/**
 * Takes each match's log from every peer (GET /game/:id/log) soon after it ended: a node
 * serves a finished match only ~30 s, and the final state is pulled after the drain.
 */
export class LogCapture {
  readonly logs = new Map<string, Map<string, RestLog>>();
  private pending = new Set<Promise<void>>();
  private seen = new Set<string>();

  constructor(private readonly cluster: ChaosCluster) {}

  matchEnded(matchId: string): void {
    if (this.seen.has(matchId)) return;
    this.seen.add(matchId);
    const job = this.capture(matchId).finally(() => this.pending.delete(job));
    this.pending.add(job);
  }

  private async capture(matchId: string): Promise<void> {
    // A few tries over ~20 s: the host or the shadow may be down or cut off right now.
    for (let attempt = 0; attempt < 5; attempt++) {
      await new Promise((r) => setTimeout(r, attempt === 0 ? 1500 : 4000));
      let finished = false;
      await Promise.all(
        this.cluster.peers.map(async (p, i) => {
          const r = await this.cluster.call<RestLog>(i, 'GET', `/game/${encodeURIComponent(matchId)}/log`, undefined, 3000).catch(() => null);
          if (!r || r.status !== 200 || !Array.isArray(r.body.events)) return;
          const per = this.logs.get(matchId) ?? new Map<string, RestLog>();
          const prev = per.get(p.id);
          if (!prev || r.body.epoch > prev.epoch || (r.body.epoch === prev.epoch && r.body.events.length >= prev.events.length)) per.set(p.id, r.body);
          this.logs.set(matchId, per);
          if (summarizeLog(p.id, 'rest', r.body.events, r.body).finished) finished = true;
        }),
      );
      if (finished) return;
    }
  }

  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

export async function collectFinalState(cluster: ChaosCluster, players: readonly string[], matchIds: readonly string[], captured?: LogCapture): Promise<FinalState> {
  const peers: FinalPeer[] = [];
  for (let i = 0; i < cluster.peers.length; i++) {
    const id = cluster.peers[i].id;
    try {
      const digest = (await retry(() => cluster.call<PeerDigest>(i, 'GET', '/ledger/digest'))).body;
      const status = (await retry(() => cluster.call<PeerStatus>(i, 'GET', '/estoque/status'))).body;
      const cards: Record<string, string[]> = {};
      await limited(players, 8, async (pid) => {
        const r = await retry(() => cluster.call<{ cards?: { id: string }[] }>(i, 'GET', `/ledger/players/${encodeURIComponent(pid)}/cards`));
        cards[pid] = r.status === 200 ? (r.body.cards ?? []).map((c) => c.id) : [];
      });
      const after = (await retry(() => cluster.call<PeerDigest>(i, 'GET', '/ledger/digest'))).body;
      if (after.digest !== digest.digest) throw new Error(`${id}'s ledger changed while it was read (${digest.lastApplied} → ${after.lastApplied})`);
      peers.push({ id, reachable: true, digest, status, cards });
    } catch (err) {
      peers.push({ id, reachable: false, error: (err as Error).message });
    }
  }
  const matches: Record<string, FinalMatchLog[]> = {};
  await limited(matchIds, 6, async (matchId) => {
    const logs: FinalMatchLog[] = [];
    for (let i = 0; i < cluster.peers.length; i++) {
      const p = cluster.peers[i];
      const r = await cluster.call<RestLog>(i, 'GET', `/game/${encodeURIComponent(matchId)}/log`).catch(() => null);
      if (r && r.status === 200) logs.push(summarizeLog(p.id, 'rest', r.body.events, r.body));
      else {
        const early = captured?.logs.get(matchId)?.get(p.id);
        if (early) logs.push(summarizeLog(p.id, 'rest', early.events, early));
      }
      const disk = readDiskLog(p.dataDir, matchId);
      if (disk && disk.length > 0) logs.push(summarizeLog(p.id, 'disk', disk));
    }
    matches[matchId] = logs;
  });
  return { peers, matches };
}
