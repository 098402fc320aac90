// The retained `cluster/status` topic: republished every second so a player that
// connects (or a peer whose state changed) sees a fresh view without asking.
import { CLUSTER_STATUS_TOPIC } from '../../protocol/topics.ts';
import type { ClusterStatus } from '../../protocol/events.ts';
import type { PlayerBroker } from '../broker/broker.ts';

export class ClusterStatusPublisher {
  private timer: NodeJS.Timeout | null = null;
  private last = '';

  constructor(
    private readonly broker: PlayerBroker,
    private readonly view: () => ClusterStatus,
    private readonly intervalMs = 1000,
  ) {}

  start(): void {
    this.publish();
    this.timer = setInterval(() => this.publish(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  publish(): void {
    const v = this.view();
    // Skip identical views (ignoring the timestamp) to keep broker traffic down.
    const key = JSON.stringify({ ...v, at: 0 });
    if (key === this.last) return;
    this.last = key;
    this.broker.publish(CLUSTER_STATUS_TOPIC, v, true);
  }
}
