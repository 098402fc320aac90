// Three real node processes form a cluster; liveness follows kill -9 and restart.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TestCluster, waitFor } from '../support/peer.ts';
import { getJson } from '../support/http.ts';
import type { ServerInfo } from '../../protocol/rest.ts';

describe('cluster membership (real processes)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await TestCluster.start(3);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const servers = async (url: string) => (await getJson<ServerInfo[]>(`${url}/servers`)).body;

  it('every /servers lists all three alive within 5 s', async () => {
    const t0 = Date.now();
    for (const p of cluster.peers) {
      await waitFor(`${p.id} sees 3 alive`, async () => {
        const list = await servers(p.url);
        return list.length === 3 && list.every((s) => s.alive) ? list : null;
      }, 5000);
    }
    expect(Date.now() - t0).toBeLessThan(5000);
    const list = await servers(cluster.peers[1].url);
    expect(list.map((s) => s.id).sort()).toEqual(['p1', 'p2', 'p3']);
    for (const s of list) {
      expect(typeof s.address).toBe('string');
      expect(typeof s.mqttPort).toBe('number');
      expect(s.lastSeenMs).not.toBeNull();
      expect(typeof s.raftRole).toBe('string');
    }
  });

  it('/health is public and names the cluster', async () => {
    const h = await getJson<{ ok: boolean; id: string; clusterId: string }>(`${cluster.peers[2].url}/health`);
    expect(h.status).toBe(200);
    expect(h.body.ok).toBe(true);
    expect(h.body.id).toBe('p3');
    const h1 = await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`);
    expect(h.body.clusterId).toBe(h1.body.clusterId);
  });

  it('a kill -9 peer is seen dead within 3 s and alive again after restart', async () => {
    const victim = cluster.peer('p2');
    victim.kill9();
    const killedAt = Date.now();
    for (const p of [cluster.peer('p1'), cluster.peer('p3')]) {
      await waitFor(`${p.id} sees p2 dead`, async () => (await servers(p.url)).find((s) => s.id === 'p2')?.alive === false, 3000, 50);
    }
    expect(Date.now() - killedAt).toBeLessThan(3000);
    await victim.start();
    for (const p of [cluster.peer('p1'), cluster.peer('p3')]) {
      await waitFor(`${p.id} sees p2 alive`, async () => (await servers(p.url)).find((s) => s.id === 'p2')?.alive === true, 5000, 50);
    }
    const fromVictim = await servers(victim.url);
    expect(fromVictim.map((s) => s.id).sort()).toEqual(['p1', 'p2', 'p3']);
  });
});
