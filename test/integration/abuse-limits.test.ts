// Registration and command rate limits against real node processes (docs/security.md
// "Limits"): new players per address and per node, per-player token buckets on commands
// (stricter for ledger writes), and a PERFIL that changes nothing writes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TestCluster, waitFor } from '../support/peer.ts';
import { TestPlayer, type AnyEvent } from '../support/player.ts';
import { getJson } from '../support/http.ts';
import { StockClient } from '../support/stock.ts';

describe('registration and command limits (real processes)', () => {
  let limited: TestCluster;
  let full: TestCluster;
  let stock: StockClient;
  let fullStock: StockClient;
  const players: TestPlayer[] = [];

  beforeAll(async () => {
    // The flags after RAISED_LIMITS (test/support/peer.ts) win: these nodes run the real limits.
    [limited, full] = await Promise.all([
      TestCluster.start(1, ['--max-new-players-per-ip', '3', '--rate-limit-scale', '1']),
      TestCluster.start(1, ['--max-players', '2']),
    ]);
    const id = async (c: TestCluster) => (await getJson<{ clusterId: string }>(`${c.peers[0].url}/health`)).body.clusterId;
    stock = new StockClient(limited, await id(limited));
    fullStock = new StockClient(full, await id(full));
    await Promise.all([waitFor('a leader', () => stock.leader(), 15_000), waitFor('a leader', () => fullStock.leader(), 15_000)]);
    for (let i = 0; i < 3; i++) {
      const p = TestPlayer.fresh();
      players.push(p);
      await p.connect(limited.peers[0].mqttUrl);
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(players.map((p) => p.close()));
    await Promise.all([limited?.stop(), full?.stop()]);
  });

  /** The ledger once it has settled (two equal digests in a row). */
  const settled = async (s: StockClient, c: TestCluster) => {
    let a = await s.digest(c.peers[0]);
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      const b = await s.digest(c.peers[0]);
      if (b.digest === a.digest && b.lastApplied === a.lastApplied) return b;
      a = b;
    }
  };

  it('an address registers at most --max-new-players-per-ip new players; known players still get in', async () => {
    const before = await settled(stock, limited);
    const extra = TestPlayer.fresh();
    await expect(extra.connect(limited.peers[0].mqttUrl)).rejects.toThrow(/[Ss]erver unavailable/);
    expect(await settled(stock, limited)).toEqual(before);
    const known = new TestPlayer(players[0].playerId, players[0].token);
    players.push(known);
    await expect(known.connect(limited.peers[0].mqttUrl)).resolves.toMatchObject({ type: 'BEM_VINDO' });
  });

  it('a node registers no player once the cluster has --max-players', async () => {
    const url = full.peers[0].mqttUrl;
    for (let i = 0; i < 2; i++) {
      const p = TestPlayer.fresh();
      players.push(p);
      await p.connect(url);
    }
    const before = await settled(fullStock, full);
    await expect(TestPlayer.fresh().connect(url)).rejects.toThrow(/[Ss]erver unavailable/);
    expect(await settled(fullStock, full)).toEqual(before);
  });

  it('a burst of COMPRAR: 10 packs, then ERRO RATE_LIMITED with retryAfterMs, and nothing is sold for those', async () => {
    const p = players[0];
    const soldBefore = (await stock.status(limited.peers[0])).sold;
    const replies = await Promise.all(Array.from({ length: 30 }, () => p.request({ type: 'COMPRAR' }, 15_000)));
    const packs = replies.filter((r) => r.type === 'PACOTE_RESULTADO');
    const refused = replies.filter((r) => r.type === 'ERRO') as (AnyEvent & { code: string; retryAfterMs: number })[];
    expect(packs.length).toBeGreaterThanOrEqual(10);
    expect(packs.length).toBeLessThanOrEqual(11); // one token may refill while they arrive
    expect(refused.length).toBe(30 - packs.length);
    for (const r of refused) {
      expect(r.code).toBe('RATE_LIMITED');
      expect(r.retryAfterMs).toBeGreaterThan(0);
      expect(r.retryAfterMs).toBeLessThanOrEqual(1000);
    }
    await waitFor('purchases applied', async () => (await stock.status(limited.peers[0])).sold === soldBefore + 5 * packs.length, 10_000);
    await new Promise((r) => setTimeout(r, Math.max(...refused.map((r) => r.retryAfterMs)) + 50));
    expect(await p.request({ type: 'COMPRAR' }, 15_000)).toMatchObject({ type: 'PACOTE_RESULTADO' });
    expect((await stock.status(limited.peers[0])).sold).toBe(soldBefore + 5 * (packs.length + 1));
  });

  it('other commands have a roomier bucket (40, then 10/s); limits are per player', async () => {
    const p = players[2];
    const replies = await Promise.all(Array.from({ length: 60 }, (_v, t) => p.request({ type: 'PING', t })));
    const pongs = replies.filter((r) => r.type === 'PONG').length;
    expect(pongs).toBeGreaterThanOrEqual(40);
    expect(pongs).toBeLessThan(45);
    expect(replies.filter((r) => r.type === 'ERRO' && r.code === 'RATE_LIMITED').length).toBe(60 - pongs);
    // Another player is not affected by p's empty bucket.
    expect(await players[1].request({ type: 'PING', t: 1 })).toMatchObject({ type: 'PONG' });
  });

  it('a PERFIL that changes nothing writes nothing to the ledger', async () => {
    const p = players[1];
    expect(await p.request({ type: 'PERFIL', name: 'Bia' }, 10_000)).toMatchObject({ type: 'PERFIL', name: 'Bia' });
    const after = await settled(stock, limited);
    expect(await p.request({ type: 'PERFIL', name: 'Bia' }, 10_000)).toMatchObject({ type: 'PERFIL', name: 'Bia' });
    expect(await settled(stock, limited)).toEqual(after);
  });
});
