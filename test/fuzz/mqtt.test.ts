// Fuzzing the player protocol of a real node over MQTT (fast-check): random bytes, random
// JSON, near-valid commands (one field broken, dropped or added), oversized payloads, and
// random topics to publish or subscribe to. Properties: every command payload gets an
// answer on the player's eventos — ERRO {code, message} with the requestId when it was
// readable, or the command's result — the connection stays open, the node keeps running,
// and the ledger does not move. Publishing outside the player's own topic closes that
// connection (docs/design.md §4) and changes nothing else; a refused subscription is SUBACK 128.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import type { TestCluster, Peer } from '../support/peer.ts';
import { TestPlayer, type AnyEvent } from '../support/player.ts';
import { parseCommand } from '../../protocol/commands.ts';
import { MAX_COMMAND_BYTES } from '../../protocol/topics.ts';
import { anyJson, Caller, fuzzCluster, mutateObject, report, settledProbe, probe, stillAlive, timeBoxed } from './support.ts';

const MS = Number(process.env.TRINCA_FUZZ_MS_PER_SURFACE ?? 1200) * 4;

/** One valid command per type; COMPRAR, ENTRAR_FILA and PERFIL change state and are only sent broken. */
const TEMPLATES: Record<string, unknown>[] = [
  { type: 'PERFIL', requestId: 'q', name: 'Ana' },
  { type: 'ENTRAR_FILA', requestId: 'q' },
  { type: 'SAIR_FILA', requestId: 'q' },
  { type: 'COMPRAR', requestId: 'q' },
  { type: 'PRONTO', requestId: 'q', cardIds: ['a', 'b', 'c', 'd', 'e'] },
  { type: 'JOGAR', requestId: 'q', cardId: 'a' },
  { type: 'CHAT', requestId: 'q', text: 'oi' },
  { type: 'COLECAO', requestId: 'q' },
  { type: 'PROPOR_TROCA', requestId: 'q', toPlayerId: 'x', offerCardId: 'a', wantCardId: 'b' },
  { type: 'RESPONDER_TROCA', requestId: 'q', tradeId: 't', accept: true },
  { type: 'PING', requestId: 'q', t: 1 },
  { type: 'RANKING', requestId: 'q' },
];
const CHANGES_STATE = new Set(['COMPRAR', 'ENTRAR_FILA', 'PERFIL']);

