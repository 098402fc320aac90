// Durable Raft state for one node: a segmented WAL of entries, the hard state's term and
// vote in their own atomic file, and the latest snapshot in another. The driver calls
// save() once per Ready; save() keeps the documented order of duties (storage.md).
import { join } from 'node:path';
import type { Entry, HardState, Snapshot } from '../raft/core/types.ts';
import { readJsonFile, removeTempFiles, writeFileAtomic } from './atomic-file.ts';
import { CorruptionError, StorageFailedError } from './errors.ts';
import { fsyncDir, isErrno, mkdirDurable, nodeIo, type FileIo } from './fd-io.ts';
import { encodeRecord } from './record-codec.ts';
import { RecordWriter, readRecordFile } from './record-file.ts';
import { LogReplay, WAL_VERSION, parseWalRecord, type WalRecord } from './wal-replay.ts';
import { listSegments, segmentFileName } from './wal-segments.ts';

export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
const HARD_STATE_FILE = 'hardstate.json';
const SNAPSHOT_FILE = 'snapshot.rec';

export interface RaftStorageOptions {
  /** Roll to a new WAL segment once the current one reaches this size. */
  segmentBytes?: number;
  /** The file system (default node:fs; the simulator passes one that loses unsynced writes). */
  io?: FileIo;
}

export interface RecoveredRaftState {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** Entries after the snapshot, contiguous, overwrites resolved. */
  entries: Entry[];
}

/** What one Ready asks to persist (a Ready itself fits). */
export interface PersistBatch {
  hardState?: HardState | null;
  entries?: readonly Entry[];
  snapshot?: Snapshot | null;
}

interface Segment {
  seq: number;
  path: string;
  /** Highest entry or snapshot-marker index written to it: compactable once covered. */
  maxIndex: number;
}

export class RaftStorage {
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private deferredCommit: number | null = null;
  /** Newest snapshot index accepted by a call (checked synchronously, before queueing). */
  private newestSnapshot: number;
  /** Upper bound of the last entry index once queued saves land; a batch may not skip past it. */
  private lastIndex: number;

  private constructor(
    readonly dir: string,
    readonly recovered: RecoveredRaftState,
    private segments: Segment[],
    private writer: RecordWriter,
    private persisted: HardState,
    private snapshotIndex: number,
    private readonly segmentBytes: number,
    private readonly io: FileIo,
  ) {
    this.newestSnapshot = snapshotIndex;
    this.lastIndex = recovered.entries.at(-1)?.index ?? snapshotIndex;
  }

  static async open(dir: string, opts: RaftStorageOptions = {}): Promise<RaftStorage> {
    const io = opts.io ?? nodeIo;
    const walDir = join(dir, 'wal');
    await mkdirDurable(walDir, 0o700, io);
    await removeTempFiles(dir, io);
    const hardState = parseHardState(await readJsonFile(join(dir, HARD_STATE_FILE), io), join(dir, HARD_STATE_FILE));
    const snapshot = await readSnapshot(join(dir, SNAPSHOT_FILE), io);

    const replay = new LogReplay();
    const segments: Segment[] = [];
    const files = await listSegments(walDir, io);
    let lastSize = 0;
    for (const [i, file] of files.entries()) {
      const final = i === files.length - 1;
      const { values, offsets, size } = await readRecordFile(file.path, final, io);
      const segment: Segment = { seq: file.seq, path: file.path, maxIndex: 0 };
      values.forEach((value, k) => {
        const rec = parseWalRecord(value, file.path, offsets[k]);
        if ((k === 0) !== ('h' in rec) || ('h' in rec && rec.h.seq !== file.seq)) {
          throw new CorruptionError(file.path, offsets[k], 'bad or misplaced segment header');
        }
        replay.apply(rec, file.path, offsets[k]);
        segment.maxIndex = Math.max(segment.maxIndex, indexOf(rec));
      });
      segments.push(segment);
      lastSize = size;
    }
    const markerMissing = snapshot !== null && !replay.agrees(snapshot);
    const { entries, commit } = replay.finish(snapshot, walDir);
    const persisted = { ...hardState, commit: Math.max(hardState.commit, commit) };
    const snapIndex = snapshot?.lastIncludedIndex ?? 0;
    // Entries are durable before term and vote (order of duties), so a crash in between
    // can leave a log entry newer than the stored term. No message of that Ready was sent:
    // take the entry's term with no vote, as if the lost vote had never been cast.
    const lastTerm = entries.at(-1)?.term ?? snapshot?.lastIncludedTerm ?? 0;
    if (lastTerm > persisted.term) Object.assign(persisted, { term: lastTerm, vote: null });

    let writer: RecordWriter;
    const last = segments.at(-1);
    if (last) {
      writer = await RecordWriter.open(last.path, { size: lastSize, dsync: true, io });
      if (lastSize === 0) writer.append([header(last.seq)]); // created, then crashed before its first write
    } else {
      const nextIndex = Math.max(replay.lastIndex, snapIndex) + 1;
      writer = await createSegment(walDir, 1, nextIndex, io);
      segments.push({ seq: 1, path: writer.path, maxIndex: 0 });
      await writer.flush(true);
    }
    if (markerMissing) {
      // Record the adopted snapshot before any append lands after the superseded tail.
      writer.append([{ s: { index: snapIndex, term: snapshot.lastIncludedTerm } } satisfies WalRecord]);
      await writer.flush(true);
      const seg = segments[segments.length - 1];
      seg.maxIndex = Math.max(seg.maxIndex, snapIndex);
    }
    const recovered = { hardState: persisted, snapshot, entries };
    return new RaftStorage(dir, recovered, segments, writer, { ...persisted }, snapIndex, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES, io);
  }

