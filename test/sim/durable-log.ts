// What a node's Raft log would be after a crash right now, read from the durable state of
// its simulated file system (not from what the driver believes): the durable snapshot file
// and the durable WAL segments, replayed with the WAL's rules. The checker's commitment
// property asks it whether a voter holds an entry durably. Incremental: segments are
// append-only between crashes, so only new durable bytes are decoded.
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { HEADER_BYTES, decodeRecords } from '../../server/storage/record-codec.ts';
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
  private listedFrom: Map<string, unknown> | null = null;
  private listed: SimFile[] = [];
  private readonly walDir: string;
  private readonly snapPath: string;

  constructor(
    private readonly fs: SimFs,
    dir: string,
  ) {
    this.walDir = join(dir, 'wal');
    this.snapPath = join(dir, 'snapshot.rec');
  }

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
    const files = this.segmentFiles();
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
          d.bytes += scanWal(f.buf.subarray(d.bytes, f.size), d.records);
        } catch {
          this.broken = true; // recovery would refuse this disk; the node will say so at start
        }
      }
      for (; d.done < d.records.length; d.done++) this.replay(d.records[d.done]);
    }
  }

  /** The durable WAL segments in order (the listing changes only when the directory syncs). */
  private segmentFiles(): SimFile[] {
    const wal = this.fs.durableLookup(this.walDir);
    if (wal?.kind !== 'dir') return [];
    if (wal.durable === this.listedFrom) return this.listed;
    const files: SimFile[] = [];
    for (const n of [...wal.durable.keys()].filter((k) => SEGMENT.test(k)).sort()) {
      const f = wal.durable.get(n)!;
      if (f.kind === 'file') files.push(f);
    }
    this.listedFrom = wal.durable;
    this.listed = files;
    return files;
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
    const n = this.fs.durableLookup(this.snapPath);
    if (!n || n.kind !== 'file') {
      this.snapFile = null;
      this.snapIndex = this.snapTerm = 0;
      return;
    }
    if (n === this.snapFile && n.durable.size === this.snapBytes) return;
    this.snapFile = n;
    this.snapBytes = n.durable.size;
    const head = snapshotHead(n.durable.buf.subarray(0, n.durable.size));
    if (head) {
      this.snapIndex = head.index;
      this.snapTerm = head.term;
      return;
    }
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

const SNAPSHOT_HEAD = /^\{"lastIncludedIndex":(\d+),"lastIncludedTerm":(\d+),/;

/**
 * A snapshot file's index and term without parsing the state it holds (the checker asks
 * after every new snapshot): one whole, checksummed record whose JSON starts with those two
 * fields, as RaftStorage writes it. null: anything else, for the full decode to judge.
 */
function snapshotHead(bytes: Buffer): { index: number; term: number } | null {
  if (bytes.length < HEADER_BYTES) return null;
  const len = bytes.readUInt32LE(0);
  if (len === 0 || HEADER_BYTES + len !== bytes.length) return null;
  const payload = bytes.subarray(HEADER_BYTES);
  if (crc32(payload) !== bytes.readUInt32LE(4)) return null;
  const m = SNAPSHOT_HEAD.exec(payload.toString('utf8', 0, Math.min(payload.length, 80)));
  return m ? { index: Number(m[1]), term: Number(m[2]) } : null;
}

const ENTRY_HEAD = /^\{"e":\{"term":(\d+),"index":(\d+),/;
const MARKER_HEAD = /^\{"s":\{"index":(\d+),"term":(\d+)\}/;
const OTHER_HEAD = /^\{"[hc]":/;

/**
 * Decode the WAL records in `buf` as decodeRecords would (same torn-tail and corruption
 * rules), keeping only what replay reads: an entry's or a marker's index and term. A whole,
 * checksummed record is read from its first bytes when it starts the way RaftStorage writes
 * it, without parsing the command it carries; anything else goes to decodeRecords.
 * Pushes onto `out`; returns the length of the valid prefix.
 */
function scanWal(buf: Buffer, out: unknown[]): number {
  let off = 0;
  while (off + HEADER_BYTES <= buf.length) {
    const len = buf.readUInt32LE(off);
    const end = off + HEADER_BYTES + len;
    if (len === 0 || end > buf.length) break;
    const payload = buf.subarray(off + HEADER_BYTES, end);
    if (crc32(payload) !== buf.readUInt32LE(off + 4)) break;
    const head = payload.toString('latin1', 0, Math.min(len, 64));
    let m: RegExpExecArray | null;
    if ((m = ENTRY_HEAD.exec(head))) out.push({ e: { term: Number(m[1]), index: Number(m[2]) } });
    else if ((m = MARKER_HEAD.exec(head))) out.push({ s: { index: Number(m[1]), term: Number(m[2]) } });
    else if (!OTHER_HEAD.test(head)) break;
    off = end;
  }
  if (off === buf.length) return off;
  // The rest (a torn tail, corruption or an unexpected record): the codec's own verdict.
  const dec = decodeRecords(Buffer.from(buf.subarray(off)), 'wal', true);
  for (const v of dec.values) out.push(v);
  return off + dec.end;
}
