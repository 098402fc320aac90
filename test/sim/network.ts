// The simulated network: every message gets a random delay (so messages reorder), may be
// lost or duplicated, and is dropped when its link is cut. Cuts are directed, so one-way
// partitions are expressible. Delivery is scheduled on the simulator's clock.
import type { NodeId, RaftMessage } from '../../server/raft/core/index.ts';

/** What the network needs of a message: its link. */
export interface Addressed {
  from: NodeId;
  to: NodeId;
}
import type { Rng } from './rng.ts';

export interface NetProfile {
  /** Probability a message is lost. */
  loss: number;
  /** Probability a message is delivered twice. */
  dup: number;
  /** Delay range in ms. */
  minDelay: number;
  maxDelay: number;
  /** Probability of a 10x delay (heavy reordering). */
  slow: number;
}

export const CALM: NetProfile = { loss: 0, dup: 0, minDelay: 0.05, maxDelay: 1, slow: 0 };

export class Network<M extends Addressed = RaftMessage> {
  profile: NetProfile;
  private cut = new Set<string>();
  readonly stats = { sent: 0, delivered: 0, lost: 0, cut: 0, duplicated: 0 };

  constructor(
    private readonly rng: Rng,
    profile: NetProfile,
    private readonly schedule: (at: number, m: M) => void,
  ) {
    this.profile = profile;
  }

  send(m: M, now: number): void {
    this.stats.sent++;
    if (this.cut.has(`${m.from}>${m.to}`)) {
      this.stats.cut++;
      return;
    }
    if (this.rng.chance(this.profile.loss)) {
      this.stats.lost++;
      return;
    }
    this.schedule(now + this.delay(), m);
    if (this.rng.chance(this.profile.dup)) {
      this.stats.duplicated++;
      this.schedule(now + this.delay(), m);
    }
  }

  private delay(): number {
    const p = this.profile;
    const d = p.minDelay + this.rng.next() * (p.maxDelay - p.minDelay);
    return this.rng.chance(p.slow) ? d * 10 : d;
  }

  /** Is the directed link currently open? Checked again at delivery time too. */
  open(from: NodeId, to: NodeId): boolean {
    return !this.cut.has(`${from}>${to}`);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  /** Two groups that cannot talk to each other. */
  split(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cut.add(`${x}>${y}`);
        this.cut.add(`${y}>${x}`);
      }
    }
  }

  isolate(id: NodeId, all: readonly NodeId[]): void {
    this.split([id], all.filter((x) => x !== id));
  }

  heal(): void {
    this.cut.clear();
  }

  describeCuts(): string {
    return [...this.cut].sort().join(',');
  }
}
