import { afterEach, describe, expect, it } from 'vitest';
import { useConnectionStore } from './connection.ts';
import { usePlayerStore } from './player.ts';
import { connectedHarness, until } from '../testing/setup.ts';
import { flush } from '../testing/fake-network.ts';
import { CommandFailed } from '../lib/protocol.ts';
import { CLUSTER_STATUS_TOPIC, playerEventsTopic } from '../../../protocol/topics.ts';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function harness() {
  const h = await connectedHarness();
  const connection = useConnectionStore(h.pinia);
  cleanup = () => connection.disconnect();
  return { ...h, connection, player: usePlayerStore(h.pinia) };
}

describe('connection store', () => {
  it('subscribes topic by topic (cluster status first, own events last) and learns its node from BEM_VINDO', async () => {
    const { net, connection, player } = await harness();
    const client = [...net.node('n1').clients][0];
    expect(client.subscriptions[0]).toBe(CLUSTER_STATUS_TOPIC);
    expect(client.subscriptions.at(-1)).toBe(playerEventsTopic(player.playerId));
    expect(connection.status).toBe('online');
    expect(connection.nodeId).toBe('n1');
  });

  it('resolves a request with the reply carrying its requestId, rejects on ERRO', async () => {
    const { connection, net } = await harness();
    const pong = await connection.request({ type: 'PING', t: 1 });
    expect(pong).toMatchObject({ type: 'PONG', node: 'n1' });
    net.node('n1').handlers.COMPRAR = (_p, cmd) => ({ type: 'ERRO', requestId: cmd.requestId, code: 'ESTOQUE_ESGOTADO', message: 'sold out' });
    await expect(connection.request({ type: 'COMPRAR' })).rejects.toMatchObject({ code: 'ESTOQUE_ESGOTADO' });
  });

  it('measures the latency from PING/PONG', async () => {
    const { connection } = await harness();
    await until(() => connection.latencyMs !== null, 3000);
    expect(connection.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('when its node dies, reconnects to another alive peer by itself', async () => {
    const { connection, net } = await harness();
    connection.setKnownPeers([
      { id: 'n1', address: 'http://n1.test', alive: true },
      { id: 'n2', address: 'http://n2.test', alive: true },
      { id: 'n3', address: 'http://n3.test', alive: true },
    ]);
    net.node('n1').kill();
    expect(connection.status).toBe('reconnecting');
    await until(() => connection.online);
    await until(() => connection.nodeId === 'n2');
    expect(connection.reconnects).toBe(1);
    expect(net.attempts.at(-1)).toBe('ws://n2.test/mqtt');
    expect(connection.peers.find((p) => p.id === 'n1')?.alive).toBe(false);
  });

  it('skips dead peers and retries with backoff until one answers', async () => {
    const { connection, net } = await harness();
    connection.setKnownPeers(['n1', 'n2', 'n3'].map((id) => ({ id, address: `http://${id}.test`, alive: true })));
    net.node('n2').up = false;
    net.node('n3').up = false;
    net.node('n1').kill();
    await until(() => net.attempts.filter((u) => u.includes('n3')).length >= 1);
    expect(connection.online).toBe(false);
    net.node('n3').up = true;
    await until(() => connection.online, 5000);
    expect(connection.nodeId).toBe('n3');
  });

  it('re-sends a pending purchase with the same requestId after a reconnect; other commands fail OFFLINE', async () => {
    const { connection, net } = await harness();
    connection.setKnownPeers([{ id: 'n2', address: 'http://n2.test', alive: true }]);
    net.node('n1').handlers.COMPRAR = () => null; // the node dies before answering
    net.node('n1').handlers.JOGAR = () => null;
    const buy = connection.request({ type: 'COMPRAR' });
    const play = connection.request({ type: 'JOGAR', cardId: 'c1' });
    await flush();
    const rid = net.node('n1').lastSent('COMPRAR')!.requestId;
    net.node('n2').handlers.COMPRAR = (_p, cmd) => ({ type: 'PACOTE_RESULTADO', requestId: cmd.requestId, cards: [], remaining: 10 });
    net.node('n1').kill();
    await expect(play).rejects.toBeInstanceOf(CommandFailed);
    await expect(buy).resolves.toMatchObject({ type: 'PACOTE_RESULTADO', requestId: rid });
    expect(net.node('n2').lastSent('COMPRAR')!.requestId).toBe(rid);
  });

  it('stops and says so when the cluster refuses the credentials', async () => {
    const h = await connectedHarness({ connect: false });
    const connection = useConnectionStore(h.pinia);
    connection.useConnector(h.net.connector);
    h.net.node('n1').refuseAuth = true;
    connection.connect(usePlayerStore(h.pinia).credentials, 'ws://n1.test/mqtt');
    await until(() => connection.status === 'refused');
    const attempts = h.net.attempts.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(h.net.attempts.length).toBe(attempts);
    expect(connection.lastError).toMatch(/bad username/i);
  });

  it('learns peers from the retained cluster/status topic', async () => {
    const { connection, net } = await harness();
    const client = [...net.node('n1').clients][0];
    client.deliver(CLUSTER_STATUS_TOPIC, {
      clusterId: 'c',
      node: 'n1',
      leader: 'n1',
      term: 3,
      peers: [
        { id: 'n1', address: 'http://n1.test', mqttPort: 1, alive: true, raftRole: 'leader' },
        { id: 'n2', address: 'http://n2.test', mqttPort: 1, alive: false, raftRole: 'follower' },
      ],
      stock: null,
      at: 1,
    });
    expect(connection.peers.map((p) => [p.id, p.url, p.alive])).toEqual([
      ['n1', 'ws://n1.test/mqtt', true],
      ['n2', 'ws://n2.test/mqtt', false],
    ]);
  });

  it('retries a refused match subscription (the node may not know the match yet)', async () => {
    const { connection, net, player } = await harness();
    const n1 = net.node('n1');
    const watching = connection.watchMatch('m9');
    await new Promise((r) => setTimeout(r, 300));
    n1.activeMatch.set(player.playerId, 'm9');
    await expect(watching).resolves.toBe(true);
    expect([...n1.clients][0].subscriptions).toContain('partidas/m9/eventos');
  });
});
