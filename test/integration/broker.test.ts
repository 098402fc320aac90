// Players over real MQTT (TCP and WebSocket): authentication, topic ACLs, and bad input.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt from 'mqtt';
import { TestCluster, waitFor } from '../support/peer.ts';
import { TestPlayer } from '../support/player.ts';

describe('player broker', () => {
  let cluster: TestCluster;
  const players: TestPlayer[] = [];
  beforeAll(async () => {
    cluster = await TestCluster.start(1);
  });
  afterAll(async () => {
    await Promise.all(players.map((p) => p.close()));
    await cluster?.stop();
  });
  const player = () => {
    const p = TestPlayer.fresh();
    players.push(p);
    return p;
  };

  it('connects over TCP and WebSocket and is welcomed', async () => {
    const peer = cluster.peers[0];
    const a = player();
    const welcome = await a.connect(peer.mqttUrl);
    expect(welcome).toMatchObject({ type: 'BEM_VINDO', playerId: a.playerId, node: 'p1' });
    const b = player();
    const w2 = await b.connect(peer.wsUrl);
    expect(w2).toMatchObject({ type: 'BEM_VINDO', playerId: b.playerId });
    const pong = await b.request({ type: 'PING', t: 42 });
    expect(pong).toMatchObject({ type: 'PONG', t: 42, node: 'p1' });
    const perfil = await a.request({ type: 'PERFIL', name: 'Ana' });
    expect(perfil).toMatchObject({ type: 'PERFIL', name: 'Ana' });
  });

  it('refuses a wrong token for a known player, and malformed credentials', async () => {
    const peer = cluster.peers[0];
    const a = player();
    await a.connect(peer.mqttUrl);
    await a.close();
    const impostor = new TestPlayer(a.playerId, TestPlayer.fresh().token);
    await expect(impostor.connect(peer.mqttUrl)).rejects.toThrow(/[Bb]ad username or password/);
    await expect(mqtt.connectAsync(peer.mqttUrl, { username: 'x/y', password: 'short', reconnectPeriod: 0 })).rejects.toThrow(/[Bb]ad username or password/);
    // The real owner still gets in.
    const again = new TestPlayer(a.playerId, a.token);
    players.push(again);
    await expect(again.connect(peer.mqttUrl)).resolves.toMatchObject({ type: 'BEM_VINDO' });
  });

  it("subscribing to another player's events gets SUBACK 128; publishing to its topic closes the connection", async () => {
    const peer = cluster.peers[0];
    const a = player();
    const b = player();
    await a.connect(peer.mqttUrl);
    await b.connect(peer.mqttUrl);
    const granted = await a.client.subscribeAsync(`jogadores/${b.playerId}/eventos`).catch((e: Error) => e);
    // MQTT.js rejects subscribeAsync when any topic gets 128 (docs/stack.md trap 7).
    if (granted instanceof Error) expect(granted.message).toMatch(/128|[Uu]nspecified|[Nn]ot authorized|subscri/i);
    else expect(granted[0].qos).toBe(128);
    expect(a.closed).toBe(false);
    expect(await a.subscribeMatch('some-match')).toBe(128);
    a.publishRaw(JSON.stringify({ type: 'PING', requestId: 'x', t: 1 }), `jogadores/${b.playerId}/comandos`);
    await waitFor('connection closed', () => a.closed, 3000, 20);
    // b is unaffected.
    expect(await b.request({ type: 'PING', t: 7 })).toMatchObject({ type: 'PONG', t: 7 });
  });

  it('bad commands get ERRO and the connection keeps working; others unaffected', async () => {
    const peer = cluster.peers[0];
    const a = player();
    const other = player();
    await a.connect(peer.mqttUrl);
    await other.connect(peer.wsUrl);

    let e = a.next((x) => x.type === 'ERRO');
    a.publishRaw('{not json');
    expect(await e).toMatchObject({ type: 'ERRO', code: 'BAD_JSON' });

    expect(await a.request({ type: 'VOAR' })).toMatchObject({ type: 'ERRO', code: 'UNKNOWN_TYPE' });
    expect(await a.request({ type: 'JOGAR' })).toMatchObject({ type: 'ERRO', code: 'BAD_REQUEST' });
    expect(await a.request({ type: 'PERFIL', name: '' })).toMatchObject({ type: 'ERRO', code: 'BAD_REQUEST' });
    expect(await a.request({ type: 'PERFIL', name: 'x'.repeat(25) })).toMatchObject({ type: 'ERRO', code: 'BAD_REQUEST' });

    e = a.next((x) => x.type === 'ERRO' && x.requestId === 'big');
    a.publishRaw(JSON.stringify({ type: 'CHAT', requestId: 'big', text: 'x'.repeat(100 * 1024) }));
    expect(await e).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', requestId: 'big' });

    e = a.next((x) => x.type === 'ERRO');
    a.publishRaw('[1,2,3]');
    expect(await e).toMatchObject({ code: 'BAD_REQUEST' });

    expect(a.closed).toBe(false);
    expect(await a.request({ type: 'PING', t: 3 })).toMatchObject({ type: 'PONG', t: 3 });
    expect(await other.request({ type: 'PING', t: 4 })).toMatchObject({ type: 'PONG', t: 4 });
    // Nothing addressed to `a` leaked to `other`.
    expect(other.events.filter((x) => x.type === 'ERRO')).toHaveLength(0);
  });

  it('the retained cluster/status is delivered to a new subscriber', async () => {
    const a = player();
    await a.connect(cluster.peers[0].mqttUrl);
    const status = new Promise<Record<string, unknown>>((resolve) => {
      a.client.on('message', (topic, payload) => {
        if (topic === 'cluster/status') resolve(JSON.parse(payload.toString()) as Record<string, unknown>);
      });
    });
    await a.subscribeClusterStatus();
    const s = await status;
    expect(s.node).toBe('p1');
    expect(Array.isArray(s.peers)).toBe(true);
  });
});
