// The benchmarks' lightweight MQTT client (bench/lite-mqtt.ts) against a real node's broker:
// CONNECT with a player token, a refused password, SUBSCRIBE granted and refused by the topic
// ACL, PUBLISH of a command and its reply. Its own framing is checked against mqtt-packet (the
// codec aedes uses) over a raw socket: packets split across reads and several in one read in,
// every remaining-length size out, and a malformed packet closing the connection.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { generate, parser as mqttParser, type Packet } from 'mqtt-packet';
import { Peer, tempDir } from '../support/peer.ts';
import { freePorts } from '../support/ports.ts';
import { LiteMqtt, LiteMqttError, encodeTopic } from '../../bench/lite-mqtt.ts';

const dir = tempDir();
let peer: Peer;
beforeAll(async () => {
  const [h, m] = await freePorts(2);
  peer = new Peer({ id: 'p1', dataDir: path.join(dir, 'p1'), httpPort: h, mqttPort: m });
  await peer.start();
}, 30_000);
afterAll(async () => {
  await peer?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('bench/lite-mqtt against a real broker', () => {
  it('connects, subscribes within the ACL, publishes a command and gets its reply', async () => {
    const id = randomUUID();
    const token = randomBytes(32).toString('base64url');
    const c = new LiteMqtt();
    const got: { topic: string; payload: string }[] = [];
    c.onMessage = (topic, payload) => got.push({ topic, payload: payload.toString('utf8') });
    await c.connect({ host: '127.0.0.1', port: peer.opts.mqttPort, clientId: id, username: id, password: token });
    expect(await c.subscribe(`jogadores/${id}/eventos`)).toBe(0);
    expect(await c.subscribe(`jogadores/${randomUUID()}/eventos`)).toBe(128);
    c.publish(`jogadores/${id}/comandos`, JSON.stringify({ type: 'PING', requestId: 'r1', t: 42 }));
    const deadline = Date.now() + 5000;
    while (!got.some((g) => g.payload.includes('"PONG"')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const pong = got.find((g) => g.payload.includes('"PONG"'));
    expect(pong?.topic).toBe(`jogadores/${id}/eventos`);
    expect(JSON.parse(pong!.payload)).toMatchObject({ type: 'PONG', requestId: 'r1', t: 42, node: 'p1' });
    c.ping();
    c.end();

    const wrong = new LiteMqtt();
    await expect(wrong.connect({ host: '127.0.0.1', port: peer.opts.mqttPort, clientId: `${id}.2`, username: id, password: randomBytes(32).toString('base64url') })).rejects.toThrow(LiteMqttError);
    await expect(new LiteMqtt().connect({ host: '127.0.0.1', port: peer.opts.mqttPort, clientId: `${id}.3`, username: id, password: 'x'.repeat(43) })).rejects.toThrow(/CONNACK [45]: (bad username or password|not authorized)/);
  });
});

/** A raw TCP server: hands each connection to `on` with the packets mqtt-packet parsed from it. */
async function rawServer(on: (s: net.Socket, packets: Packet[]) => void): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((s) => {
    const packets: Packet[] = [];
    const p = mqttParser({ protocolVersion: 4 });
    p.on('packet', (pk: Packet) => packets.push(pk));
    s.on('data', (d) => p.parse(d));
    s.on('error', () => undefined);
    on(s, packets);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

const until = async (f: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return f();
};

describe('bench/lite-mqtt framing against mqtt-packet', () => {
  it('reassembles packets split across reads and splits packets that share one', async () => {
    const big = 'x'.repeat(40_000);
    const wire = Buffer.concat([
      generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
      generate({ cmd: 'publish', topic: 'a/1', payload: 'one', qos: 0, dup: false, retain: false }),
      generate({ cmd: 'publish', topic: 'partidas/m/eventos', payload: big, qos: 0, dup: false, retain: false }),
      generate({ cmd: 'pingresp' }),
      generate({ cmd: 'publish', topic: 'a/2', payload: 'é', qos: 1, messageId: 7, dup: false, retain: false }),
    ]);
    const srv = await rawServer((s) => {
      // CONNACK and the first bytes together, then the rest in 1-, 2- and 1000-byte pieces.
      s.write(wire.subarray(0, 7));
      let i = 7;
      const sizes = [1, 2, 1000];
      const step = () => {
        if (i >= wire.length) return;
        const n = sizes[i % 3];
        s.write(wire.subarray(i, i + n));
        i += n;
        setImmediate(step);
      };
      setTimeout(step, 20);
    });
    const c = new LiteMqtt();
    const got: [string, string][] = [];
    c.onMessage = (t, p) => got.push([t, p.toString('utf8')]);
    await c.connect({ host: '127.0.0.1', port: srv.port, clientId: 'c', username: 'u', password: 'p' });
    expect(await until(() => got.length === 3)).toBe(true);
    expect(got).toEqual([
      ['a/1', 'one'],
      ['partidas/m/eventos', big],
      ['a/2', 'é'],
    ]);
    c.destroy();
    srv.close();
  });

  it('encodes PUBLISH and SUBSCRIBE as mqtt-packet decodes them, at every length size', async () => {
    let server: Packet[] = [];
    const srv = await rawServer((s, packets) => {
      server = packets;
      s.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
    });
    const c = new LiteMqtt();
    await c.connect({ host: '127.0.0.1', port: srv.port, clientId: 'c', username: 'u', password: 'p' });
    const sizes = [0, 100, 200, 20_000, 3_000_000];
    const topic = encodeTopic('jogadores/ü/comandos');
    for (const n of sizes) c.publishTo(topic, 'é'.repeat(n));
    void c.subscribe('partidas/m/eventos').catch(() => undefined);
    expect(await until(() => server.length === 2 + sizes.length)).toBe(true);
    expect(server[0]).toMatchObject({ cmd: 'connect', clientId: 'c', username: 'u' });
    sizes.forEach((n, i) => {
      const p = server[1 + i] as Packet & { topic: string; payload: Buffer; qos: number };
      expect([p.cmd, p.topic, p.qos, p.payload.toString('utf8')]).toEqual(['publish', 'jogadores/ü/comandos', 0, 'é'.repeat(n)]);
    });
    expect(server.at(-1)).toMatchObject({ cmd: 'subscribe', subscriptions: [{ topic: 'partidas/m/eventos', qos: 0 }] });
    c.destroy();
    srv.close();
  });

  it('closes the connection on a malformed packet, and a SUBACK never sent times out', async () => {
    const srv = await rawServer((s) => {
      s.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      setTimeout(() => s.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), 50); // a 5-byte remaining length
    });
    const c = new LiteMqtt();
    let closed = false;
    c.onClose = () => (closed = true);
    await c.connect({ host: '127.0.0.1', port: srv.port, clientId: 'c', username: 'u', password: 'p' });
    expect(await until(() => closed)).toBe(true);
    srv.close();

    const quiet = await rawServer((s) => s.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false })));
    const q = new LiteMqtt();
    await q.connect({ host: '127.0.0.1', port: quiet.port, clientId: 'c', username: 'u', password: 'p' });
    await expect(q.subscribe('a/b', 300)).rejects.toThrow(/SUBACK for a\/b: timed out/);
    q.destroy();
    quiet.close();
  });
});
