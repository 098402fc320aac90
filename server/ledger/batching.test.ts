// Proposals made in one event-loop turn go into the Raft log as one BATCH entry, each with
// its own result; a match's turnover costs one entry per step however many matches turn
// over together; BATCH entries replay from the WAL after a restart. A real single-node
// RaftNode on a real disk, the real ledger replica and service.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { RaftNode, snapshotPhase } from '../raft/raft-node.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { PeerClient } from '../http/peer-client.ts';
import { LedgerReplica } from './replica.ts';
import { LedgerService } from './service.ts';
import { MAX_BATCH_BYTES } from './proposer.ts';
import { checkInvariants, collectionOf, getMatch, ledgerDigest, type LedgerCommand, type LedgerResult } from './machine/index.ts';

const log = pino({ level: 'silent' });
const dirs: string[] = [];
const nodes: RaftNode<LedgerResult>[] = [];

afterEach(async () => {
  for (const n of nodes.splice(0)) await n.stop();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function node(dataDir?: string, id = 'n1', snapshotEvery = 1_000_000) {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'trinca-batch-')));
  if (!dataDir) dirs.push(dir);
  const replica = new LedgerReplica('batch-cluster', 1);
  const seen: LedgerCommand[] = [];
  replica.onApplied((cmd) => seen.push(cmd));
  const raft = await RaftNode.open<LedgerResult>({
    id,
    dataDir: dir,
    log,
    metrics: createMetrics(id),
    client: {} as PeerClient,
    addressOf: () => undefined,
    bootstrap: true,
    timing: { tickMs: 5, heartbeatTicks: 2, electionTicks: 10 },
    machine: replica,
    snapshotEvery,
  });
  nodes.push(raft);
  raft.start();
  const deadline = Date.now() + 5000;
  while (!raft.isLeader() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(raft.isLeader()).toBe(true);
  const service = new LedgerService(raft, {} as PeerClient, () => undefined, log);
  return { dir, raft, replica, service, seen, last: () => raft.status().lastIndex };
}

const ok = (r: LedgerResult) => {
  if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
  return r;
};

