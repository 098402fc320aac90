// Fuzzing the MQTT byte stream (fast-check): random fixed headers and declared lengths,
// before and after CONNECT, cut into random chunks.
//  * Pure: the broker's FrameScanner agrees with a reference reading of the same bytes —
//    it refuses exactly the streams whose first packet is not CONNECT, whose length varint
//    is broken, or that declare a packet over the limit of their phase.
//  * Real node: whatever arrives on a raw TCP or WebSocket connection, a stream the limits
//    refuse is closed at once, the node keeps serving a player connected all along, its
//    ledger does not move and its memory stays bounded.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import WebSocket from 'ws';
import { FrameScanner, type FrameLimits } from '../../server/broker/frame-scanner.ts';
import { DEFAULT_BROKER_LIMITS } from '../../server/broker/broker.ts';
import { TestCluster, waitFor, type Peer } from '../support/peer.ts';
import { TestPlayer } from '../support/player.ts';
import { connectPacket, rawConnect, rssMiB, varint, within } from '../support/abuse.ts';
import { getJson } from '../support/http.ts';
import { StockClient } from '../support/stock.ts';
import { commandsTopic } from '../../protocol/topics.ts';
import { report, count, timeBoxed } from './support.ts';

const MS = Number(process.env.TRINCA_FUZZ_MS_PER_SURFACE ?? 1200) * 3;
const LIMITS: FrameLimits = { beforeConnect: DEFAULT_BROKER_LIMITS.maxPacketBeforeConnect, afterConnect: DEFAULT_BROKER_LIMITS.maxPacketAfterConnect };

/** One packet as declared on the wire: header byte, declared remaining length, body bytes sent. */
interface Frame {
  header: number;
  declared: number;
  /** How much of the body to actually send (the rest never comes). */
  sendBody: number;
}

/** Lengths near the limits are where mistakes live. */
const lengths = fc.oneof(
  fc.nat({ max: 300 }),
  fc.integer({ min: LIMITS.beforeConnect - 8, max: LIMITS.beforeConnect + 8 }),
  fc.integer({ min: LIMITS.afterConnect - 8, max: LIMITS.afterConnect + 8 }),
  fc.integer({ min: 0, max: 268_435_455 }),
);
const frame = (header: fc.Arbitrary<number>) =>
  fc.record({ header, declared: lengths, cut: fc.double({ min: 0, max: 1, noNaN: true }) }).map(({ header, declared, cut }): Frame => ({ header, declared, sendBody: Math.min(declared, Math.floor(declared * cut), 256 * 1024) }));
const anyHeader = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x10, 0x30, 0x31, 0x82, 0xc0, 0xe0));

function bytesOf(frames: Frame[], prefix: Buffer = Buffer.alloc(0)): Buffer {
  const parts = [prefix];
  for (const f of frames) parts.push(Buffer.from([f.header]), varint(f.declared), Buffer.alloc(f.sendBody, 0x41));
  return Buffer.concat(parts);
}

/** The reference: reads the stream in one piece, with no state machine. */
function reference(bytes: Buffer, limits: FrameLimits): 'ok' | 'not_connect_first' | 'bad_length' | 'oversize' {
  let i = 0;
  let packets = 0;
  while (i < bytes.length) {
    const type = bytes[i] >> 4;
    if (packets === 0 && type !== 1) return 'not_connect_first';
    let len = 0;
    let k = 0;
    for (;;) {
      if (i + 1 + k >= bytes.length) return 'ok'; // the varint has not fully arrived
      const b = bytes[i + 1 + k];
      len += (b & 0x7f) * 128 ** k;
      k++;
      if (!(b & 0x80)) break;
      if (k === 4) return 'bad_length';
    }
    if (1 + k + len > (packets === 0 ? limits.beforeConnect : limits.afterConnect)) return 'oversize';
    i += 1 + k + len;
    packets++;
  }
  return 'ok';
}

function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    if (c > prev) out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

