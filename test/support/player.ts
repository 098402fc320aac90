// A real MQTT player client for tests and benchmarks: connects like the UI does,
// sends commands with a requestId, and waits for the matching reply or event.
import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes, randomUUID } from 'node:crypto';
import { commandsTopic, playerEventsTopic, matchEventsTopic, CLUSTER_STATUS_TOPIC } from '../../protocol/topics.ts';

export type AnyEvent = { type: string; requestId?: string; [k: string]: unknown };

export function newCredentials(): { playerId: string; token: string } {
  return { playerId: randomUUID(), token: randomBytes(32).toString('base64url') };
}

export class TestPlayer {
  client!: MqttClient;
  readonly events: AnyEvent[] = [];
  readonly matchEvents: AnyEvent[] = [];
  private waiters: { pred: (e: AnyEvent) => boolean; resolve: (e: AnyEvent) => void; source: 'player' | 'match' }[] = [];
  private seq = 0;
  closed = false;

  constructor(
    readonly playerId: string,
    readonly token: string,
  ) {}

  static fresh(): TestPlayer {
    const c = newCredentials();
    return new TestPlayer(c.playerId, c.token);
  }

  /** Connects (tcp://… or ws://…) and subscribes to its own events; resolves on BEM_VINDO. */
  async connect(url: string, opts: { waitWelcome?: boolean } = {}): Promise<AnyEvent | null> {
    this.closed = false;
    this.client = await mqtt.connectAsync(url, {
      username: this.playerId,
      password: this.token,
      clientId: `${this.playerId}.t-${randomBytes(3).toString('hex')}`,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      protocolVersion: 4,
    });
    this.client.on('close', () => (this.closed = true));
    this.client.on('message', (topic, payload) => {
      let e: AnyEvent;
      try {
        e = JSON.parse(payload.toString()) as AnyEvent;
      } catch {
        return;
      }
      const source = topic.startsWith('partidas/') ? 'match' : 'player';
      (source === 'match' ? this.matchEvents : this.events).push(e);
      this.waiters = this.waiters.filter((w) => {
        if (w.source === source && w.pred(e)) {
          w.resolve(e);
          return false;
        }
        return true;
      });
    });
    const welcome = opts.waitWelcome === false ? null : this.next((e) => e.type === 'BEM_VINDO', 5000);
    await this.client.subscribeAsync(playerEventsTopic(this.playerId), { qos: 0 });
    return welcome ? await welcome : null;
  }

  async subscribeMatch(matchId: string): Promise<number> {
    const granted = await this.client.subscribeAsync(matchEventsTopic(matchId), { qos: 0 }).catch(() => [{ qos: 128 }]);
    return granted[0]?.qos ?? 128;
  }

  async subscribeClusterStatus(): Promise<void> {
    await this.client.subscribeAsync(CLUSTER_STATUS_TOPIC, { qos: 0 });
  }

  /** Waits for the next private (or match) event satisfying pred, including ones already seen if `past`. */
  next(pred: (e: AnyEvent) => boolean, timeoutMs = 5000, source: 'player' | 'match' = 'player'): Promise<AnyEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`player ${this.playerId.slice(0, 8)}: no matching ${source} event in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        source,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  publishRaw(payload: string | Buffer, topic = commandsTopic(this.playerId)): void {
    this.client.publish(topic, payload, { qos: 0 });
  }

  /** Sends a command and resolves with the reply carrying its requestId (result or ERRO). */
  request(cmd: Record<string, unknown>, timeoutMs = 5000): Promise<AnyEvent> {
    const requestId = (cmd.requestId as string | undefined) ?? `r${++this.seq}-${randomBytes(3).toString('hex')}`;
    const reply = this.next((e) => e.requestId === requestId, timeoutMs);
    this.publishRaw(JSON.stringify({ ...cmd, requestId }));
    return reply;
  }

  async close(): Promise<void> {
    if (this.client && !this.closed) await this.client.endAsync(true).catch(() => undefined);
    this.closed = true;
  }
}
