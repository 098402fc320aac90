// What a node's Raft log would be after a crash right now, read from the durable state of
// its simulated file system (not from what the driver believes): the durable snapshot file
// and the durable WAL segments, replayed with the WAL's rules. The checker's commitment
// property asks it whether a voter holds an entry durably. Incremental: segments are
// append-only between crashes, so only new durable bytes are decoded.
import { join } from 'node:path';
import { decodeRecords } from '../../server/storage/record-codec.ts';
import type { SimFile, SimFs } from './sim-fs.ts';

const SEGMENT = /^(\d{20})-(\d{20})\.wal$/;

interface Decoded {
  file: SimFile;
  rewrites: number;
  bytes: number;
  /** Records of this segment already replayed. */
  done: number;
  records: unknown[];
}

export class DurableLog {
  private version = -1;
  private snapFile: SimFile | null = null;
  private snapBytes = -1;
  private snapIndex = 0;
  private snapTerm = 0;
  private segs: Decoded[] = [];
  /** Replay state: terms of entries base+1, base+2, … (null base: nothing yet). */
  private base: number | null = null;
  private terms: number[] = [];
  private broken = false;

  constructor(
    private readonly fs: SimFs,
    private readonly dir: string,
  ) {}

  /** Is entry (index, term) in the log recovery would rebuild (or under its snapshot)? */
  has(index: number, term: number): boolean {
    this.refresh();
    if (index <= this.snapIndex) return true;
    if (this.broken || this.base === null) return false;
    // As LogReplay.finish: a WAL starting past the snapshot is refused as corruption; a
    // snapshot the log does not match supersedes the whole log.
    if (this.base > this.snapIndex) return false;
    if (this.snapIndex > this.base && this.termAt(this.snapIndex) !== this.snapTerm) return false;
    return this.termAt(index) === term;
  }

  private termAt(i: number): number | undefined {
    if (this.base === null || i <= this.base) return undefined;
    return this.terms[i - this.base - 1];
  }

  private refresh(): void {
    if (this.version === this.fs.durableVersion) return;
    this.version = this.fs.durableVersion;
    this.readSnapshot();
    const wal = this.fs.durableLookup(join(this.dir, 'wal'));
    const files: SimFile[] = [];
    if (wal?.kind === 'dir') {
      const names = [...wal.durable.keys()].filter((n) => SEGMENT.test(n)).sort();
      for (const n of names) {
        const f = wal.durable.get(n)!;
        if (f.kind === 'file') files.push(f);
      }
    }
    // Usually the same segments with more bytes, and maybe new ones. When old segments are
    // gone (compaction) recovery replays only what is left: replay the kept segments again
    // (their decoded records are cached); a rewritten or replaced segment is decoded again.
    let drop = 0;
    while (drop < this.segs.length && !files.includes(this.segs[drop].file)) drop++;
    const rest = this.segs.slice(drop);
    let k = 0;
    while (k < rest.length && files[k] === rest[k].file && rest[k].file.rewrites === rest[k].rewrites) k++;
    const kept = rest.slice(0, k);
    if (drop > 0 || kept.length < this.segs.length) {
      this.segs = kept;
      for (const d of kept) d.done = 0;
      this.base = null;
      this.terms = [];
      this.broken = false;
    }
    for (let i = 0; i < files.length; i++) {
      let d = this.segs[i];
      if (!d) {
        d = { file: files[i], rewrites: files[i].rewrites, bytes: 0, done: 0, records: [] };
        this.segs.push(d);
      }
      const f = d.file.durable;
      if (f.size > d.bytes) {
        try {
          const dec = decodeRecords(Buffer.from(f.buf.subarray(d.bytes, f.size)), 'wal', true);
          for (const v of dec.values) d.records.push(v);
          d.bytes += dec.end;
        } catch {
          this.broken = true; // recovery would refuse this disk; the node will say so at start
        }
      }
      for (; d.done < d.records.length; d.done++) this.replay(d.records[d.done]);
    }
  }

  private replay(v: unknown): void {
    const r = v as { e?: { index: number; term: number }; s?: { index: number; term: number } };
    if (r.e) {
      const { index, term } = r.e;
      if (this.base === null || index <= this.base) {
        this.base = index - 1;
        this.terms = [term];
        return;
      }
      const last = this.base + this.terms.length;
      if (index > last + 1) {
        this.broken = true;
        return;
      }
      this.terms.length = index - this.base - 1;
      this.terms.push(term);
    } else if (r.s) {
      const { index, term } = r.s;
      if (this.base !== null && index <= this.base) return;
      this.terms = this.termAt(index) === term ? this.terms.slice(index - (this.base ?? 0)) : [];
      this.base = index;
    }
  }

  private readSnapshot(): void {
    const n = this.fs.durableLookup(join(this.dir, 'snapshot.rec'));
    if (!n || n.kind !== 'file') {
      this.snapFile = null;
      this.snapIndex = this.snapTerm = 0;
      return;
    }
    if (n === this.snapFile && n.durable.size === this.snapBytes) return;
    this.snapFile = n;
    this.snapBytes = n.durable.size;
    try {
      const { values } = decodeRecords(n.durable.copy(), 'snapshot', false);
      const s = values[0] as { lastIncludedIndex: number; lastIncludedTerm: number } | undefined;
      this.snapIndex = s?.lastIncludedIndex ?? 0;
      this.snapTerm = s?.lastIncludedTerm ?? 0;
    } catch {
      this.snapIndex = this.snapTerm = 0;
    }
  }
}
