// A minimal MQTT 3.1.1 client for benchmarks: one TCP connection per player, like a real
// client, but without mqtt.js's per-client machinery (stores, reconnect timers, streams),
// so thousands of players fit in one benchmark process that shares the CPU with the nodes.
// It speaks only what a player needs: CONNECT, SUBSCRIBE (QoS 0), PUBLISH (QoS 0),
// PINGREQ and DISCONNECT. Packets are framed and parsed by mqtt-packet (the codec aedes and
// mqtt.js use), so only the session logic is ours.
import net from 'node:net';
import { generate, parser as mqttParser, type Packet } from 'mqtt-packet';

export class LiteMqttError extends Error {}

const PINGREQ = generate({ cmd: 'pingreq' });
const DISCONNECT = generate({ cmd: 'disconnect' });

const CONNACK_ERRORS = ['', 'unacceptable protocol', 'identifier rejected', 'server unavailable', 'bad username or password', 'not authorized'];

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
      const incoming = mqttParser({ protocolVersion: 4 });
      incoming.on('packet', (p: Packet) => this.handle(p));
      incoming.on('error', (err: Error) => fail(new LiteMqttError(`bad packet from the broker: ${err.message}`)));
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
      socket.on('data', (d: Buffer) => incoming.parse(d));
      socket.once('close', () => {
        this.closed = true;
        fail(new LiteMqttError('connection closed before CONNACK'));
        this.onClose();
      });
      socket.once('connect', () => {
        socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: o.keepaliveS ?? 0, clientId: o.clientId, username: o.username, password: Buffer.from(o.password, 'utf8') }));
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
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.subacks.delete(id);
        reject(new LiteMqttError(`SUBACK for ${topic} timed out`));
      }, timeoutMs);
      this.subacks.set(id, (qos) => {
        clearTimeout(timer);
        resolve(qos);
      });
      this.write(generate({ cmd: 'subscribe', messageId: id, subscriptions: [{ topic, qos: 0 }] }));
    });
  }

  publish(topic: string, payload: string | Buffer): void {
    this.write(generate({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }));
  }

  ping(): void {
    this.write(PINGREQ);
  }

  /** DISCONNECT and close. */
  end(): void {
    if (!this.socket) return;
    if (!this.closed) this.socket.end(DISCONNECT);
    this.closed = true;
  }

  destroy(): void {
    this.socket?.destroy();
    this.closed = true;
  }

  private write(b: Buffer): void {
    if (this.socket && !this.closed) this.socket.write(b);
  }

  private handle(p: Packet): void {
    switch (p.cmd) {
      case 'connack':
        this.connack?.(p.returnCode ?? 0);
        this.connack = null;
        break;
      case 'publish':
        this.onMessage(p.topic, typeof p.payload === 'string' ? Buffer.from(p.payload, 'utf8') : p.payload);
        break;
      case 'suback': {
        const cb = p.messageId === undefined ? undefined : this.subacks.get(p.messageId);
        if (p.messageId !== undefined) this.subacks.delete(p.messageId);
        cb?.(p.granted[0] as number);
        break;
      }
      default:
        break; // PINGRESP and anything else
    }
  }
}
