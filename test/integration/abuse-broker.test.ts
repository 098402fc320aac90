// The broker under attack, against real node processes (docs/security.md): oversize packets
// are refused while the stream is read (TCP and WebSocket, before and after CONNECT) with the
// node's memory bounded; retained publishes, late CONNECTs, foreign client ids, foreign web
// origins and too many connections from one address are refused; nothing reaches the ledger.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { TestCluster, waitFor, type Peer } from '../support/peer.ts';
import { TestPlayer } from '../support/player.ts';
import { commandsTopic } from '../../protocol/topics.ts';
import { connectPacket, publishPacket, rawConnect, rssMiB, streamUntilClosed, varint, within } from '../support/abuse.ts';

const MiB = 1024 * 1024;

describe('broker abuse (real processes)', () => {
  let cluster: TestCluster;
  let capped: TestCluster;
  let peer: Peer;
  const players: TestPlayer[] = [];
  let control: TestPlayer;

  beforeAll(async () => {
    [cluster, capped] = await Promise.all([TestCluster.start(1), TestCluster.start(1, ['--max-connections-per-ip', '4'])]);
    peer = cluster.peers[0];
    control = player();
    await control.connect(peer.mqttUrl);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(players.map((p) => p.close()));
    await Promise.all([cluster?.stop(), capped?.stop()]);
  });
  const player = () => {
    const p = TestPlayer.fresh();
    players.push(p);
    return p;
  };
  const pid = () => peer.proc!.pid!;
  /** The node still serves players: a PING from a player connected all along is answered. */
  const stillServes = async () => expect(await control.request({ type: 'PING', t: 7 })).toMatchObject({ type: 'PONG', t: 7 });
  const digest = async () => (await fetch(`${peer.url}/health`)).ok;

  it('TCP: a CONNECT declaring 200 MB is closed at once, before its body is buffered; RSS stays bounded', async () => {
    const before = rssMiB(pid());
    const c = await rawConnect(peer.opts.mqttPort);
    c.socket.write(Buffer.concat([Buffer.from([0x10]), varint(200 * MiB)]));
    const t0 = performance.now();
    const sent = await streamUntilClosed(c, 200 * MiB);
    const closedAt = await c.closed;
    const grew = rssMiB(pid()) - before;
    console.log(`[abuse] tcp 200 MB CONNECT: closed after ${Math.round(closedAt - t0)} ms, ${(sent / MiB).toFixed(1)} MiB written, RSS +${grew.toFixed(1)} MiB`);
    expect(closedAt - t0).toBeLessThan(2000);
    // The kernel's buffers take a few MiB before the close arrives; never the 200 MB.
    expect(sent).toBeLessThan(32 * MiB);
    expect(grew).toBeLessThan(24);
    await stillServes();
  });

  it('TCP: anything but CONNECT first, or a broken length, closes the connection', async () => {
    for (const bytes of [publishPacket('jogadores/x/comandos', '{}'), Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01])]) {
      const c = await rawConnect(peer.opts.mqttPort);
      c.socket.write(bytes);
      expect(await within(c.closed, 2000)).toBe(true);
    }
    await stillServes();
  });

  it('TCP: after CONNECT, a PUBLISH declaring 50 MB is closed at once; a 100 KiB command still gets ERRO', async () => {
    const p = player();
    await p.connect(peer.mqttUrl); // registers it
    await p.close();
    const before = rssMiB(pid());
    const c = await rawConnect(peer.opts.mqttPort);
    c.socket.write(connectPacket(`${p.playerId}.raw`, p.playerId, p.token));
    await waitFor('CONNACK', () => Buffer.concat(c.received).subarray(0, 4).equals(Buffer.from([0x20, 2, 0, 0])), 5000, 20);
    const topic = Buffer.from(commandsTopic(p.playerId));
    c.socket.write(Buffer.concat([Buffer.from([0x30]), varint(50 * MiB), Buffer.from([0, topic.length]), topic]));
    const sent = await streamUntilClosed(c, 50 * MiB);
    expect(await within(c.closed, 2000)).toBe(true);
    const grew = rssMiB(pid()) - before;
    console.log(`[abuse] tcp 50 MB PUBLISH after CONNECT: ${(sent / MiB).toFixed(1)} MiB written, RSS +${grew.toFixed(1)} MiB`);
    expect(sent).toBeLessThan(32 * MiB);
    expect(grew).toBeLessThan(24);
    // The contract's own limit is unchanged: an over-64 KiB payload is answered, not cut.
    const q = player();
    await q.connect(peer.mqttUrl);
    const e = q.next((x) => x.type === 'ERRO', 5000);
    q.publishRaw(JSON.stringify({ type: 'CHAT', requestId: 'big', text: 'x'.repeat(100 * 1024) }));
    expect(await e).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', requestId: 'big' });
    expect(q.closed).toBe(false);
  });

  it('WebSocket: a CONNECT declaring 200 MB is closed at once; RSS stays bounded', async () => {
    const before = rssMiB(pid());
    const ws = new WebSocket(peer.wsUrl, 'mqtt');
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    ws.send(Buffer.concat([Buffer.from([0x10]), varint(200 * MiB)]));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const t0 = performance.now();
    while (ws.readyState === WebSocket.OPEN && sent < 200 * MiB) {
      ws.send(chunk);
      sent += chunk.length;
      if (ws.bufferedAmount > 4 * MiB) await new Promise((r) => setTimeout(r, 5));
    }
    expect(await within(closed, 2000)).toBe(true);
    const grew = rssMiB(pid()) - before;
    console.log(`[abuse] ws 200 MB CONNECT: closed after ${Math.round(performance.now() - t0)} ms, ${(sent / MiB).toFixed(1)} MiB sent, RSS +${grew.toFixed(1)} MiB`);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(sent).toBeLessThan(64 * MiB);
    expect(grew).toBeLessThan(24);
    await stillServes();
  });

  it('a retained publish on the own commands topic closes the connection and is not executed', async () => {
    const p = player();
    const welcome = await p.connect(peer.mqttUrl);
    const closed = new Promise<void>((r) => p.client.once('close', () => r()));
    p.client.publish(commandsTopic(p.playerId), JSON.stringify({ type: 'PERFIL', requestId: 'ret', name: 'Retido' }), { qos: 0, retain: true });
    expect(await within(closed, 3000)).toBe(true);
    const again = new TestPlayer(p.playerId, p.token);
    players.push(again);
    const w2 = await again.connect(peer.mqttUrl);
    expect(w2?.name).toBe(welcome?.name);
    expect(w2?.name).not.toBe('Retido');
  });

  it('a connection that sends no CONNECT, or sends it a byte at a time, is closed within a few seconds', async () => {
    const idle = await rawConnect(peer.opts.mqttPort);
    const slow = await rawConnect(peer.opts.mqttPort);
    const t0 = performance.now();
    const bytes = connectPacket('x.y', 'x', 'y'.repeat(43));
    let i = 0;
    const drip = setInterval(() => !slow.socket.destroyed && i < bytes.length - 1 && slow.socket.write(bytes.subarray(i, ++i)), 300);
    try {
      const [a, b] = await Promise.all([idle.closed, slow.closed]);
      expect(a - t0).toBeGreaterThan(3000);
      expect(a - t0).toBeLessThan(9000);
      expect(b - t0).toBeLessThan(9000);
    } finally {
      clearInterval(drip);
    }
  }, 20_000);

  it('the client id must be the player id (+ "." suffix): another player cannot kick a connection by reusing its id', async () => {
    const a = player();
    await a.connect(peer.mqttUrl); // client id `${a}.t-…`
    const aId = a.client.options.clientId!;
    const b = player();
    await expect(mqtt.connectAsync(peer.mqttUrl, { username: b.playerId, password: b.token, clientId: aId, reconnectPeriod: 0, protocolVersion: 4 })).rejects.toThrow(/[Ii]dentifier rejected/);
    await expect(mqtt.connectAsync(peer.mqttUrl, { username: b.playerId, password: b.token, clientId: 'mqttjs_1234', reconnectPeriod: 0, protocolVersion: 4 })).rejects.toThrow(/[Ii]dentifier rejected/);
    // a is still connected and served.
    expect(a.closed).toBe(false);
    expect(await a.request({ type: 'PING', t: 1 })).toMatchObject({ type: 'PONG' });
    expect(await digest()).toBe(true);
  });

  it('/mqtt accepts the node\'s own origins and none; another web page is refused with 403', async () => {
    const port = new URL(peer.url).port;
    const upgrade = (origin?: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(peer.wsUrl, 'mqtt', origin ? { origin } : {});
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('unexpected-response', (_req, res) => {
          resolve(res.statusCode ?? 0);
          ws.terminate();
        });
        ws.once('error', () => resolve(-1));
      });
    expect(await upgrade()).toBe(101);
    expect(await upgrade(peer.url)).toBe(101);
    expect(await upgrade(`http://localhost:${port}`)).toBe(101);
    for (const evil of ['https://evil.example', 'http://127.0.0.1:1', `http://127.0.0.1.evil.example:${port}`, 'null']) expect(await upgrade(evil)).toBe(403);
    // A page on another origin cannot register a player through the player's own node.
    const p = TestPlayer.fresh();
    const page = mqtt.connect(peer.wsUrl, { username: p.playerId, password: p.token, clientId: `${p.playerId}.x`, reconnectPeriod: 0, wsOptions: { origin: 'https://evil.example' } });
    const connected = new Promise<void>((r) => page.once('connect', () => r()));
    page.on('error', () => undefined);
    expect(await within(connected, 3000)).toBe(false); // (MQTT.js reports a refused upgrade by never connecting)
    page.end(true);
    const again = await fetch(`${peer.url}/health`);
    expect(again.status).toBe(200);
  });

  it('connections per address are capped (--max-connections-per-ip 4)', async () => {
    const port = capped.peers[0].opts.mqttPort;
    const open = await Promise.all([1, 2, 3, 4].map(() => rawConnect(port)));
    const fifth = await rawConnect(port);
    expect(await within(fifth.closed, 1000)).toBe(true);
    for (const c of open) expect(c.isClosed()).toBe(false);
    open[0].socket.destroy();
    await open[0].closed;
    await new Promise((r) => setTimeout(r, 100));
    const again = await rawConnect(port);
    expect(await within(again.closed, 1000)).toBe(false);
    for (const c of [...open, again]) c.socket.destroy();
  });
});
