// The replicated ledger against real processes: concurrent purchases on every peer while
// the Raft leader is kill -9'd, catch-up (also by snapshot), torn WAL tails, a leader cut
// off from the majority, idempotent retries, and bad input.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor, type TestCluster } from '../support/peer.ts';
import { TestPlayer } from '../support/player.ts';
import { startStockCluster } from '../support/stock-cluster.ts';
import type { StockClient} from '../support/stock.ts';
import { sumRemaining, type Purchase } from '../support/stock.ts';

describe('replicated ledger (real processes)', () => {
  let cluster: TestCluster;
  let stock: StockClient;
  let playerIds: string[] = [];

  beforeAll(async () => {
    ({ cluster, stock, playerIds } = await startStockCluster({ env: { TRINCA_SNAPSHOT_EVERY: '60' }, players: 24 }));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  async function converged(): Promise<string> {
    return waitFor('all peers applied the same ledger', async () => {
      const ds = await Promise.all(cluster.peers.map((p) => stock.digest(p)));
      return ds.every((d) => d.digest === ds[0].digest) ? ds[0].digest : null;
    }, 20_000, 200);
  }

  async function checkOwnership(acked: Purchase[]): Promise<void> {
    const seen = new Map<string, string>();
    const peer = cluster.peers[0];
    const byPlayer = new Map<string, Set<string>>();
    for (const id of playerIds) {
      const cards = await stock.cards(peer, id);
      byPlayer.set(id, new Set(cards.map((c) => c.id)));
      for (const c of cards) {
        expect(seen.has(c.id), `card ${c.id} owned by ${seen.get(c.id)} and ${id}`).toBe(false);
        seen.set(c.id, id);
      }
    }
    for (const p of acked) {
      expect(p.cards).toHaveLength(5);
      for (const c of p.cards) expect(byPlayer.get(p.playerId)!.has(c.id), `acked card ${c.id} of ${p.requestId}`).toBe(true);
    }
    for (const peerX of cluster.peers) {
      const s = await stock.status(peerX);
      expect(s.sold + sumRemaining(s.remaining)).toBe(s.total);
      expect(s.sold).toBe(seen.size);
      expect((await stock.digest(peerX)).violations).toEqual([]);
    }
  }

  it('72 concurrent purchases over all peers survive a leader kill -9', async () => {
    const leader = await stock.leader();
    const N = 72;
    const jobs: Promise<Purchase>[] = [];
    let killed = false;
    for (let i = 0; i < N; i++) {
      jobs.push(stock.buy(`buy-${i}`, playerIds[i % playerIds.length], i));
      if (i === 24) {
        leader.kill9();
        killed = true;
      }
      if (i % 8 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(killed).toBe(true);
    const acked = await Promise.all(jobs);
    expect(acked).toHaveLength(N);
    await leader.start();
    const newLeader = await stock.leader();
    expect(newLeader.id).toBeDefined();
    await converged();
    await checkOwnership(acked);
    const statuses = await Promise.all(cluster.peers.map((p) => stock.status(p)));
    for (const s of statuses) {
      expect(s.sold).toBe(statuses[0].sold);
      expect(s.remaining).toEqual(statuses[0].remaining);
    }
    expect(statuses[0].sold).toBe(N * 5);

    // A retried requestId yields the same pack, on any peer, and sells nothing more.
    const again = await stock.buy('buy-3', acked[3].playerId, 1);
    expect(again.cards).toEqual(acked[3].cards);
    expect((await stock.status(cluster.peers[2])).sold).toBe(N * 5);
  }, 120_000);

  it('a peer far behind catches up through a snapshot; a torn WAL tail recovers', async () => {
    const leader = await stock.leader();
    const lagger = cluster.peers.find((p) => p.id !== leader.id)!;
    lagger.kill9();
    // One purchase at a time: purchases made together share a BATCH entry, and the log must
    // grow well past the snapshot interval (60, staggered per node) to leave the lagger behind.
    for (let i = 0; i < 150; i++) await stock.buy(`lag-${i}`, playerIds[i % playerIds.length], cluster.peers.indexOf(leader));
    // Tear the lagger's WAL tail: half a record of garbage at the end of its last segment.
    const walDir = path.join(lagger.opts.dataDir, 'raft', 'wal');
    const segs = fs.readdirSync(walDir).filter((f) => f.endsWith('.wal')).sort();
    fs.appendFileSync(path.join(walDir, segs[segs.length - 1]), Buffer.from([0, 0, 1, 0, 0xde, 0xad, 0xbe]));
    lagger.opts.env = { ...lagger.opts.env, TRINCA_LOG_LEVEL: 'info' };
    await lagger.start();
    await converged();
    expect(lagger.stderr).toMatch(/installed snapshot/);
    const d = await stock.digest(lagger);
    expect(d.violations).toEqual([]);
  }, 120_000);

  it('a leader cut off from the majority commits nothing', async () => {
    const leader = await stock.leader();
    const followers = cluster.peers.filter((p) => p !== leader);
    const before = await stock.status(leader);
    for (const f of followers) f.proc!.kill('SIGSTOP');
    try {
      const r = await stock.call(leader, 'POST', '/estoque/comprar_pacote', { requestId: 'cut-off', playerId: playerIds[0] }, 12_000).catch((e: Error) => ({ status: 0, body: { error: e.message } }));
      expect(r.status).not.toBe(200);
      const during = await stock.status(leader);
      expect(during.commitIndex).toBe(before.commitIndex);
      expect(during.sold).toBe(before.sold);
    } finally {
      for (const f of followers) f.proc!.kill('SIGCONT');
    }
    // Healed: the unacknowledged purchase may or may not be applied, but at most once.
    const retried = await stock.buy('cut-off', playerIds[0], 0);
    expect(retried.cards).toHaveLength(5);
    await converged();
    expect((await stock.status(cluster.peers[0])).sold).toBe(before.sold + 5);
  }, 60_000);

  it('bad input changes nothing: forged and stale Raft messages, bad bodies, unknown players', async () => {
    const peer = cluster.peers[1];
    const before = await stock.digest(peer);
    const s = await stock.status(peer);
    // The token says p1 (a member); a message claiming to come from another peer is a forgery.
    const forged = await stock.call(peer, 'POST', '/eleicao/declarar_lider', { term: s.term + 5, leaderId: 'p2', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 });
    expect(forged.status).toBe(403);
    // Holding the secret is not membership: a non-member at a higher term is refused.
    const outsider = await stock.call(peer, 'POST', '/eleicao/declarar_lider', { term: s.term + 5, leaderId: 'test-client', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 }, 10_000, 'test-client');
    expect(outsider.status).toBe(403);
    expect(outsider.body.error).toBe('NOT_A_MEMBER');
    // A member's stale term: refused with the current term.
    const other = cluster.peers.find((p) => p !== peer)!.id;
    const stale = await stock.call(peer, 'POST', '/eleicao/declarar_lider', { term: 0, leaderId: other, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 }, 10_000, other);
    expect(stale.status).toBe(200);
    expect(stale.body).toMatchObject({ success: false, term: s.term });
    const staleVote = await stock.call(peer, 'POST', '/eleicao/solicitar_voto', { term: 0, candidateId: other, lastLogIndex: 0, lastLogTerm: 0, preVote: false }, 10_000, other);
    expect(staleVote.body).toMatchObject({ voteGranted: false });
    const badSnapshot = await stock.call(peer, 'POST', '/raft/install_snapshot', { term: 0, leaderId: other, lastIncludedIndex: 5, lastIncludedTerm: 1, config: { voters: [], learners: [] }, data: { junk: true } }, 10_000, other);
    expect(badSnapshot.status).toBe(400);
    for (const [p, body] of [
      ['/eleicao/declarar_lider', { term: 'x' }],
      ['/eleicao/solicitar_voto', { term: 1 }],
      ['/estoque/comprar_pacote', { requestId: '' }],
      ['/raft/propose', { command: { type: 'BUY_PACK' } }],
    ] as const) {
      const r = await stock.call(peer, 'POST', p, body);
      expect(r.status, p).toBe(400);
      expect(r.body.error).toBe('BAD_REQUEST');
    }
    const unknown = await stock.call(peer, 'POST', '/estoque/comprar_pacote', { requestId: 'nobody-1', playerId: 'no-such-player' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('UNKNOWN_PLAYER');
    const after = await stock.digest(peer);
    // Only entries from the leader may have moved lastApplied (noops); the state is the same.
    expect((await stock.status(peer)).sold).toBe(s.sold);
    expect(after.violations).toEqual([]);
    expect(before.violations).toEqual([]);
  }, 60_000);

  it('a batched /raft/propose answers each command on its own; only the leader takes one', async () => {
    const leader = await stock.leader();
    const follower = cluster.peers.find((p) => p.id !== leader.id)!;
    const commands = [
      { type: 'BUY_PACK', requestId: 'batch-1', playerId: playerIds[0] },
      { type: 'BUY_PACK', requestId: 'batch-2', playerId: 'no-such-player' },
      { type: 'BUY_PACK', requestId: 'batch-1', playerId: playerIds[0] },
    ];
    const refused = await stock.call(follower, 'POST', '/raft/propose', { commands });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe('NOT_LEADER');
    const r = await stock.call(leader, 'POST', '/raft/propose', { commands });
    expect(r.status).toBe(200);
    const results = r.body.results as { index: number; result: { ok: boolean; code?: string; cards?: unknown[] } }[];
    expect(results).toHaveLength(3);
    expect(results[0].result.ok).toBe(true);
    expect(results[0].result.cards).toHaveLength(5);
    expect(results[1].result).toMatchObject({ ok: false, code: 'UNKNOWN_PLAYER' });
    // The same requestId twice in one batch: applied once, the second gets the same pack.
    expect(results[2].result.cards).toEqual(results[0].result.cards);
    // One BATCH Raft entry for the three: they share its index.
    expect(new Set(results.map((x) => x.index)).size).toBe(1);
  }, 30_000);

  it('players buy over MQTT: COMPRAR → PACOTE_RESULTADO, COLECAO, RANKING; their token works on every peer', async () => {
    const p = TestPlayer.fresh();
    await p.connect(cluster.peers[0].mqttUrl);
    const r = await p.request({ type: 'COMPRAR' }, 10_000);
    expect(r.type).toBe('PACOTE_RESULTADO');
    expect((r.cards as unknown[]).length).toBe(5);
    const col = await p.request({ type: 'COLECAO' });
    expect(col.type).toBe('COLECAO');
    expect((col.cards as { id: string }[]).map((c) => c.id).sort()).toEqual((r.cards as { id: string }[]).map((c) => c.id).sort());
    await p.close();
    // Same credentials on another peer: accepted (registered cluster-wide)…
    const again = new TestPlayer(p.playerId, p.token);
    await again.connect(cluster.peers[2].mqttUrl);
    const rank = await again.request({ type: 'RANKING' });
    expect(rank.type).toBe('RANKING');
    await again.close();
    // …and a wrong token is refused on a third peer.
    const impostor = new TestPlayer(p.playerId, TestPlayer.fresh().token);
    await expect(impostor.connect(cluster.peers[1].mqttUrl)).rejects.toThrow(/[Bb]ad username or password/);
  }, 60_000);
});
