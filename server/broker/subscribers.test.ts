import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { parser as mqttParser, type IPublishPacket } from 'mqtt-packet';
import { Subscribers } from './subscribers.ts';

function conn(): { stream: PassThrough; got: IPublishPacket[] } {
  const stream = new PassThrough();
  const got: IPublishPacket[] = [];
  const p = mqttParser();
  p.on('packet', (pk) => got.push(pk as IPublishPacket));
  stream.on('data', (b: Buffer) => p.parse(b));
  return { stream, got };
}

describe('Subscribers (direct delivery of the node’s publishes)', () => {
  it('writes one QoS 0 PUBLISH with the payload to each subscriber of the exact topic, and to no one else', async () => {
    const s = new Subscribers();
    const a = conn();
    const b = conn();
    s.add('partidas/m1/eventos', a.stream);
    s.add('partidas/m1/eventos', b.stream);
    s.add('jogadores/p1/eventos', a.stream);
    s.publish('partidas/m1/eventos', Buffer.from('{"x":1}'));
    s.publish('jogadores/p1/eventos', Buffer.from('{"y":2}'));
    s.publish('partidas/m2/eventos', Buffer.from('{"z":3}'));
    await new Promise((r) => setImmediate(r));
    expect(a.got.map((p) => [p.topic, p.payload.toString(), p.qos, p.retain])).toEqual([
      ['partidas/m1/eventos', '{"x":1}', 0, false],
      ['jogadores/p1/eventos', '{"y":2}', 0, false],
    ]);
    expect(b.got.map((p) => p.topic)).toEqual(['partidas/m1/eventos']);
  });

  it('an unsubscribed topic and a closed connection get nothing more', async () => {
    const s = new Subscribers();
    const a = conn();
    const b = conn();
    s.add('partidas/m1/eventos', a.stream);
    s.add('partidas/m1/eventos', b.stream);
    s.remove('partidas/m1/eventos', a.stream);
    b.stream.destroy();
    await new Promise((r) => setImmediate(r));
    expect(s.has('partidas/m1/eventos')).toBe(false);
    s.publish('partidas/m1/eventos', Buffer.from('{}'));
    await new Promise((r) => setImmediate(r));
    expect(a.got).toEqual([]);
    expect(b.got).toEqual([]);
  });
});
