// Which peers the match core may count on: "suspect on silence, confirm before acting"
// (Colyseus #968). A peer silent past `failoverMs` is probed directly (GET /health on the
// control lane, so queued data calls cannot delay it) and counts as dead only when the
// probe fails. A node whose own event loop stalled sees everyone silent at once; the probe
// keeps that from turning into a failover storm.
import type { Membership } from '../cluster/membership.ts';
import type { PeerClient } from '../http/peer-client.ts';

const PROBE_TIMEOUT_MS = 500;
const PROBE_EVERY_MS = 250;

export class PeerLiveness {
  private readonly dead = new Set<string>();
  private readonly probing = new Map<string, number>();

  constructor(
    private readonly membership: Membership,
    private readonly client: PeerClient,
    private readonly failoverMs: number,
    /** Told when a probe finds a peer dead, so the core hears of it at once, not next tick. */
    private readonly onDead: () => void = () => undefined,
  ) {}

  /** Members other than this node believed alive now; starts probes of the silent ones. */
  alive(): string[] {
    const out: string[] = [];
    const now = performance.now();
    for (const m of this.membership.others()) {
      if (this.membership.silenceMs(m.id) < this.failoverMs) {
        this.dead.delete(m.id);
        out.push(m.id);
        continue;
      }
      if (!this.dead.has(m.id)) out.push(m.id); // suspected: alive until the probe says otherwise
      if (now - (this.probing.get(m.id) ?? -Infinity) >= PROBE_EVERY_MS) this.probe(m.id, m.address, now);
    }
    return out;
  }

  private probe(id: string, address: string, now: number): void {
    this.probing.set(id, now);
    this.client.get<{ id?: string }>(address, '/health', { timeoutMs: PROBE_TIMEOUT_MS, anonymous: true, lane: 'control' }).then(
      (r) => {
        if (r?.id !== id) {
          this.dead.add(id);
          return this.onDead();
        }
        this.membership.markSeen(id);
        this.dead.delete(id);
      },
      () => {
        if (this.dead.has(id)) return;
        this.dead.add(id);
        this.onDead();
      },
    );
  }
}
