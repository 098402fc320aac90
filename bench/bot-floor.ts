// What a move costs the bench bots' process with the cluster left out: a stand-in broker (a
// child process speaking just enough MQTT) answers each JOGAR the way a node does — OK and MAO
// to the mover, ATUALIZACAO_JOGO to both players, each its own packet and socket write — so the
// bots' CPU per move can be read on its own, per way of reading:
//   raw   a socket that only counts bytes (Node + kernel: the floor of any client in Node);
//   scan  LiteMqtt + EventScan, as bench:game's bots do;
//   parse mqtt-packet's parser + JSON.parse of every payload (how the bots read before).
//
//   npx tsx bench/bot-floor.ts [--pairs 200] [--pace-ms 200] [--seconds 10] [--tick-ms 1]
//                              [--reconnect-every R] [--modes raw,scan,parse]
//
// --reconnect-every R: after every R moves of a pair its second player closes its connection and
// opens a new one (CONNECT, two SUBSCRIBEs), as bench:game's turnover does once per match.
//
// Each pair makes one move every --pace-ms (open loop, one shared scheduler ticking every
// --tick-ms: 1 spreads the moves out as a cluster does, larger values send them in bursts). Prints ONE
// JSON object: per mode, the client's CPU µs per move (user, system), packets in per move.
import { fork } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { generate, parser as mqttParser, type Packet } from 'mqtt-packet';
import { EventScan } from './event-scan.ts';
import { LiteMqtt, encodeTopic } from './lite-mqtt.ts';
import { log, round, sleep } from './support.ts';

const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '200' },
    'pace-ms': { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    modes: { type: 'string', default: 'raw,scan,parse' },
    'tick-ms': { type: 'string', default: '1' },
    'reconnect-every': { type: 'string', default: '0' },
    serve: { type: 'boolean', default: false },
  },
});

const card = (i: number) => ({ id: `c-${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`, name: 'ESPADA', suit: 'ouros', value: 7, rarity: 'comum' });
const P1 = '6f1c3b8e-1d2a-4c1e-9a7b-2f0e5d4c3b2a';
const P2 = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
const MATCH = 'b3f0a1c2-d4e5-4f60-8a9b-c0d1e2f3a4b5';
/** An ATUALIZACAO_JOGO of the size and shape the nodes publish (server/game/view.ts). */
function update(seq: number): string {
  return JSON.stringify({
    type: 'ATUALIZACAO_JOGO', matchId: MATCH, eventSeq: seq, phase: 'JOGANDO', round: 2, turn: P2,
    table: [{ playerId: P1, card: card(1) }], scores: { [P1]: 1, [P2]: 0 }, handCounts: { [P1]: 3, [P2]: 4 },
    message: 'Jogador A jogou ESPADA de ouros (7). Vez de Jogador B.',
    narration: { key: 'CARD_PLAYED', params: { player: P1, card: card(1), auto: false, next: P2 } },
    host: 'p1', shadow: 'p2', epoch: 1, players: [{ id: P1, name: 'Jogador A' }, { id: P2, name: 'Jogador B' }],
    lastTrick: { round: 1, leader: P2, cards: [{ playerId: P2, card: card(2) }, { playerId: P1, card: card(3) }], winnerId: P1 },
    result: null, turnStartedAt: 1_765_000_000_000, turnDeadline: 1_765_000_030_000, lastEvent: 'CARD_PLAYED',
  });
}
const MAO = JSON.stringify({ type: 'MAO', matchId: MATCH, hand: [card(4), card(5), card(6), card(7)], eventSeq: 9 });
const OK = (rid: string) => JSON.stringify({ type: 'OK', requestId: rid, command: 'JOGAR', matchId: MATCH, eventSeq: 9 });

// ---------------- the stand-in broker (child process) ----------------
function serve(): void {
  const byClient = new Map<string, net.Socket>();
  const pub = (s: net.Socket, topic: string, payload: string) => s.write(generate({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }));
  let seq = 0;
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    let id = '';
    const p = mqttParser({ protocolVersion: 4 });
    p.on('packet', (pk: Packet) => {
      if (pk.cmd === 'connect') {
        id = pk.clientId;
        byClient.set(id, s);
        s.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      } else if (pk.cmd === 'subscribe') {
        s.write(generate({ cmd: 'suback', messageId: pk.messageId, granted: pk.subscriptions.map(() => 0) }));
      } else if (pk.cmd === 'publish') {
        // JOGAR from "<pair>.<a|b>": the mover gets OK and MAO, both get the update.
        const rid = /"requestId":"([^"]+)"/.exec(pk.payload.toString())?.[1] ?? 'q0';
        const other = byClient.get(id.endsWith('.a') ? id.slice(0, -1) + 'b' : id.slice(0, -1) + 'a');
        const u = update(++seq);
        pub(s, `jogadores/${P1}/eventos`, OK(rid));
        pub(s, `jogadores/${P1}/eventos`, MAO);
        pub(s, `partidas/${MATCH}/eventos`, u);
        if (other) pub(other, `partidas/${MATCH}/eventos`, u);
      }
    });
    s.on('data', (d) => p.parse(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      if (byClient.get(id) === s) byClient.delete(id);
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as net.AddressInfo).port }));
}

// ---------------- the clients ----------------
type Mode = 'raw' | 'scan' | 'parse';
interface Client {
  /** Sends one JOGAR. */
  move(n: number): void;
  close(): void;
}
const scan = new EventScan();
const counters = { packets: 0, seen: 0 };