  /**
   * Persist one Ready: snapshot file first, then the snapshot marker, entries and commit
   * in one WAL write (durable when `sync`), then term and vote if they changed. Resolves
   * once all of it is on disk; only then may the driver send the Ready's messages.
   */
  save(batch: PersistBatch, sync: boolean): Promise<void> {
    const entries = batch.entries ?? [];
    const snapshot = batch.snapshot ?? null;
    const hs = batch.hardState ?? null;
    // Refuse what recovery would later call corruption (a hole), before anything is written.
    const snapIndex = snapshot?.lastIncludedIndex ?? 0;
    if (entries.length > 0 && entries[0].index > Math.max(this.lastIndex, snapIndex) + 1) {
      return Promise.reject(new Error(`save: entry ${entries[0].index} would leave a hole after ${this.lastIndex}`));
    }
    for (let i = 1; i < entries.length; i++) {
      if (entries[i].index !== entries[i - 1].index + 1) return Promise.reject(new Error('save: entries must be contiguous'));
    }
    if (snapshot) {
      const refused = this.acceptSnapshot(snapshot);
      if (refused) return Promise.reject(refused);
      this.lastIndex = Math.max(this.lastIndex, snapIndex);
    }
    if (entries.length > 0) this.lastIndex = entries[entries.length - 1].index;
    return this.run(async () => {
      const records: WalRecord[] = [];
      if (snapshot) {
        await this.writeSnapshot(snapshot);
        records.push({ s: { index: snapshot.lastIncludedIndex, term: snapshot.lastIncludedTerm } });
      }
      for (const e of entries) records.push({ e });
      if (hs && hs.commit > this.persisted.commit) {
        this.persisted.commit = hs.commit;
        this.deferredCommit = hs.commit;
      }
      // A commit-only change needs no disk write of its own: Raft learns the commit index
      // again from the leader, so it rides with the next write that happens anyway.
      if (records.length > 0 || sync) await this.appendWal(records, sync);
      if (hs && (hs.term !== this.persisted.term || hs.vote !== this.persisted.vote)) {
        this.persisted = { ...hs, commit: this.persisted.commit };
        await writeFileAtomic(join(this.dir, HARD_STATE_FILE), JSON.stringify(this.persisted), 0o600, this.io);
      }
    });
  }

