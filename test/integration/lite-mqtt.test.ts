// The benchmarks' lightweight MQTT client (bench/lite-mqtt.ts, framed by mqtt-packet) against
// a real node's broker: CONNECT with a player token, a refused password, SUBSCRIBE granted and
// refused by the topic ACL, PUBLISH of a command and its reply.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Peer, tempDir } from '../support/peer.ts';
import { freePorts } from '../support/ports.ts';
import { LiteMqtt, LiteMqttError } from '../../bench/lite-mqtt.ts';

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