const CMD = `jogadores/${P1}/comandos`;
const CMD_TOPIC = encodeTopic(CMD);
const jogar = (n: number) => `{"type":"JOGAR","cardId":"${card(n).id}","requestId":"q${n}"}`;

async function client(mode: Mode, port: number, clientId: string): Promise<Client> {
  if (mode === 'scan') {
    const c = new LiteMqtt();
    c.onPublish = (buf, ts, _te, ps, pe) => {
      counters.packets++;
      if (!scan.read(buf, ps, pe)) return;
      if (scan.type === 'ATUALIZACAO_JOGO' && buf[ts] === 0x70 && scan.eventSeq > 0) counters.seen++;
    };
    await c.connect({ host: '127.0.0.1', port, clientId, username: clientId, password: 'x' });
    await Promise.all([c.subscribe(`jogadores/${P1}/eventos`), c.subscribe(`partidas/${MATCH}/eventos`)]);
    return { move: (n) => c.publishTo(CMD_TOPIC, jogar(n)), close: () => c.destroy() };
  }
  const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((res, rej) => s.once('connect', res).once('error', rej));
  s.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 0, clientId, username: clientId, password: Buffer.from('x') }));
  for (const [i, topic] of [`jogadores/${P1}/eventos`, `partidas/${MATCH}/eventos`].entries()) s.write(generate({ cmd: 'subscribe', messageId: i + 1, subscriptions: [{ topic, qos: 0 }] }));
  if (mode === 'raw') {
    s.on('data', (d: Buffer) => (counters.packets += d.length > 0 ? 1 : 0));
  } else {
    const p = mqttParser({ protocolVersion: 4 });
    p.on('packet', (pk: Packet) => {
      if (pk.cmd !== 'publish') return;
      counters.packets++;
      const e = JSON.parse(pk.payload.toString()) as { type: string; eventSeq?: number };
      if (e.type === 'ATUALIZACAO_JOGO' && pk.topic.charCodeAt(0) === 112 && (e.eventSeq ?? 0) > 0) counters.seen++;
    });
    s.on('data', (d: Buffer) => p.parse(d));
  }
  return {
    move: (n) => s.write(generate({ cmd: 'publish', topic: CMD, payload: jogar(n), qos: 0, dup: false, retain: false })),
    close: () => s.destroy(),
  };
}

async function run(mode: Mode, port: number, pairs: number, paceMs: number, seconds: number, tickMs: number, reconnectEvery: number): Promise<Record<string, number>> {
  const movers: Client[] = [];
  const others: Client[] = [];
  for (let i = 0; i < pairs; i++) {
    movers.push(await client(mode, port, `${mode}-${i}.a`));
    others.push(await client(mode, port, `${mode}-${i}.b`));
  }
  let reconnects = 0;
  const reconnect = (i: number) => {
    others[i].close();
    reconnects++;
    void client(mode, port, `${mode}-${i}.b`).then((c) => (others[i] = c));
  };
  // One scheduler for all pairs: pair i moves at i * pace / pairs within each pace.
  let n = 0;
  const t0 = performance.now();
  let next = 0;
  const tick = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / paceMs) * pairs);
    for (; next < due; next++) {
      const i = next % pairs;
      movers[i].move(++n);
      if (reconnectEvery > 0 && Math.floor(next / pairs) % reconnectEvery === reconnectEvery - 1) reconnect(i);
    }
  }, tickMs);
  await sleep(2000); // warm up
  const cpu0 = process.cpuUsage();
  const n0 = n;
  const reconnects0 = reconnects;
  const packets0 = counters.packets;
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const moves = n - n0;
  const packets = counters.packets - packets0;
  clearInterval(tick);
  for (const c of [...movers, ...others]) c.close();
  await sleep(300);
  return {
    moves_per_s: Math.round(moves / seconds),
    cpu_us_per_move: round((cpu.user + cpu.system) / Math.max(1, moves), 1),
    user_us_per_move: round(cpu.user / Math.max(1, moves), 1),
    system_us_per_move: round(cpu.system / Math.max(1, moves), 1),
    // raw: socket reads (a read may hold several packets); else packets framed.
    reads_or_packets_per_move: round(packets / Math.max(1, moves), 2),
    reconnects_per_move: round((reconnects - reconnects0) / Math.max(1, moves), 3),
  };
}

async function main(): Promise<void> {
  const pairs = Number(values.pairs);
  const paceMs = Number(values['pace-ms']);
  const seconds = Number(values.seconds);
  const modes = values.modes!.split(',') as Mode[];
  for (const m of modes) if (!['raw', 'scan', 'parse'].includes(m)) throw new Error(`unknown mode ${m}`);
  const child = fork(process.argv[1], ['--serve'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((res) => child.once('message', (m) => res((m as { port: number }).port)));
  const out: Record<string, unknown> = { pairs, pace_ms: paceMs, seconds, tick_ms: Number(values['tick-ms']), reconnect_every: Number(values['reconnect-every']) };
  try {
    for (const m of modes) {
      out[m] = await run(m, port, pairs, paceMs, seconds, Number(values['tick-ms']), Number(values['reconnect-every']));
      log(m, out[m] as Record<string, unknown>);
    }
  } finally {
    child.kill();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (values.serve) serve();
else
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
