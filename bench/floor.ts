// The cost of the operations a replicated move cannot do without, measured on this machine,
// to say how far down the per-move CPU of docs/benchmarks.md can go (issue 11):
//
//   npx tsx bench/floor.ts [--messages 20000]
//
// * a small message over loopback TCP between two processes (one write, one read): the
//   unit of every MQTT packet and peer-link frame, CPU of both sides;
// * a journal append: one write of a few hundred bytes plus one fdatasync (group commit
//   shares the fdatasync across matches, so both figures are printed);
// * HMAC-SHA256 of one signed event, JSON.stringify + parse of one update.
// Then the floor of one move: the messages the protocol requires (docs/architecture/matches.md
// "a move's hops"), each at the measured cost, with no other work at all. Prints one JSON object.
import { fork } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Echo side: a child process that answers every 200-byte message with one of the same size. */
function echoChild(): void {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    let pending = 0;
    s.on('data', (b: Buffer) => {
      pending += b.length;
      while (pending >= 200) {
        pending -= 200;
        s.write(Buffer.alloc(200, 1));
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  process.on('message', (m: { cpu?: boolean }) => {
    if (m.cpu) process.send!({ cpuUs: cpuUs() });
  });
}

/** Ping-pong in lockstep: each message is one write and one read on each side. */
async function loopback(messages: number): Promise<{ us_per_message_both_sides: number }> {
  const child = fork(process.argv[1], ['--child'], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((r) => child.once('message', (m: { port: number }) => r(m.port)));
  const childCpu = () => new Promise<number>((r) => {
    child.once('message', (m: { cpuUs: number }) => r(m.cpuUs));
    child.send({ cpu: true });
  });
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise((r) => sock.once('connect', r));
  const msg = Buffer.alloc(200, 2);
  const c0 = await childCpu();
  const p0 = cpuUs();
  await new Promise<void>((resolve) => {
    let left = messages;
    let got = 0;
    sock.on('data', (b: Buffer) => {
      got += b.length;
      while (got >= 200) {
        got -= 200;
        if (--left === 0) return resolve();
        sock.write(msg);
      }
    });
    sock.write(msg);
  });
  const p1 = cpuUs();
  const c1 = await childCpu();
  sock.destroy();
  child.kill();
  // Each round trip is two messages (one each way); each message costs a write and a read.
  return { us_per_message_both_sides: round((p1 - p0 + (c1 - c0)) / (2 * messages)) };
}

async function journal(appends: number): Promise<{ us_per_write: number; us_per_fdatasync: number }> {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'trinca-floor-'));
  const fd = fs.openSync(join(dir, 'j'), 'w');
  const rec = Buffer.alloc(400, 3);
  const write = () => new Promise<void>((r, j) => fs.write(fd, rec, (e) => (e ? j(e) : r())));
  const sync = () => new Promise<void>((r, j) => fs.fdatasync(fd, (e) => (e ? j(e) : r())));
  // CPU of the whole process: the thread pool does the syscalls.
  let c = cpuUs();
  for (let i = 0; i < appends; i++) await write();
  const perWrite = (cpuUs() - c) / appends;
  c = cpuUs();
  for (let i = 0; i < appends / 10; i++) {
    await write();
    await sync();
  }
  const perSync = (cpuUs() - c) / (appends / 10) - perWrite;
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true });
  return { us_per_write: round(perWrite), us_per_fdatasync: round(perSync) };
}

function compute(n: number): { hmac_us: number; json_roundtrip_us: number } {
  const key = Buffer.alloc(32, 7);
  const event = JSON.stringify({ type: 'CARD_PLAYED', seq: 7, at: 1764800000000, playerId: 'p'.repeat(36), card: { id: 'c'.repeat(20), name: 'Rei de Copas', suit: 'copas', value: 13, rarity: 'rara' }, epoch: 1, matchId: 'm'.repeat(36) });
  let c = cpuUs();
  for (let i = 0; i < n; i++) createHmac('sha256', key).update(event).digest('hex');
  const hmac = (cpuUs() - c) / n;
  const update = { type: 'ATUALIZACAO_JOGO', eventSeq: 7, state: { phase: 'JOGANDO', round: 3, turn: 'p1', table: [{ playerId: 'p1', card: JSON.parse(event).card }], scores: { p1: 1, p2: 2 }, hands: { p1: 3, p2: 3 } } };
  c = cpuUs();
  for (let i = 0; i < n; i++) JSON.parse(JSON.stringify(update));
  return { hmac_us: round(hmac), json_roundtrip_us: round((cpuUs() - c) / n) };
}

const round = (x: number): number => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  if (process.argv.includes('--child')) return echoChild();
  const messages = arg('--messages', 20_000);
  const tcp = await loopback(messages);
  const disk = await journal(2000);
  const cpu = compute(20_000);
  // A move whose mover sits on the host (docs/architecture/matches.md): bot → broker (1),
  // host → shadow replicate (1), shadow → host ack (1), both players' updates (2), the
  // mover's OK (coalesced with its update in one turn: 0). Each node appends the event to its
  // journal (2 writes; the fdatasync is shared by the round, counted once per move here as
  // an upper bound at low load and ~0 at saturation). The signature: one HMAC on the host,
  // one on the shadow; each message carries JSON both ways.
  const messagesPerMove = 5;
  const floor = messagesPerMove * tcp.us_per_message_both_sides + 2 * disk.us_per_write + 2 * cpu.hmac_us + messagesPerMove * cpu.json_roundtrip_us;
  console.log(
    JSON.stringify({
      cores: os.cpus().length,
      loopback_message_us: tcp.us_per_message_both_sides,
      journal_write_us: disk.us_per_write,
      journal_fdatasync_us: disk.us_per_fdatasync,
      hmac_us: cpu.hmac_us,
      json_roundtrip_us: cpu.json_roundtrip_us,
      messages_per_move: messagesPerMove,
      floor_us_per_move: round(floor),
      floor_moves_per_s_on_all_cores: Math.round((os.cpus().length * 1e6) / floor),
    }),
  );
}

void main();