describe('MQTT fuzzing (real processes)', () => {
  let cluster: TestCluster;
  let c: Caller;
  let peer: Peer;
  let player: TestPlayer;

  beforeAll(async () => {
    const f = await fuzzCluster();
    cluster = f.cluster;
    c = new Caller(cluster, f.clusterId);
    peer = cluster.peers[1];
    player = TestPlayer.fresh();
    await player.connect(peer.mqttUrl);
  }, 90_000);
  afterAll(async () => {
    report('mqtt');
    await player?.close();
    await cluster?.stop();
  });

  const nextReply = () => player.next(() => true, 8000);

  it('command payloads: every one answered, the connection kept, the ledger unmoved', async () => {
    let seq = 0;
    const payloads = fc.oneof(
      { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
      { weight: 2, arbitrary: anyJson.map((j) => Buffer.from(JSON.stringify(j) ?? 'undefined')) },
      { weight: 5, arbitrary: fc.constantFrom(...TEMPLATES).chain((t) => mutateObject(t)).map((o) => Buffer.from(JSON.stringify(o))) },
      { weight: 1, arbitrary: fc.constantFrom(...TEMPLATES).filter((t) => !CHANGES_STATE.has(t.type as string)).map((t) => Buffer.from(JSON.stringify(t))) },
      { weight: 1, arbitrary: fc.constantFrom(Buffer.from(''), Buffer.from('{"type":"PING","requestId":"' + 'r'.repeat(200) + '","t":1}'), Buffer.alloc(MAX_COMMAND_BYTES + 10, 0x7b), Buffer.from(JSON.stringify({ type: 'CHAT', requestId: 'big', text: 'x'.repeat(MAX_COMMAND_BYTES) }))) },
    );
    let before = await settledProbe(c, peer);
    const n = await timeBoxed('mqtt/commands', payloads, MS, async (buf) => {
      // Give each JSON command a unique requestId so its answer is unmistakable.
      let payload = buf;
      const parsedJson = (() => {
        try {
          return JSON.parse(buf.toString('utf8')) as unknown;
        } catch {
          return undefined;
        }
      })();
      if (parsedJson && typeof parsedJson === 'object' && !Array.isArray(parsedJson) && (parsedJson as { requestId?: unknown }).requestId === 'q') {
        payload = Buffer.from(JSON.stringify({ ...(parsedJson as object), requestId: `fz-${++seq}` }));
      }
      const expected = payload.length > MAX_COMMAND_BYTES ? { ok: false as const, code: 'PAYLOAD_TOO_LARGE' } : parseCommand(payload.toString('utf8'));
      fc.pre(!(expected.ok && CHANGES_STATE.has(expected.command.type)));
      const reply = nextReply();
      player.publishRaw(payload);
      const r: AnyEvent = await reply;
      if (!expected.ok) {
        expect(r, payload.toString('utf8').slice(0, 200)).toMatchObject({ type: 'ERRO', code: expected.code });
        if ('requestId' in expected && expected.requestId !== undefined) expect(r.requestId).toBe(expected.requestId);
      } else {
        expect(r.requestId).toBe(expected.command.requestId);
        if (r.type === 'ERRO') expect(r.code).toMatch(/^[A-Z][A-Z_]+$/);
      }
      if (r.type === 'ERRO') expect(typeof r.message === 'string' && (r.message as string).length > 0).toBe(true);
      expect(player.closed).toBe(false);
      const after = await probe(c, peer);
      expect(after, `ledger moved after ${payload.toString('utf8').slice(0, 120)}`).toEqual(before);
      before = after;
    });
    expect(n).toBeGreaterThan(20);
    expect(await stillAlive(peer)).toBe(true);
  }, 90_000);

  it('publishing elsewhere closes only that connection; refused subscriptions get SUBACK 128', async () => {
    const before = await settledProbe(c, peer);
    const own = `jogadores/${player.playerId}/comandos`;
    const topics = fc.oneof(
      fc.string({ minLength: 1, maxLength: 60 }).filter((t) => !t.includes('\u0000')),
      fc.constantFrom('$SYS/broker', 'jogadores/+/comandos', 'jogadores/other/comandos', 'partidas/x/eventos', 'cluster/status', `jogadores/${player.playerId}/eventos`, '#'),
    ).filter((t) => t !== own && !/[+#]/.test(t));
    await timeBoxed('mqtt/publish-topic', topics, MS / 4, async (topic) => {
      const intruder = new TestPlayer(player.playerId, player.token);
      await intruder.connect(peer.mqttUrl);
      const closed = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 4000);
        intruder.client.once('close', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      intruder.publishRaw('{"type":"PING","requestId":"x","t":1}', topic);
      expect(await closed, `publish to ${topic} was not refused`).toBe(true);
      await intruder.close();
      expect(player.closed).toBe(false);
    });
    const filters = fc.oneof(fc.string({ minLength: 1, maxLength: 60 }).filter((t) => !t.includes('\u0000')), fc.constantFrom('#', '+/+/+', 'jogadores/#', 'partidas/+/eventos', '$SYS/#', 'jogadores/other/eventos'));
    await timeBoxed('mqtt/subscribe-topic', filters, MS / 4, async (filter) => {
      const allowed = filter === `jogadores/${player.playerId}/eventos` || filter === 'cluster/status';
      const granted = await player.client.subscribeAsync(filter, { qos: 0 }).then((g) => g[0]?.qos ?? 128).catch(() => 128);
      expect(granted === 128, `subscribe ${filter}: granted ${granted}`).toBe(!allowed);
      expect(player.closed).toBe(false);
    });
    expect(await probe(c, peer)).toEqual(before);
    expect(await stillAlive(peer)).toBe(true);
  }, 60_000);
});