  /** Store a snapshot the node took itself; its log suffix stays. Then call compact(). */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    const refused = this.acceptSnapshot(snapshot);
    if (refused) return Promise.reject(refused);
    return this.run(() => this.writeSnapshot(snapshot));
  }

  /**
   * Delete the oldest WAL segments whose every entry is covered by the snapshot on disk
   * (never the segment being written). Returns how many were deleted.
   */
  compact(snapshotIndex: number): Promise<number> {
    return this.run(async () => {
      const limit = Math.min(snapshotIndex, this.snapshotIndex);
      let n = 0;
      while (n < this.segments.length - 1 && this.segments[n].maxIndex <= limit) n++;
      // Oldest first, so a crash midway still leaves a contiguous run of segments.
      for (const seg of this.segments.slice(0, n)) await this.io.unlink(seg.path);
      if (n > 0) await fsyncDir(join(this.dir, 'wal'), this.io);
      this.segments = this.segments.slice(n);
      return n;
    });
  }

  stats(): { segments: number; walBytes: number; snapshotIndex: number } {
    return { segments: this.segments.length, walBytes: this.writer.size, snapshotIndex: this.snapshotIndex };
  }

  /** Write out a deferred commit and close the WAL (the fd is closed even after a failure). */
  close(): Promise<void> {
    return this.queue.then(async () => {
      if (this.failure === null && this.deferredCommit !== null) this.writer.append([{ c: this.deferredCommit }]);
      await this.writer.close();
    });
  }

  /** A snapshot never replaces a newer one; returns the refusal, if any. */
  private acceptSnapshot(snapshot: Snapshot): Error | null {
    const index = snapshot.lastIncludedIndex;
    if (index < this.newestSnapshot) {
      return new Error(`snapshot at ${index} is older than the stored one at ${this.newestSnapshot}`);
    }
    this.newestSnapshot = index;
    return null;
  }

  private async writeSnapshot(snapshot: Snapshot): Promise<void> {
    await writeFileAtomic(join(this.dir, SNAPSHOT_FILE), encodeRecord(snapshot), 0o600, this.io);
    this.snapshotIndex = snapshot.lastIncludedIndex;
  }

  private async appendWal(records: WalRecord[], sync: boolean): Promise<void> {
    const firstEntry = records.find((r): r is { e: Entry } => 'e' in r);
    if (firstEntry && this.writer.size >= this.segmentBytes) await this.roll(firstEntry.e.index);
    if (this.deferredCommit !== null) {
      records.push({ c: this.deferredCommit });
      this.deferredCommit = null;
    }
    this.writer.append(records);
    await this.writer.flush(sync);
    const seg = this.segments[this.segments.length - 1];
    for (const r of records) seg.maxIndex = Math.max(seg.maxIndex, indexOf(r));
  }

  /** Seal the current segment (synced, so only the last one can have a torn tail). */
  private async roll(firstIndex: number): Promise<void> {
    await this.writer.close();
    const seq = this.segments[this.segments.length - 1].seq + 1;
    this.writer = await createSegment(join(this.dir, 'wal'), seq, firstIndex, this.io);
    this.segments.push({ seq, path: this.writer.path, maxIndex: 0 });
  }

  /** Serialise jobs; after any failure the store refuses work (see StorageFailedError). */
  private run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.failure !== null) throw this.failure;
      return job();
    });
    this.queue = result.then(
      () => undefined,
      (err: unknown) => {
        this.failure ??= err instanceof StorageFailedError ? err : new StorageFailedError(`Raft storage in ${this.dir}`, err);
      },
    );
    return result;
  }
}

function header(seq: number): WalRecord {
  return { h: { v: WAL_VERSION, seq } };
}

function indexOf(rec: WalRecord): number {
  if ('e' in rec) return rec.e.index;
  if ('s' in rec) return rec.s.index;
  return 0;
}

/** Create an empty segment with its header buffered; the directory entry is made durable. */
async function createSegment(walDir: string, seq: number, firstIndex: number, io: FileIo): Promise<RecordWriter> {
  const writer = await RecordWriter.open(join(walDir, segmentFileName(seq, firstIndex)), {
    size: 0,
    create: true,
    dsync: true,
    io,
  });
  await fsyncDir(walDir, io);
  writer.append([header(seq)]);
  return writer;
}

function parseHardState(value: unknown, file: string): HardState {
  if (value === undefined) return { term: 0, vote: null, commit: 0 };
  const hs = value as Partial<HardState> | null;
  const ok =
    hs !== null &&
    Number.isSafeInteger(hs.term) &&
    Number.isSafeInteger(hs.commit) &&
    (hs.vote === null || typeof hs.vote === 'string');
  if (!ok) throw new CorruptionError(file, 0, 'not a hard state {term, vote, commit}');
  return { term: hs.term as number, vote: hs.vote as string | null, commit: hs.commit as number };
}

async function readSnapshot(path: string, io: FileIo): Promise<Snapshot | null> {
  let values: unknown[];
  try {
    ({ values } = await readRecordFile(path, false, io));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  const s = values[0] as Partial<Snapshot> | undefined;
  const ok =
    values.length === 1 &&
    s !== undefined &&
    Number.isSafeInteger(s.lastIncludedIndex) &&
    Number.isSafeInteger(s.lastIncludedTerm) &&
    Array.isArray(s.config?.voters) &&
    Array.isArray(s.config?.learners);
  if (!ok) throw new CorruptionError(path, 0, 'not a snapshot record');
  return s as Snapshot;
}