describe('MQTT byte stream: the frame scanner (pure)', () => {
  it('refuses exactly what the reference refuses, however the bytes are cut', () => {
    const streams = fc.oneof(
      fc.array(frame(anyHeader), { minLength: 1, maxLength: 6 }).map((f) => bytesOf(f)),
      fc.tuple(frame(fc.constant(0x10)), fc.array(frame(anyHeader), { maxLength: 6 })).map(([c, rest]) => bytesOf([{ ...c, sendBody: c.declared <= 300 ? c.declared : c.sendBody }, ...rest])),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(streams, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), (bytes, cuts) => {
        count('scanner');
        const s = new FrameScanner(LIMITS);
        let verdict: string = 'ok';
        for (const c of chunks(bytes, cuts)) {
          const v = s.feed(c);
          if (!v.ok) {
            verdict = v.reason;
            break;
          }
        }
        expect(verdict).toBe(reference(bytes, LIMITS));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('MQTT byte stream fuzzing (real processes)', () => {
  let cluster: TestCluster;
  let peer: Peer;
  let stock: StockClient;
  let control: TestPlayer;
  let known: TestPlayer;

  beforeAll(async () => {
    cluster = await TestCluster.start(1);
    peer = cluster.peers[0];
    stock = new StockClient(cluster, (await getJson<{ clusterId: string }>(`${peer.url}/health`)).body.clusterId);
    await waitFor('a leader', () => stock.leader(), 15_000);
    control = TestPlayer.fresh();
    await control.connect(peer.mqttUrl);
    known = TestPlayer.fresh();
    await known.connect(peer.mqttUrl); // registered; the fuzzer connects as it
    await known.close();
  }, 60_000);
  afterAll(async () => {
    report('mqtt-stream');
    await control?.close();
    await cluster?.stop();
  });

  const streamCase = fc.record({
    connectFirst: fc.boolean(),
    frames: fc.array(frame(anyHeader), { minLength: 1, maxLength: 4 }),
    ws: fc.boolean(),
  });

  it('refused streams are closed at once; the node serves on, unmoved and bounded', async () => {
    const rssBefore = rssMiB(peer.proc!.pid!);
    const before = await stock.digest(peer);
    await timeBoxed('stream', streamCase, MS, async ({ connectFirst, frames, ws }) => {
      const connect = connectFirst ? connectPacket(`${known.playerId}.fz`, known.playerId, known.token) : Buffer.alloc(0);
      const bytes = bytesOf(frames, connect);
      const expectClose = reference(bytes, LIMITS) !== 'ok';
      let closed: Promise<unknown>;
      let destroy: () => void;
      if (ws) {
        const sock = new WebSocket(peer.wsUrl, 'mqtt');
        await new Promise((r, j) => sock.once('open', r).once('error', j));
        closed = new Promise((r) => sock.once('close', r));
        sock.on('error', () => undefined);
        for (let i = 0; i < bytes.length; i += 32 * 1024) if (sock.readyState === WebSocket.OPEN) sock.send(bytes.subarray(i, i + 32 * 1024));
        destroy = () => sock.terminate();
      } else {
        const c = await rawConnect(peer.opts.mqttPort);
        closed = c.closed;
        c.socket.write(bytes);
        destroy = () => c.socket.destroy();
      }
      try {
        if (expectClose) expect(await within(closed, 2000), `not closed: ${JSON.stringify({ connectFirst, frames, ws })}`).toBe(true);
      } finally {
        destroy();
      }
    });
    expect(await control.request({ type: 'PING', t: 3 })).toMatchObject({ type: 'PONG', t: 3 });
    expect(control.closed).toBe(false);
    expect(await stock.digest(peer)).toEqual(before);
    const grew = rssMiB(peer.proc!.pid!) - rssBefore;
    console.log(`[fuzz:mqtt-stream] RSS +${grew.toFixed(1)} MiB`);
    expect(grew).toBeLessThan(64);
    // The commands topic still works for the fuzzed player's real client.
    const again = new TestPlayer(known.playerId, known.token);
    await again.connect(peer.mqttUrl);
    expect(await again.request({ type: 'PING', t: 4 })).toMatchObject({ type: 'PONG' });
    again.publishRaw('not json', commandsTopic(known.playerId));
    await again.close();
  }, 120_000);
});
