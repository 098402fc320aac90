// Player, collection, trades, ranking and cluster stores against the fake cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { useConnectionStore } from './connection.ts';
import { usePlayerStore, validName } from './player.ts';
import { useCollectionStore } from './collection.ts';
import { useTradesStore } from './trades.ts';
import { useRankingStore } from './ranking.ts';
import { useClusterStore } from './cluster.ts';
import { connectedHarness, until } from '../testing/setup.ts';
import { flush } from '../testing/fake-network.ts';
import { card, hand5 } from '../testing/cards.ts';
import { isValidCredentials } from '../lib/credentials.ts';
import { readJson } from '../lib/storage.ts';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function harness() {
  const h = await connectedHarness();
  const connection = useConnectionStore(h.pinia);
  cleanup = () => connection.disconnect();
  return { ...h, connection, player: usePlayerStore(h.pinia), n1: h.net.node('n1') };
}

describe('player store', () => {
  it('creates the credentials once (UUID + 32-byte base64url token) and keeps them', async () => {
    const h = await harness();
    expect(isValidCredentials(h.player.credentials)).toBe(true);
    expect(h.player.credentials.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readJson('credentials')).toEqual(h.player.credentials);
  });

  it('validates names by the contract and sends PERFIL', async () => {
    expect(validName('  Ana ')).toBe('Ana');
    expect(validName('')).toBeNull();
    expect(validName('x'.repeat(25))).toBeNull();
    const h = await harness();
    await h.player.setName('Ana');
    expect(h.n1.lastSent('PERFIL')?.name).toBe('Ana');
    expect(h.player.serverName).toBe('Ana');
    expect(readJson('name')).toBe('Ana');
  });

  it('tells a node that greets it with another name (a fresh peer) its chosen name', async () => {
    const h = await harness();
    await h.player.setName('Ana');
    h.connection.setKnownPeers([{ id: 'n2', address: 'http://n2.test', alive: true }]);
    h.n1.kill();
    await until(() => h.net.node('n2').lastSent('PERFIL') !== undefined);
    expect(h.net.node('n2').lastSent('PERFIL')?.name).toBe('Ana');
  });
});

describe('player identity reset', () => {
  it('after the cluster refuses the token, starts over with a new identity', async () => {
    const h = await connectedHarness({ connect: false });
    h.net.node('n1').refuseAuth = true;
    const { startSession } = await import('../lib/session.ts');
    startSession(h.pinia, { connector: h.net.connector, url: 'ws://n1.test/mqtt', pollServers: false });
    const connection = useConnectionStore(h.pinia);
    cleanup = () => connection.disconnect();
    await until(() => connection.status === 'refused');
    const player = usePlayerStore(h.pinia);
    const old = player.playerId;
    h.net.node('n1').refuseAuth = false;
    player.resetIdentity();
    await until(() => connection.online);
    expect(player.playerId).not.toBe(old);
    expect(readJson<{ playerId: string }>('credentials')?.playerId).toBe(player.playerId);
  });
});

