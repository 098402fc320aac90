// A simulated disk holding one node's Raft WAL as checksummed records. Writes land in a
// volatile buffer until sync(); a crash keeps a random prefix of that buffer, and the write
// that was in flight may survive torn (a cut-off line) or as garbage. Recovery replays the
// records, cuts a bad tail, and refuses (as the real WAL must) a bad record before the tail.
import type { Entry, HardState, Snapshot } from '../../server/raft/core/index.ts';
import { fnv1a } from './hash.ts';
import type { Rng } from './rng.ts';

export type DiskRecord =
  | { t: 'snap'; s: Snapshot } // replaces the whole log (a leader's snapshot, or a checkpoint)
  | { t: 'ents'; e: Entry[] } // truncate at e[0].index, then append
  | { t: 'hs'; h: HardState };

export interface Recovered {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
  /** Records cut from the tail as torn. */
  tornRecords: number;
}

function encode(r: DiskRecord): string {
  const body = JSON.stringify(r);
  return `${fnv1a(body).toString(16)}|${body}`;
}

function decode(line: string): DiskRecord | null {
  const bar = line.indexOf('|');
  if (bar < 0) return null;
  const body = line.slice(bar + 1);
  if (fnv1a(body).toString(16) !== line.slice(0, bar)) return null;
  try {
    return JSON.parse(body) as DiskRecord;
  } catch {
    return null;
  }
}

/**
 * Records are kept as objects (entries are immutable, so sharing them is safe) and only a
 * torn write is materialized as bytes: serializing every record would cost more than the
 * whole Raft run, and only the tail can ever be damaged in this model.
 */
type Stored = DiskRecord | string;

export class SimDisk {
  private durable: Stored[] = [];
  private volatile: DiskRecord[] = [];
  writes = 0;
  syncs = 0;
  /** What the durable records amount to, kept up to date for the checker: the snapshot
   *  index and the terms of the durable entries after it. */
  private durSnap = 0;
  private durTerms: number[] = [];

  /** Is entry (index, term) on stable storage (or folded into the durable snapshot)? */
  durableHas(index: number, term: number): boolean {
    if (index <= this.durSnap) return true;
    return this.durTerms[index - this.durSnap - 1] === term;
  }

  private noteDurable(r: DiskRecord): void {
    if (r.t === 'snap') {
      this.durSnap = r.s.lastIncludedIndex;
      this.durTerms = [];
    } else if (r.t === 'ents') {
      this.durTerms.length = Math.max(0, r.e[0].index - this.durSnap - 1);
      for (const e of r.e) this.durTerms.push(e.term);
    }
  }

  write(r: DiskRecord): void {
    this.volatile.push(r);
    this.writes++;
  }

  sync(): void {
    if (this.volatile.length > 0) {
      for (const r of this.volatile) {
        this.durable.push(r);
        this.noteDurable(r);
      }
      this.volatile = [];
    }
    this.syncs++;
  }

  /** Power loss: unsynced writes vanish except a random prefix; the next one may be torn. */
  crash(rng: Rng): { kept: number; torn: boolean } {
    const v = this.volatile;
    this.volatile = [];
    if (v.length === 0) return { kept: 0, torn: false };
    const kept = rng.int(v.length + 1);
    for (let i = 0; i < kept; i++) {
      this.durable.push(v[i]);
      this.noteDurable(v[i]);
    }
    let torn = false;
    if (kept < v.length && rng.chance(0.6)) {
      torn = true;
      if (rng.chance(0.5)) {
        const line = encode(v[kept]);
        this.durable.push(line.slice(0, rng.int(line.length)));
      } else {
        let g = '';
        const n = rng.range(1, 40);
        for (let i = 0; i < n; i++) g += String.fromCharCode(32 + rng.int(90));
        this.durable.push(g);
      }
    }
    return { kept, torn };
  }

  /** Replay the durable records; a bad record is tolerated (and cut) only at the tail. */
  recover(): Recovered {
    let hardState: HardState = { term: 0, vote: null, commit: 0 };
    let snapshot: Snapshot | null = null;
    let entries: Entry[] = [];
    let tornRecords = 0;
    for (let i = 0; i < this.durable.length; i++) {
      const stored = this.durable[i];
      const r = typeof stored === 'string' ? decode(stored) : stored;
      if (!r) {
        if (i !== this.durable.length - 1) throw new Error(`disk: corrupt record ${i} of ${this.durable.length} before the tail`);
        this.durable.length = i;
        tornRecords = 1;
        break;
      }
      switch (r.t) {
        case 'snap':
          snapshot = r.s;
          entries = [];
          break;
        case 'ents': {
          const base = snapshot?.lastIncludedIndex ?? 0;
          const first = r.e[0].index;
          if (first <= base) throw new Error(`disk: entries at ${first} below snapshot ${base}`);
          if (first > base + entries.length + 1) throw new Error(`disk: gap before entry ${first}`);
          entries.length = first - base - 1;
          for (const e of r.e) entries.push(e);
          break;
        }
        case 'hs':
          hardState = { ...r.h };
          break;
      }
    }
    return { hardState, snapshot, entries, tornRecords };
  }

  /**
   * Atomic rewrite after an application snapshot (the real driver renames a new snapshot
   * file into place and drops old WAL segments): the log becomes snapshot + later entries.
   * Only called with nothing unsynced.
   */
  checkpoint(s: Snapshot): void {
    if (this.volatile.length > 0) throw new Error('disk: checkpoint with unsynced writes');
    const cur = this.recover();
    const keep = cur.entries.filter((e) => e.index > s.lastIncludedIndex);
    this.durable = [{ t: 'snap', s }];
    if (keep.length > 0) this.durable.push({ t: 'ents', e: keep });
    this.durable.push({ t: 'hs', h: cur.hardState });
    this.durTerms = this.durTerms.slice(Math.max(0, s.lastIncludedIndex - this.durSnap));
    this.durSnap = s.lastIncludedIndex;
  }

  get records(): number {
    return this.durable.length;
  }
}
