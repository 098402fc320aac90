// Pulls the final state from every peer after healing, for the checker: each peer's ledger
// digest, stock status and every player's cards (GET /ledger/digest, /estoque/status,
// /ledger/players/:id/cards), and every copy of every match log (GET /game/:id/log, plus
// the peer's own file under <data>/matches: a node forgets a finished match 30 s after it
// ended and then no longer serves its log, but keeps the file).
import fs from 'node:fs';
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
  try {
    const s = replay(events.map((e) => {
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

export function readDiskLog(dataDir: string, matchId: string): SignedEvent[] | null {
  const file = path.join(dataDir, 'matches', `${matchId}.log`);
  if (!fs.existsSync(file)) return null;
  try {
    return decodeRecords(fs.readFileSync(file), file, true).values as SignedEvent[];
  } catch {
    return null;
  }
}

export async function collectFinalState(cluster: ChaosCluster, players: readonly string[], matchIds: readonly string[]): Promise<FinalState> {
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
      const r = await cluster.call<{ role: string; epoch: number; host: string; shadow: string | null; events: SignedEvent[] }>(i, 'GET', `/game/${encodeURIComponent(matchId)}/log`).catch(() => null);
      if (r && r.status === 200) logs.push(summarizeLog(p.id, 'rest', r.body.events, r.body));
      const disk = readDiskLog(p.dataDir, matchId);
      if (disk && disk.length > 0) logs.push(summarizeLog(p.id, 'disk', disk));
    }
    matches[matchId] = logs;
  });
  return { peers, matches };
}
