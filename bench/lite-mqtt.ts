// A minimal MQTT 3.1.1 client for benchmarks: one TCP connection per player, like a real
// client, but cheap enough that thousands of players fit in one process that shares the CPU
// with the nodes. It speaks only what a player needs: CONNECT, SUBSCRIBE (QoS 0), PUBLISH
// (QoS 0), PINGREQ and DISCONNECT. What keeps it cheap:
// * reads land in one shared buffer (net's `onread`), bypassing the stream machinery, and are
//   framed in place: a PUBLISH is handed over as offsets into that buffer, never copied;
// * writes queued in one event-loop turn leave as one socket write per connection;
// * timeouts come from one shared sweep, not a timer per operation.
// CONNECT is encoded by mqtt-packet (the codec aedes and mqtt.js use); the rest is framed here.
import net from 'node:net';
import { generate } from 'mqtt-packet';

export class LiteMqttError extends Error {}

const PINGREQ = Buffer.from([0xc0, 0]);
const DISCONNECT = Buffer.from([0xe0, 0]);
const CONNACK_ERRORS = ['', 'unacceptable protocol', 'identifier rejected', 'server unavailable', 'bad username or password', 'not authorized'];
/** The largest packet accepted from the broker (the nodes cap commands at 64 KiB; updates are far smaller). */
const MAX_PACKET = 1 << 20;

/** Every socket reads into this buffer; a callback consumes it before the next read can land. */
const READ_BUF = Buffer.allocUnsafe(256 * 1024);

export interface LiteMqttOptions {
  host: string;
  port: number;
  clientId: string;
  username: string;
  password: string;
  keepaliveS?: number;
  connectTimeoutMs?: number;
}

/**
 * Called per PUBLISH with offsets into `buf`, which is only valid during the call (it is the
 * shared read buffer): copy what must outlive it.
 */
export type PublishHandler = (buf: Buffer, topicStart: number, topicEnd: number, payloadStart: number, payloadEnd: number) => void;

/** A topic encoded once (length prefix + UTF-8), for publishing to it many times. */
export function encodeTopic(topic: string): Buffer {
  const n = Buffer.byteLength(topic);
  const b = Buffer.allocUnsafe(2 + n);
  b.writeUInt16BE(n, 0);
  b.write(topic, 2, 'utf8');
  return b;
}

interface Pending {
  at: number;
  fail: (err: Error) => void;
}

// --- one sweep for every connection's deadlines ---
const deadlines = new Set<Pending>();
let sweeper: NodeJS.Timeout | null = null;
function addDeadline(p: Pending): void {
  deadlines.add(p);
  if (!sweeper) {
    sweeper = setInterval(() => {
      const now = performance.now();
      for (const d of deadlines) {
        if (d.at > now) continue;
        deadlines.delete(d);
        d.fail(new LiteMqttError('timed out'));
      }
      if (deadlines.size === 0 && sweeper) {
        clearInterval(sweeper);
        sweeper = null;
      }
    }, 250);
    sweeper.unref();
  }
}

/** Totals over all connections: packets framed in and out, socket writes. */
export const traffic = { packetsIn: 0, packetsOut: 0, writes: 0 };

// --- writes of one event-loop turn leave together ---
const dirty: LiteMqtt[] = [];
let flushQueued = false;
function flushAll(): void {
  flushQueued = false;
  for (let i = 0; i < dirty.length; i++) dirty[i].flush();
  dirty.length = 0;
}

export class LiteMqtt {
  private socket: net.Socket | null = null;
  private nextId = 1;
  private readonly subacks = new Map<number, { resolve: (qos: number) => void; deadline: Pending }>();
  private connack: ((code: number) => void) | null = null;
  /** Bytes of a packet split across reads. */
  private rest: Buffer | null = null;
  private out: Buffer[] = [];
  closed = true;
  /** Default: decodes and copies (convenient, not cheap); set it for the zero-copy path. */
  onPublish: PublishHandler = (buf, ts, te, ps, pe) => this.onMessage(buf.toString('utf8', ts, te), Buffer.from(buf.subarray(ps, pe)));
  onMessage: (topic: string, payload: Buffer) => void = () => undefined;
  onClose: () => void = () => undefined;

