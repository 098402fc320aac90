// WAL record kinds and the pure replay that turns them back into a Raft log.
import type { Entry, SnapshotMeta } from '../raft/core/types.ts';
import { CorruptionError } from './errors.ts';

export const WAL_VERSION = 1;

export type WalRecord =
  /** First record of every segment. */
  | { h: { v: number; seq: number } }
  | { e: Entry }
  /** Commit index; rides along with entries, never needs a sync of its own. */
  | { c: number }
  /** A snapshot installed from the leader (its file is already durable). */
  | { s: { index: number; term: number } };

const isIndex = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

export function parseWalRecord(value: unknown, file: string, offset: number): WalRecord {
  const r = value as Record<string, unknown> | null;
  if (r !== null && typeof r === 'object') {
    const e = r.e as Entry | undefined;
    if (e && isIndex(e.index) && e.index > 0 && isIndex(e.term) && typeof e.kind === 'string') return { e };
    if (isIndex(r.c)) return { c: r.c };
    const s = r.s as { index: unknown; term: unknown } | undefined;
    if (s && isIndex(s.index) && isIndex(s.term)) return { s: { index: s.index, term: s.term } };
    const h = r.h as { v: unknown; seq: unknown } | undefined;
    if (h && h.v === WAL_VERSION && isIndex(h.seq)) return { h: { v: h.v, seq: h.seq } };
  }
  throw new CorruptionError(file, offset, 'unknown WAL record');
}

/**
 * Rebuilds the log from records in write order with etcd's WAL semantics: an entry whose
 * index is not past the end overwrites that index and drops every entry after it.
 */
export class LogReplay {
  private entries: Entry[] = [];
  /** Index just before entries[0]; null until the first entry or snapshot marker. */
  private base: number | null = null;
  private commit = 0;

  get lastIndex(): number {
    return (this.base ?? 0) + this.entries.length;
  }

  apply(rec: WalRecord, file: string, offset: number): void {
    if ('e' in rec) this.append(rec.e, file, offset);
    else if ('c' in rec) this.commit = Math.max(this.commit, rec.c);
    else if ('s' in rec) this.installSnapshot(rec.s.index, rec.s.term);
  }

  private append(e: Entry, file: string, offset: number): void {
    if (this.base === null || e.index <= this.base) {
      this.entries = [e];
      this.base = e.index - 1;
      return;
    }
    const last = this.base + this.entries.length;
    if (e.index > last + 1) {
      throw new CorruptionError(file, offset, `entry ${e.index} follows entry ${last}: the log has a hole`);
    }
    this.entries.length = e.index - this.base - 1;
    this.entries.push(e);
  }

  /**
   * Raft Fig. 13 rules 6–7: keep the entries after the snapshot if the log holds the
   * snapshot's last entry with the same term; otherwise the whole log is superseded.
   */
  private installSnapshot(index: number, term: number): void {
    if (this.base !== null && index <= this.base) return; // already compacted past it
    if (this.termAt(index) === term) {
      this.entries = this.entries.slice(index - (this.base ?? 0));
    } else {
      this.entries = [];
    }
    this.base = index;
  }

  /**
   * Does the WAL itself record the snapshot (a marker, or the snapshot's last entry)? If not
   * (the node crashed after the snapshot file was durable, before its marker reached the
   * WAL), finish() adopts the snapshot anyway, and the WAL needs the marker before anything
   * is appended after it: otherwise the next replay sees a hole.
   */
  agrees(snapshot: SnapshotMeta): boolean {
    const index = snapshot.lastIncludedIndex;
    return (this.base !== null && index <= this.base) || this.termAt(index) === snapshot.lastIncludedTerm;
  }

  private termAt(index: number): number | undefined {
    if (this.base === null || index <= this.base) return undefined;
    return this.entries[index - this.base - 1]?.term;
  }

  /**
   * Drop what the snapshot covers. A snapshot whose marker never reached the WAL (crash
   * between the two writes) is treated as installed, so a stale suffix cannot survive.
   */
  finish(snapshot: SnapshotMeta | null, walDir: string): { entries: Entry[]; commit: number } {
    const snapIndex = snapshot?.lastIncludedIndex ?? 0;
    if (snapshot) this.installSnapshot(snapIndex, snapshot.lastIncludedTerm);
    const first = this.entries[0]?.index;
    if (first !== undefined && first !== snapIndex + 1) {
      const reason = `the WAL starts at entry ${first} but the snapshot ends at ${snapIndex}`;
      throw new CorruptionError(walDir, 0, reason);
    }
    return { entries: this.entries, commit: Math.max(this.commit, snapIndex) };
  }
}
