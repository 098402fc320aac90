// Bounded memory for records that are only kept for late readers and retried commands
// (finished matches, closed trades, a player's purchases). Each kind sits in an age queue
// ordered by the log index that closed it; when a queue holds more than its limit, its
// oldest index groups go, whole.
//
// Whole groups, and never the newest one, so the retained set is a function of the records
// alone — "the longest run of newest index groups that fits the limit, or at least the
// newest group" — and not of the order in which several records of one index (a BATCH
// entry) were pushed. Snapshots therefore need not store the queues: a loaded state
// rebuilds them by sorting on the index and trims them the same way (see snapshot.ts),
// and a node that loads an older snapshot ends up with exactly the state of one that
// applied the entries with this code.

/** Finished matches kept in `matches` (their results live on in players and history). */
export const FINISHED_MATCHES_KEPT = 1024;
/** Closed trade offers and completed trades kept for retries and TRADE/offer look-ups. */
export const CLOSED_TRADES_KEPT = 4096;
/** Purchases kept per player for requestId de-duplication (BUY_PACK retries). */
export const PURCHASES_KEPT_PER_PLAYER = 32;

export class AgeQueue {
  private ids: string[] = [];
  private ats: number[] = [];
  private head = 0;

  get size(): number {
    return this.ids.length - this.head;
  }

  /** Appends a record closed at `at` (callers push in log order). */
  push(id: string, at: number): void {
    this.ids.push(id);
    this.ats.push(at);
  }

  /** Ids from oldest to newest. */
  *values(): IterableIterator<string> {
    for (let i = this.head; i < this.ids.length; i++) yield this.ids[i];
  }

  /** Drops whole oldest index groups while more than `limit` remain, never the newest group. */
  trim(limit: number, drop: (id: string) => void): void {
    const newest = this.ats[this.ats.length - 1];
    while (this.size > limit && this.ats[this.head] !== newest) {
      const at = this.ats[this.head];
      while (this.head < this.ids.length && this.ats[this.head] === at) drop(this.ids[this.head++]);
    }
    if (this.head > 16 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.ats = this.ats.slice(this.head);
      this.head = 0;
    }
  }

  /** Whether every record left shares one index (the newest group, kept whatever its size). */
  oneGroup(): boolean {
    return this.size === 0 || this.ats[this.head] === this.ats[this.ats.length - 1];
  }

  /** A queue of `records` sorted by their index (stable: ties keep the given order). */
  static of(records: Iterable<{ id: string; at: number }>): AgeQueue {
    const q = new AgeQueue();
    for (const r of [...records].sort((a, b) => a.at - b.at)) q.push(r.id, r.at);
    return q;
  }
}