  connect(o: LiteMqttOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        deadlines.delete(deadline);
        socket.destroy();
        reject(err);
      };
      const deadline: Pending = { at: performance.now() + (o.connectTimeoutMs ?? 10_000), fail: () => fail(new LiteMqttError('connect timed out')) };
      addDeadline(deadline);
      const socket = net.connect({
        host: o.host,
        port: o.port,
        noDelay: true,
        onread: {
          buffer: READ_BUF,
          callback: (n: number, buf: Uint8Array) => {
            try {
              this.feed(buf as Buffer, n);
            } catch (err) {
              fail(err as Error);
              socket.destroy();
            }
            return true;
          },
        },
      });
      this.socket = socket;
      socket.once('error', (err) => fail(err));
      socket.once('close', () => {
        this.closed = true;
        fail(new LiteMqttError('connection closed before CONNACK'));
        for (const s of this.subacks.values()) {
          deadlines.delete(s.deadline);
          s.deadline.fail(new LiteMqttError('connection closed'));
        }
        this.subacks.clear();
        this.onClose();
      });
      socket.once('connect', () => {
        socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: o.keepaliveS ?? 0, clientId: o.clientId, username: o.username, password: Buffer.from(o.password, 'utf8') }));
      });
      this.connack = (code) => {
        if (settled) return;
        settled = true;
        deadlines.delete(deadline);
        if (code !== 0) {
          socket.destroy();
          reject(new LiteMqttError(`CONNACK ${code}: ${CONNACK_ERRORS[code] ?? 'refused'}`));
        } else {
          this.closed = false;
          socket.on('error', () => undefined);
          resolve();
        }
      };
    });
  }

  /** Resolves with the granted QoS (128: refused). */
  subscribe(topic: string, timeoutMs = 10_000): Promise<number> {
    const t = encodeTopic(topic);
    const rl = 2 + t.length + 1;
    // A one-byte remaining length: player and match topics are far shorter.
    if (rl > 127) return Promise.reject(new LiteMqttError('topic too long'));
    const id = this.nextId++;
    if (this.nextId > 0xffff) this.nextId = 1;
    const b = Buffer.allocUnsafe(2 + rl);
    b[0] = 0x82;
    b[1] = rl;
    b.writeUInt16BE(id, 2);
    t.copy(b, 4);
    b[4 + t.length] = 0; // QoS 0
    return new Promise((resolve, reject) => {
      const deadline: Pending = {
        at: performance.now() + timeoutMs,
        fail: (err) => {
          this.subacks.delete(id);
          reject(new LiteMqttError(`SUBACK for ${topic}: ${err.message}`));
        },
      };
      addDeadline(deadline);
      this.subacks.set(id, { resolve, deadline });
      this.write(b);
    });
  }

  /** PUBLISH QoS 0 to a topic encoded by encodeTopic. */
  publishTo(topic: Buffer, payload: string): void {
    const n = Buffer.byteLength(payload);
    const rl = topic.length + n;
    const lenBytes = rl < 128 ? 1 : rl < 16_384 ? 2 : rl < 2_097_152 ? 3 : 4;
    const b = Buffer.allocUnsafe(1 + lenBytes + rl);
    b[0] = 0x30;
    let i = 1;
    let x = rl;
    do {
      let d = x % 128;
      x = Math.floor(x / 128);
      if (x > 0) d |= 128;
      b[i++] = d;
    } while (x > 0);
    topic.copy(b, i);
    b.write(payload, i + topic.length, 'utf8');
    this.write(b);
  }

  publish(topic: string, payload: string): void {
    this.publishTo(encodeTopic(topic), payload);
  }

  ping(): void {
    this.write(PINGREQ);
  }

  /** DISCONNECT and close. */
  end(): void {
    if (!this.socket) return;
    if (!this.closed) {
      this.flush();
      this.socket.end(DISCONNECT);
    }
    this.closed = true;
  }

  destroy(): void {
    this.socket?.destroy();
    this.closed = true;
  }

  private write(b: Buffer): void {
    if (!this.socket || this.closed) return;
    if (this.out.length === 0) {
      dirty.push(this);
      if (!flushQueued) {
        flushQueued = true;
        setImmediate(flushAll);
      }
    }
    this.out.push(b);
    traffic.packetsOut++;
  }

  /** @internal the turn's writes as one. */
  flush(): void {
    const out = this.out;
    if (out.length === 0) return;
    this.out = [];
    if (!this.socket || this.closed) return;
    traffic.writes++;
    this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out));
  }

  /** Frames the `n` bytes just read (plus any split packet before them) in place. */
  private feed(read: Buffer, n: number): void {
    let buf = read;
    let end = n;
    if (this.rest) {
      buf = Buffer.concat([this.rest, read.subarray(0, n)]);
      end = buf.length;
      this.rest = null;
    }
    let i = 0;
    while (i < end) {
      // Fixed header: type/flags, then the remaining length (1–4 bytes, 7 bits each).
      let len = 0;
      let mul = 1;
      let j = i + 1;
      let complete = false;
      while (j < end) {
        const d = buf[j++];
        len += (d & 127) * mul;
        if (d < 128) {
          complete = true;
          break;
        }
        mul *= 128;
        if (mul > 2_097_152) throw new LiteMqttError('bad packet from the broker: remaining length too long');
      }
      if (complete && len > MAX_PACKET) throw new LiteMqttError(`bad packet from the broker: ${len} bytes`);
      if (!complete || j + len > end) break;
      this.packet(buf, buf[i], j, j + len);
      i = j + len;
    }
    if (i < end) this.rest = Buffer.from(buf.subarray(i, end)); // copy: `read` is reused
  }

  private packet(buf: Buffer, h: number, s: number, e: number): void {
    traffic.packetsIn++;
    switch (h >> 4) {
      case 3: {
        // PUBLISH: topic, a packet id only at QoS > 0 (never granted here), payload.
        const te = s + 2 + buf.readUInt16BE(s);
        const ps = (h & 0x06) !== 0 ? te + 2 : te;
        if (te > e || ps > e) throw new LiteMqttError('bad packet from the broker: PUBLISH topic overruns the packet');
        this.onPublish(buf, s + 2, te, ps, e);
        return;
      }
      case 2:
        if (e - s < 2) throw new LiteMqttError('bad packet from the broker: short CONNACK');
        this.connack?.(buf[s + 1]);
        this.connack = null;
        return;
      case 9: {
        if (e - s < 3) throw new LiteMqttError('bad packet from the broker: short SUBACK');
        const id = buf.readUInt16BE(s);
        const w = this.subacks.get(id);
        if (!w) return;
        this.subacks.delete(id);
        deadlines.delete(w.deadline);
        w.resolve(buf[s + 2]);
        return;
      }
      default:
        return; // PINGRESP and anything else
    }
  }
}
