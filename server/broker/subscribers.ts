// The node's own publishes to players (their events, their matches' updates) are written
// straight to the subscribed connections: the packet is encoded once and the same bytes go
// to every subscriber, without aedes's per-publish and per-client pipeline (packet objects,
// the emitter's topic match, one encode per client), which cost more than the move itself.
// Players may subscribe only to exact topics (acl.ts), so an exact-topic table is complete.
// Only non-retained QoS 0 messages go this way; the retained cluster status stays in aedes.
import type { Writable } from 'node:stream';
import { generate } from 'mqtt-packet';

export class Subscribers {
  private readonly byTopic = new Map<string, Set<Writable>>();
  private readonly topicsOf = new Map<Writable, Set<string>>();

  add(topic: string, conn: Writable): void {
    let set = this.byTopic.get(topic);
    if (!set) this.byTopic.set(topic, (set = new Set()));
    set.add(conn);
    let topics = this.topicsOf.get(conn);
    if (!topics) {
      this.topicsOf.set(conn, (topics = new Set()));
      conn.once('close', () => this.drop(conn));
    }
    topics.add(topic);
  }

  remove(topic: string, conn: Writable): void {
    this.topicsOf.get(conn)?.delete(topic);
    const set = this.byTopic.get(topic);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) this.byTopic.delete(topic);
  }

  /** A connection went away: every subscription of it. */
  drop(conn: Writable): void {
    const topics = this.topicsOf.get(conn);
    if (!topics) return;
    this.topicsOf.delete(conn);
    for (const t of topics) this.remove(t, conn);
  }

  has(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  /** Encodes one QoS 0 PUBLISH and writes it to every live subscriber of `topic`. */
  publish(topic: string, payload: Buffer): void {
    const set = this.byTopic.get(topic);
    if (!set) return;
    const bytes = generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false });
    for (const conn of set) if (!conn.destroyed && !conn.writableEnded) conn.write(bytes);
  }
}
