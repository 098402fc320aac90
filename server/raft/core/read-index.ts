// ReadIndex bookkeeping for a leader (Raft thesis §6.4, etcd's readOnly): which reads wait
// for the leader's first commit of its term, which wait for a heartbeat round, and which
// round each peer has answered. Rounds are numbered for the node's whole life (never
// reused across terms), so an answer can only confirm a round it was sent in.
import type { NodeId } from './types.ts';

interface QueuedRead {
  ctx: number;
  index: number;
  round: number;
}

/** Most reads a leader holds at once; beyond that readIndex() refuses (back-pressure). */
export const MAX_PENDING_READS = 10_000;

export class ReadIndexTracker {
  /** Reads asked before the leader committed an entry of its term: no index yet. */
  private waitingCommit: number[] = [];
  /** Reads with their index, in order, each tagged with the round that confirms it. */
  private queued: QueuedRead[] = [];
  /** Last round started. */
  round = 0;
  /** Last round a majority answered (this leadership). */
  private confirmed = 0;
  /** The round in flight has left the core (a Ready carried its messages). */
  private sent = false;
  /** Highest round each peer answered (this leadership). */
  private readonly acks = new Map<NodeId, number>();

  get pending(): number {
    return this.waitingCommit.length + this.queued.length;
  }

  /** A round is out and not yet confirmed: appends sent now carry its number. */
  inFlight(): boolean {
    return this.round > this.confirmed;
  }

  /** A new leadership: nothing confirmed carries over. */
  reset(): void {
    this.waitingCommit = [];
    this.queued = [];
    this.confirmed = this.round;
    this.acks.clear();
  }

  waitForCommit(ctx: number): void {
    this.waitingCommit.push(ctx);
  }

  /** Reads waiting for the term's first commit, now to be queued with an index. */
  takeWaitingCommit(): number[] {
    const w = this.waitingCommit;
    this.waitingCommit = [];
    return w;
  }

  /**
   * Queue a read at `index`. Returns true when a new round must start now (none is in
   * flight). A read joins the round in flight while its messages have not left yet (they
   * leave after the read was asked); otherwise the next round, which every read arriving
   * meanwhile shares.
   */
  enqueue(ctx: number, index: number): boolean {
    const start = !this.inFlight();
    if (start) {
      this.round++;
      this.sent = false;
    }
    this.queued.push({ ctx, index, round: this.sent ? this.round + 1 : this.round });
    return start;
  }

  /** A Ready handed out the messages produced so far, the round's included. */
  handedOut(): void {
    if (this.inFlight()) this.sent = true;
  }

  /** A peer answered an append sent in `round`. */
  ack(from: NodeId, round: number): void {
    if (round > (this.acks.get(from) ?? 0)) this.acks.set(from, round);
  }

  /** Highest round `id` answered (the leader itself answers every round). */
  acked(id: NodeId): number {
    return this.acks.get(id) ?? 0;
  }

  /**
   * The round in flight was confirmed by a majority: the reads it covers, and whether a
   * next round must start for reads that arrived while it was out.
   */
  confirm(): { served: { ctx: number; index: number }[]; again: boolean } {
    this.confirmed = this.round;
    const k = this.queued.findIndex((r) => r.round > this.round);
    const served = (k < 0 ? this.queued.splice(0) : this.queued.splice(0, k)).map(({ ctx, index }) => ({ ctx, index }));
    const again = this.queued.length > 0;
    if (again) {
      this.round++;
      this.sent = false;
    }
    return { served, again };
  }

  /** Leadership lost: every pending read fails. */
  abortAll(): number[] {
    const out = [...this.waitingCommit, ...this.queued.map((r) => r.ctx)];
    this.reset();
    return out;
  }
}
