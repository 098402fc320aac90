// Removing a peer that is gone for good (docs/operations.md), with real processes:
// `trinca remove-peer --data <a live member's dir> --id p3` after p3 was kill -9'd. The
// leader commits the Raft configuration change; every peer forgets p3 (/servers); the
// two-voter cluster keeps selling; a bad or unknown id is refused clearly; the endpoint
// needs a peer JWT.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TestCluster, runCli, waitFor } from '../support/peer.ts';
import { getJson, postJson } from '../support/http.ts';
import { StockClient } from '../support/stock.ts';
import { TestPlayer } from '../support/player.ts';

describe('trinca remove-peer (real processes)', () => {
  let cluster: TestCluster;
  let stock: StockClient;
  let clusterId: string;

  beforeAll(async () => {
    cluster = await TestCluster.start(3);
    clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
    stock = new StockClient(cluster, clusterId);
    await waitFor('three live voters', async () => {
      const s = await getJson<{ alive: boolean; raftRole: string }[]>(`${cluster.peers[0].url}/servers`);
      return s.body.length === 3 && s.body.every((x) => x.alive && x.raftRole !== 'learner');
    }, 30_000, 200);
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('removes a dead peer through the leader; the cluster forgets it and keeps selling', async () => {
    const [p1, p2, p3] = cluster.peers;
    p3.kill9();
    await p3.waitExit();
    // Run it next to p2 (whoever leads: a follower relays to the leader).
    const r = await runCli(['remove-peer', '--data', p2.opts.dataDir, '--id', 'p3', '--secret-file', cluster.secretFile], {}, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^removed p3 from cluster .*; voters: (p1, p2|p2, p1)\n$/);

    for (const p of [p1, p2]) {
      await waitFor(`${p.id} forgets p3`, async () => {
        const s = await getJson<{ id: string }[]>(`${p.url}/servers`);
        return s.body.map((x) => x.id).sort().join() === 'p1,p2';
      }, 10_000, 100);
    }
    // Two voters of two: purchases commit.
    const player = TestPlayer.fresh();
    await player.connect(p1.mqttUrl);
    await player.close();
    const bought = await stock.buy('after-removal', player.playerId, 0, 20_000);
    expect(bought.cards).toHaveLength(5);
    const [d1, d2] = await Promise.all([stock.digest(p1), stock.digest(p2)]);
    expect(d1.violations).toEqual([]);
    expect(d2.digest === d1.digest || d2.lastApplied !== d1.lastApplied).toBe(true);
  }, 120_000);

  it('refuses an unknown id, a malformed one, its own data dir and calls without a JWT', async () => {
    const [p1] = cluster.peers;
    const unknown = await runCli(['remove-peer', '--data', p1.opts.dataDir, '--id', 'nobody', '--secret-file', cluster.secretFile]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^trinca: UNKNOWN_MEMBER: no peer nobody in the cluster\n$/);
    const again = await runCli(['remove-peer', '--data', p1.opts.dataDir, '--id', 'p3', '--secret-file', cluster.secretFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/UNKNOWN_MEMBER/);
    const bad = await runCli(['remove-peer', '--data', p1.opts.dataDir, '--id', '../x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--id must be/);
    const self = await runCli(['remove-peer', '--data', p1.opts.dataDir, '--id', 'p1', '--secret-file', cluster.secretFile]);
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(/own data dir/);
    const missing = await runCli(['remove-peer', '--id', 'p2']);
    expect(missing.code).toBe(2);

    const open = await postJson(`${p1.url}/cluster/remove_member`, { id: 'p2' });
    expect(open.status).toBe(401);
    const token = await stock.auth();
    const body = await postJson(`${p1.url}/cluster/remove_member`, { id: 42 }, token);
    expect(body.status).toBe(400);
    expect(body.body).toMatchObject({ error: 'BAD_REQUEST' });
    // The last two voters are still both there.
    const s = await getJson<{ id: string }[]>(`${p1.url}/servers`);
    expect(s.body.map((x) => x.id).sort()).toEqual(['p1', 'p2']);
  }, 60_000);
});