describe('collection store', () => {
  it('asks for the collection when greeted', async () => {
    const h = await connectedHarness({ connect: false });
    const creds = { playerId: 'p-ana', token: 'A'.repeat(43) };
    localStorage.setItem('trinca.credentials', JSON.stringify(creds));
    h.net.node('n1').collections.set('p-ana', hand5('c'));
    const { startSession } = await import('../lib/session.ts');
    startSession(h.pinia, { connector: h.net.connector, url: 'ws://n1.test/mqtt', pollServers: false });
    const connection = useConnectionStore(h.pinia);
    cleanup = () => connection.disconnect();
    const collection = useCollectionStore(h.pinia);
    await until(() => collection.loaded);
    expect(usePlayerStore(h.pinia).playerId).toBe('p-ana');
    expect(collection.cards.map((c) => c.id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
  });

  it('buys a pack: shows it, merges it, keeps the stock figure; errors are kept as codes', async () => {
    const h = await harness();
    const collection = useCollectionStore(h.pinia);
    const pack = [card('p1', 3), card('p2', 60), card('p3', 90), card('p4', 110), card('p5', 7)];
    h.n1.handlers.COMPRAR = (_p, cmd) => ({ type: 'PACOTE_RESULTADO', requestId: cmd.requestId, cards: pack, remaining: 42 });
    await collection.buyPack();
    expect(collection.openedPack).toEqual(pack);
    expect(collection.cards).toHaveLength(5);
    expect(collection.sorted[0].rarity).toBe('L');
    expect(collection.stockRemaining).toBe(42);
    collection.closePack();
    expect(collection.openedPack).toBeNull();
    h.n1.handlers.COMPRAR = (_p, cmd) => ({ type: 'ERRO', requestId: cmd.requestId, code: 'ESTOQUE_ESGOTADO', message: 'sold out' });
    await expect(collection.buyPack()).rejects.toMatchObject({ code: 'ESTOQUE_ESGOTADO' });
    expect(collection.error).toBe('ESTOQUE_ESGOTADO');
  });
});

describe('trades store', () => {
  it('receives a proposal and accepts it', async () => {
    const h = await harness();
    const trades = useTradesStore(h.pinia);
    h.n1.emit(h.player.playerId, { type: 'TROCA_PROPOSTA', tradeId: 't1', fromPlayerId: 'bob', offerCard: card('o', 10), wantCard: card('w', 20) });
    await flush();
    expect(trades.pendingIncoming).toHaveLength(1);
    h.n1.handlers.RESPONDER_TROCA = (_p, cmd) => ({ type: 'TROCA_CONCLUIDA', tradeId: cmd.tradeId as string, requestId: cmd.requestId });
    await trades.respond('t1', true);
    expect(h.n1.lastSent('RESPONDER_TROCA')).toMatchObject({ tradeId: 't1', accept: true });
    expect(trades.incoming[0].status).toBe('done');
  });

  it('proposes a trade and settles it when the other player declines', async () => {
    const h = await harness();
    const trades = useTradesStore(h.pinia);
    h.n1.handlers.PROPOR_TROCA = (_p, cmd) => ({ type: 'OK', requestId: cmd.requestId, command: 'PROPOR_TROCA' });
    await trades.propose('bob', 'mine', 'his');
    expect(h.n1.lastSent('PROPOR_TROCA')).toMatchObject({ toPlayerId: 'bob', offerCardId: 'mine', wantCardId: 'his' });
    expect(trades.outgoing[0].status).toBe('pending');
    h.n1.emit(h.player.playerId, { type: 'TROCA_RECUSADA', tradeId: 't9', reason: 'DECLINED' });
    await flush();
    expect(trades.outgoing[0]).toMatchObject({ tradeId: 't9', status: 'declined', reason: 'DECLINED' });
  });

  it('a refused proposal is marked failed with the code', async () => {
    const h = await harness();
    const trades = useTradesStore(h.pinia);
    h.n1.handlers.PROPOR_TROCA = (_p, cmd) => ({ type: 'ERRO', requestId: cmd.requestId, code: 'CARD_NOT_OWNED', message: 'no' });
    await trades.propose('bob', 'mine', 'his');
    expect(trades.outgoing[0]).toMatchObject({ status: 'failed', reason: 'CARD_NOT_OWNED' });
  });
});

describe('ranking store', () => {
  it('sorts entries by wins, and refreshes after a match', async () => {
    const h = await harness();
    const ranking = useRankingStore(h.pinia);
    const entries = [
      { playerId: 'a', name: 'Ana', wins: 1, losses: 2, draws: 0 },
      { playerId: 'b', name: 'Bia', wins: 3, losses: 0, draws: 1 },
    ];
    h.n1.handlers.RANKING = (_p, cmd) => ({ type: 'RANKING', requestId: cmd.requestId, entries });
    await ranking.refresh();
    expect(ranking.sorted.map((e) => e.name)).toEqual(['Bia', 'Ana']);
    expect(ranking.nameOf('a')).toBe('Ana');
  });
});

describe('cluster store', () => {
  it('merges cluster/status with /servers and feeds the connection its peers', async () => {
    const h = await harness();
    const cluster = useClusterStore(h.pinia);
    const fake = (async () =>
      new Response(
        JSON.stringify([
          { id: 'n1', address: 'http://n1.test', mqttPort: 1, alive: true, lastSeenMs: 0, raftRole: 'leader' },
          { id: 'n2', address: 'http://n2.test', mqttPort: 1, alive: true, lastSeenMs: 120, raftRole: 'follower' },
        ]),
      )) as typeof fetch;
    await cluster.refreshServers(fake);
    expect(h.connection.peers.map((p) => p.id)).toEqual(['n1', 'n2']);
    cluster.onStatus({
      clusterId: 'c1',
      node: 'n1',
      leader: 'n1',
      term: 4,
      peers: [
        { id: 'n1', address: 'http://n1.test', mqttPort: 1, alive: true, raftRole: 'leader', matches: 2 },
        { id: 'n2', address: 'http://n2.test', mqttPort: 1, alive: false, raftRole: 'follower', matches: 0 },
        { id: 'n3', address: 'http://n3.test', mqttPort: 1, alive: true, raftRole: 'follower' },
      ],
      stock: { total: 2800, remaining: 2790 },
      at: 1,
    });
    expect(cluster.peers.map((p) => [p.id, p.alive, p.leader, p.matches, p.current])).toEqual([
      ['n1', true, true, 2, true],
      ['n2', false, false, 0, false],
      ['n3', true, false, null, false],
    ]);
    expect(cluster.aliveCount).toBe(2);
    expect(cluster.peers[1].lastSeenMs).toBe(120);
  });

  it('keeps working when /servers is unreachable', async () => {
    const h = await harness();
    const cluster = useClusterStore(h.pinia);
    await cluster.refreshServers((async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch);
    expect(cluster.serversError).toMatch(/fetch/);
  });
});
