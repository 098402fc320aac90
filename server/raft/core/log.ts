// The in-memory Raft log: a snapshot offset plus the entries after it. Entries up to
// `stable` are on the driver's disk; the rest are "unstable" and go into the next Ready.
// Indices are 1-based; index `snapIndex` is the last one folded into the snapshot (0 and
// term 0 when there is none). Every operation is O(1) or O(entries touched), never O(log).
import type { Entry, Snapshot } from './types.ts';

export class RaftLog {
  private snapIndex = 0;
  private snapTerm = 0;
  private ents: Entry[] = [];
  /** The newest snapshot held, kept to send to followers that fell behind the log. */
  snapshot: Snapshot | null = null;
  /** A snapshot received from a leader that the driver has not persisted yet. */
  pendingSnapshot: Snapshot | null = null;
  /** Last index the driver confirmed durable (through advance()). */
  stable = 0;
  committed = 0;
  applied = 0;

  /** Restart from storage: the snapshot the driver loaded (already durable). */
  loadSnapshot(s: Snapshot): void {
    this.snapIndex = s.lastIncludedIndex;
    this.snapTerm = s.lastIncludedTerm;
    this.snapshot = s;
    this.ents = [];
    this.stable = this.committed = this.applied = s.lastIncludedIndex;
  }

  /** Restart from storage: the durable entries after the snapshot. */
  loadEntries(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.index <= this.snapIndex) continue;
      if (e.index !== this.lastIndex() + 1) {
        throw new Error(`raft log: stored entries not contiguous at ${e.index} (last ${this.lastIndex()})`);
      }
      this.ents.push(e);
    }
    this.stable = this.lastIndex();
  }

  firstIndex(): number {
    return this.snapIndex + 1;
  }
  lastIndex(): number {
    return this.snapIndex + this.ents.length;
  }
  lastTerm(): number {
    return this.ents.length > 0 ? this.ents[this.ents.length - 1].term : this.snapTerm;
  }
  snapshotIndex(): number {
    return this.snapIndex;
  }
  snapshotTerm(): number {
    return this.snapTerm;
  }

  /** Term of the entry at `i`; undefined when compacted away or beyond the end. */
  term(i: number): number | undefined {
    if (i === this.snapIndex) return this.snapTerm;
    if (i < this.snapIndex || i > this.lastIndex()) return undefined;
    return this.ents[i - this.snapIndex - 1].term;
  }

  entry(i: number): Entry | undefined {
    if (i <= this.snapIndex || i > this.lastIndex()) return undefined;
    return this.ents[i - this.snapIndex - 1];
  }

  /** Entries with index in [lo, hi); lo must be past the snapshot. */
  slice(lo: number, hi: number): Entry[] {
    if (lo <= this.snapIndex) throw new Error(`raft log: slice from ${lo} is compacted (snapshot ${this.snapIndex})`);
    hi = Math.min(hi, this.lastIndex() + 1);
    if (hi <= lo) return [];
    return this.ents.slice(lo - this.snapIndex - 1, hi - this.snapIndex - 1);
  }

  /** Raft §5.4.1: is a log ending at (index, term) at least as up to date as ours? */
  isUpToDate(index: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /**
   * Appends entries that start at most one past the end; an entry that overlaps the log
   * truncates it from there first. Returns the truncation index, or 0 when none.
   */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return 0;
    const first = entries[0].index;
    if (first <= this.snapIndex || first > this.lastIndex() + 1) {
      throw new Error(`raft log: append at ${first} outside (${this.snapIndex}, ${this.lastIndex() + 1}]`);
    }
    let truncated = 0;
    if (first <= this.lastIndex()) {
      if (first <= this.committed) throw new Error(`raft log: truncating committed entry ${first} (commit ${this.committed})`);
      this.ents.length = first - this.snapIndex - 1;
      this.stable = Math.min(this.stable, first - 1);
      truncated = first;
    }
    for (const e of entries) this.ents.push(e);
    return truncated;
  }

  /**
   * First index of `entries` that the log lacks or holds with another term (0 when the
   * log already holds them all). Entries at or below the snapshot are taken as matching:
   * they were committed.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) {
      if (e.index <= this.snapIndex) continue;
      if (this.term(e.index) !== e.term) return e.index;
    }
    return 0;
  }

  /**
   * Where a leader should retry after our log failed its check at `prev`: one past our
   * end, or the first index of our conflicting term (so a whole term is skipped per round
   * trip), never at or below our commit index (committed entries always match).
   */
  conflictHint(prev: number): number {
    if (prev > this.lastIndex()) return this.lastIndex() + 1;
    const t = this.term(prev) ?? 0;
    // Terms are non-decreasing along the log: binary search the first entry of term >= t.
    let lo = Math.max(this.committed + 1, this.snapIndex + 1);
    let hi = prev;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.term(mid) ?? 0) >= t) hi = mid;
      else lo = mid + 1;
    }
    return Math.max(lo, this.committed + 1);
  }

  commitTo(i: number): boolean {
    if (i <= this.committed) return false;
    if (i > this.lastIndex()) throw new Error(`raft log: commit ${i} beyond last index ${this.lastIndex()}`);
    this.committed = i;
    return true;
  }

  /** Entries not yet handed to the driver for persistence. */
  unstableEntries(): Entry[] {
    const from = Math.max(this.stable, this.snapIndex) + 1;
    return from <= this.lastIndex() ? this.slice(from, this.lastIndex() + 1) : [];
  }

  /** The driver persisted `entries`: the longest prefix still in our log becomes stable. */
  stableTo(entries: readonly Entry[]): void {
    for (let k = entries.length - 1; k >= 0; k--) {
      const e = entries[k];
      if (this.term(e.index) === e.term) {
        if (e.index > this.stable) this.stable = e.index;
        return;
      }
    }
  }

  /** Committed entries not yet applied (nor covered by a pending snapshot), at most `max`. */
  nextCommitted(max: number): Entry[] {
    const from = Math.max(this.applied, this.pendingSnapshot?.lastIncludedIndex ?? 0, this.snapIndex) + 1;
    const to = Math.min(this.committed, this.lastIndex(), from + max - 1);
    return to >= from ? this.slice(from, to + 1) : [];
  }

  /** Replace the whole log by a leader's snapshot (our log did not contain its last entry). */
  restore(s: Snapshot): void {
    this.snapIndex = s.lastIncludedIndex;
    this.snapTerm = s.lastIncludedTerm;
    this.ents = [];
    this.snapshot = s;
    this.pendingSnapshot = s;
    this.committed = s.lastIncludedIndex;
    // Everything after the snapshot is to be written after it, so nothing beyond is stable.
    this.stable = s.lastIncludedIndex;
  }

  /** The driver persisted `s` and loaded it into the state machine. */
  snapshotPersisted(s: Snapshot): void {
    if (this.pendingSnapshot !== s) return;
    this.pendingSnapshot = null;
    if (s.lastIncludedIndex > this.applied) this.applied = s.lastIncludedIndex;
  }

  /** Fold entries up to `index` into `s` (an application snapshot at `index`). */
  compact(index: number, s: Snapshot): void {
    if (index <= this.snapIndex) return;
    if (index > this.applied) throw new Error(`raft log: compact ${index} beyond applied ${this.applied}`);
    const t = this.term(index);
    if (t === undefined) throw new Error(`raft log: compact ${index} not in log`);
    this.ents.splice(0, index - this.snapIndex);
    this.snapIndex = index;
    this.snapTerm = t;
    this.snapshot = s;
  }
}