describe('batched proposals', () => {
  it('commands submitted in one turn share one Raft entry, each with its own result', async () => {
    const n = await node();
    await Promise.all(['a', 'b'].map((p) => n.service.submit({ type: 'REGISTER_PLAYER', playerId: p, name: p, tokenHash: `h${p}` })));
    const before = n.last();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => n.service.submit({ type: 'BUY_PACK', requestId: `r${i}`, playerId: i % 2 ? 'a' : 'b' })));
    expect(n.last() - before).toBe(1);
    const cards = results.map((r) => ('cards' in r ? r.cards.map((c) => c.id) : []));
    expect(new Set(cards.flat()).size).toBe(100); // 20 different packs, not one pack 20 times
    expect(results.map((r) => ('remaining' in r ? r.remaining : -1))).toEqual(results.map((_, i) => 2800 - 5 * (i + 1)));
    // A refusal inside the batch is that command's alone.
    const mixed = await Promise.all([
      n.service.submit({ type: 'BUY_PACK', requestId: 'ok', playerId: 'a' }),
      n.service.submit({ type: 'BUY_PACK', requestId: 'r1', playerId: 'b' }), // r1 was a's
      n.service.submit({ type: 'BUY_PACK', requestId: 'ghost', playerId: 'nobody' }),
    ]);
    expect(mixed.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'DUPLICATE_REQUEST', 'UNKNOWN_PLAYER']);
    expect(n.last() - before).toBe(2);
    // Observers saw each command, not the batch.
    expect(n.seen.filter((c) => c.type === 'BUY_PACK')).toHaveLength(23);
    expect(n.seen.some((c) => (c.type as string) === 'BATCH')).toBe(false);
    expect(checkInvariants(n.replica.state)).toEqual([]);
  });

  it('counts the entries of match turnover: 3 per match alone, a few for ten matches together; a restart replays them', async () => {
    const n = await node();
    const ids = Array.from({ length: 20 }, (_, i) => `p${i}`);
    await Promise.all(ids.map((p) => n.service.submit({ type: 'REGISTER_PLAYER', playerId: p, name: p, tokenHash: `h${p}` })));
    await Promise.all(ids.map((p) => n.service.submit({ type: 'BUY_PACK', requestId: `buy-${p}`, playerId: p })));
    const hand = (p: string) => collectionOf(n.replica.state, p).map((c) => c.id);
    /** Entries a step's commands take: as many BATCHes as MAX_BATCH_BYTES of JSON needs. */
    const entriesFor = (cmds: LedgerCommand[]) => {
      let entries = 0;
      let bytes = Infinity;
      for (const c of cmds) {
        const size = JSON.stringify(c).length + 1;
        if (bytes + size > MAX_BATCH_BYTES) {
          entries++;
          bytes = 0;
        }
        bytes += size;
      }
      return entries;
    };
    const turnover = async (pairs: [string, string][], tag: string) => {
      const start = n.last();
      const created: LedgerCommand[] = pairs.map(([a, b], i) => ({ type: 'MATCH_CREATED', matchId: `${tag}${i}`, players: [a, b], host: 'n1', shadow: null, seed: `s${i}` }));
      const hands: LedgerCommand[] = pairs.flatMap(([a, b], i) => [a, b].map((p) => ({ type: 'MATCH_HAND' as const, matchId: `${tag}${i}`, playerId: p, cardIds: hand(p) })));
      const finished: LedgerCommand[] = pairs.map(([a, b], i) => ({ type: 'MATCH_FINISHED', matchId: `${tag}${i}`, winnerId: a, reason: 'VITORIA', scores: { [a]: 3, [b]: 2 } }));
      for (const step of [created, hands, finished]) await Promise.all(step.map((c) => n.service.submit(c).then(ok)));
      return { entries: n.last() - start, expected: entriesFor(created) + entriesFor(hands) + entriesFor(finished) };
    };
    // One match: MATCH_CREATED, both hands (set in the same turn), MATCH_FINISHED.
    expect(await turnover([['p0', 'p1']], 'solo')).toEqual({ entries: 3, expected: 3 });
    // Ten matches turning over together: each step's commands share entries, as many as
    // their bytes need (the 20 hands are a few KB), far below the 40 entries of one each.
    const pairs = Array.from({ length: 10 }, (_, i) => [ids[2 * i], ids[2 * i + 1]] as [string, string]);
    const ten = await turnover(pairs, 'm');
    expect(ten.entries).toBe(ten.expected);
    expect(ten.entries).toBeLessThanOrEqual(6);
    expect(getMatch(n.replica.state, 'm9')).toMatchObject({ status: 'finished' });
    expect(checkInvariants(n.replica.state)).toEqual([]);
    const digest = ledgerDigest(n.replica.state);
    const applied = n.raft.appliedIndex();

    // The same disk, a new process: BATCH entries (and the plain ones before) replay to the same state.
    await nodes.pop()!.stop();
    const again = await node(n.dir);
    const deadline = Date.now() + 5000;
    while (again.raft.appliedIndex() < applied && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(again.replica.state.lastApplied).toBeGreaterThanOrEqual(applied);
    expect(ledgerDigest({ ...again.replica.state, lastApplied: n.replica.state.lastApplied, lastAppliedTerm: n.replica.state.lastAppliedTerm })).toBe(digest);
  });
});

describe('snapshot stagger', () => {
  it('peers applying the same log snapshot at different indexes, each on its own grid', async () => {
    const every = 16;
    const taken = new Map<string, number[]>();
    for (const id of ['n1', 'n2']) {
      const n = await node(undefined, id, every);
      await n.service.submit({ type: 'REGISTER_PLAYER', playerId: 'a', name: 'a', tokenHash: 'h' });
      const at: number[] = [];
      for (let i = 0; i < 60; i++) {
        await n.service.submit({ type: 'BUY_PACK', requestId: `r${i}`, playerId: 'a' });
        const s = n.raft.status().snapshotIndex;
        if (s > 0 && s !== at.at(-1)) at.push(s);
      }
      taken.set(id, at);
      const phase = snapshotPhase(id, every);
      expect(at.length).toBeGreaterThanOrEqual(3);
      for (const s of at) expect((s - phase) % every).toBe(0);
    }
    expect(snapshotPhase('n1', every)).not.toBe(snapshotPhase('n2', every));
    expect(taken.get('n1')).not.toEqual(taken.get('n2'));
  });
});
