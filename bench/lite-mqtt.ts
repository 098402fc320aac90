// A minimal MQTT 3.1.1 client for benchmarks: one TCP connection per player, like a real
// client, but without mqtt.js's per-client machinery (stores, reconnect timers, streams),
// so thousands of players fit in one benchmark process that shares the CPU with the nodes.
// It speaks only what a player needs: CONNECT, SUBSCRIBE (QoS 0), PUBLISH (QoS 0),
// PINGREQ and DISCONNECT.
import net from 'node:net';

export class LiteMqttError extends Error {}

const CONNACK_ERRORS = ['', 'unacceptable protocol', 'identifier rejected', 'server unavailable', 'bad username or password', 'not authorized'];

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

function packet(first: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([first]), varint(body.length), body]);
}

export interface LiteMqttOptions {
  host: string;
  port: number;
  clientId: string;
  username: string;
  password: string;
  keepaliveS?: number;
  connectTimeoutMs?: number;
}

export class LiteMqtt {
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly subacks = new Map<number, (qos: number) => void>();
  private connack: ((code: number) => void) | null = null;
  closed = true;
  onMessage: (topic: string, payload: Buffer) => void = () => undefined;
  onClose: () => void = () => undefined;

  connect(o: LiteMqttOptions): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: o.host, port: o.port });
      socket.setNoDelay(true);
      this.socket = socket;
      this.buf = Buffer.alloc(0);
      let settled = false;
      const timer = setTimeout(() => fail(new LiteMqttError('connect timed out')), o.connectTimeoutMs ?? 10_000);
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', (err) => fail(err));
      socket.on('data', (d: Buffer) => this.onData(d));
      socket.once('close', () => {
        this.closed = true;
        fail(new LiteMqttError('connection closed before CONNACK'));
        this.onClose();
      });
      socket.once('connect', () => {
        // flags: username, password, clean session
        const vh = Buffer.concat([str('MQTT'), Buffer.from([4, 0xc2]), Buffer.from([(o.keepaliveS ?? 0) >> 8, (o.keepaliveS ?? 0) & 0xff])]);
        socket.write(packet(0x10, Buffer.concat([vh, str(o.clientId), str(o.username), str(o.password)])));
      });
      this.connack = (code) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
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

  subscribe(topic: string, timeoutMs = 10_000): Promise<number> {
    const id = this.nextId++;
    if (this.nextId > 0xffff) this.nextId = 1;
    const body = Buffer.concat([Buffer.from([id >> 8, id & 0xff]), str(topic), Buffer.from([0])]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.subacks.delete(id);
        reject(new LiteMqttError(`SUBACK for ${topic} timed out`));
      }, timeoutMs);
      this.subacks.set(id, (qos) => {
        clearTimeout(timer);
        resolve(qos);
      });
      this.write(packet(0x82, body));
    });
  }

  publish(topic: string, payload: string | Buffer): void {
    this.write(packet(0x30, Buffer.concat([str(topic), typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload])));
  }

  ping(): void {
    this.write(Buffer.from([0xc0, 0]));
  }

  /** DISCONNECT and close. */
  end(): void {
    if (!this.socket) return;
    if (!this.closed) this.socket.end(Buffer.from([0xe0, 0]));
    this.closed = true;
  }

  destroy(): void {
    this.socket?.destroy();
    this.closed = true;
  }

  private write(b: Buffer): void {
    if (this.socket && !this.closed) this.socket.write(b);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let off = 0;
    const b = this.buf;
    for (;;) {
      if (b.length - off < 2) break;
      let len = 0;
      let mul = 1;
      let i = off + 1;
      let complete = false;
      for (; i < b.length && i < off + 5; i++) {
        len += (b[i] & 0x7f) * mul;
        mul *= 128;
        if ((b[i] & 0x80) === 0) {
          complete = true;
          i++;
          break;
        }
      }
      if (!complete || b.length - i < len) break;
      this.handle(b[off], b.subarray(i, i + len));
      off = i + len;
    }
    this.buf = off === b.length ? Buffer.alloc(0) : b.subarray(off);
  }

  private handle(first: number, body: Buffer): void {
    switch (first >> 4) {
      case 2: // CONNACK
        this.connack?.(body[1]);
        this.connack = null;
        break;
      case 3: {
        // PUBLISH (the broker sends QoS 0 here; skip a packet id if it ever does QoS > 0)
        const tlen = body.readUInt16BE(0);
        const topic = body.toString('utf8', 2, 2 + tlen);
        const qos = (first >> 1) & 3;
        this.onMessage(topic, body.subarray(2 + tlen + (qos > 0 ? 2 : 0)));
        break;
      }
      case 9: {
        // SUBACK
        const id = body.readUInt16BE(0);
        const cb = this.subacks.get(id);
        this.subacks.delete(id);
        cb?.(body[2]);
        break;
      }
      default:
        break; // PINGRESP and anything else
    }
  }
}
