// Per-match event logs: `<dir>/<matchId>.log`, one record file per match holding its signed
// events in order — made durable through ONE node-wide journal.
//
// Why a journal: a node holds thousands of live matches (host or shadow), each appending a
// few events a minute. Syncing each match's file costs one fdatasync per file (1–4 ms on a
// busy disk): rounds of hundreds of files took hundreds of ms and replication timed out.
// Instead every append goes, with its match id and its offset in the match's file, into the
// journal (`<dir>/journal-<n>.jnl`), and all appends of a round share one write and one
// fdatasync (group commit): an append resolves once its journal round is durable, whatever
// the number of matches. The match files themselves are written lazily, at checkpoints:
// when the journal segment grows past `journalBytes` (or on close) a new segment starts,
// every match's bytes from the old segments are written to its file and synced (a few
// files at a time), the directory is synced, and only then are the old segments deleted.
// On start, before anything else, the segments left by a crash are replayed into the match
// files (idempotent: each record says where its bytes go) and then deleted.
//
// Journal record: [u32 LE body length][u32 LE crc32(body)][body], body =
//   [u8 op: 1 append, 2 delete, 3 truncate][u8 id length][match id, ascii][f64 LE offset][bytes]
// where bytes are the match-file records (record-codec.ts) to place at `offset` of the
// match's file (append), or the log is cut back to `offset` bytes (truncate: an append that
// was undone, see appendUndoable). A bad record at the very end of the last segment is a torn write and is
// ignored (nothing in it was acknowledged); anywhere else it is corruption: stop, never guess.
import fs from 'node:fs';
import { readFile, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CorruptionError, StorageFailedError } from './errors.ts';
import { O_DSYNC, closeFd, fdatasync, fsyncDir, ftruncate, isErrno, mkdirDurable, openFd, pwriteAll } from './fd-io.ts';
import { decodeRecords, encodeRecords } from './record-codec.ts';
import { readRecordFile } from './record-file.ts';
import { forEachLimited } from './sync-rounds.ts';

export interface StoredEvent {
  eventSeq: number;
}

export interface MatchLogOptions {
  /** Match files open at once (checkpoints, recovery); every other fd is closed. */
  maxOpenFiles?: number;
  /** fdatasyncs of match files in flight at once during a checkpoint. */
  syncConcurrency?: number;
  /** Start a new journal segment (and checkpoint the old ones) past this many bytes. */
  journalBytes?: number;
}

/** Bytes of one append that are in the journal but not yet in the match's file. */
interface Chunk {
  offset: number;
  data: Buffer;
  /** Journal segment it was written to (set once its round is written). */
  seg: number;
}

interface MatchFile {
  readonly id: string;
  readonly path: string;
  /** Logical length (file + chunks), known once the file was recovered in this process. */
  size: number | null;
  chunks: Chunk[];
  /** No longer needed in memory once its chunks are in the file. */
  released: boolean;
  queue: Promise<void>;
  /** Operations queued or running on it: it leaves the map only when none but the caller is. */
  pending: number;
}

interface Round {
  records: Buffer[];
  chunks: Chunk[];
  bytes: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

const MATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SUFFIX = '.log';
const JOURNAL = /^journal-(\d{8,})\.jnl$/;
const OP_APPEND = 1;
const OP_DELETE = 2;
const OP_TRUNCATE = 3;
const HEADER = 8;

const segmentName = (n: number): string => `journal-${String(n).padStart(8, '0')}.jnl`;

function encodeJournal(op: number, id: string, offset: number, data: Buffer | null): Buffer {
  const idLen = Buffer.byteLength(id, 'latin1');
  const bodyLen = 2 + idLen + 8 + (data?.length ?? 0);
  const buf = Buffer.allocUnsafe(HEADER + bodyLen);
  buf.writeUInt32LE(bodyLen, 0);
  buf[HEADER] = op;
  buf[HEADER + 1] = idLen;
  buf.write(id, HEADER + 2, idLen, 'latin1');
  buf.writeDoubleLE(offset, HEADER + 2 + idLen);
  if (data) data.copy(buf, HEADER + 10 + idLen);
  buf.writeUInt32LE(crc32(buf.subarray(HEADER)), 4);
  return buf;
}

interface JournalOp {
  op: number;
  id: string;
  offset: number;
  data: Buffer;
}

function decodeJournal(buf: Buffer, path: string, last: boolean): JournalOp[] {
  const ops: JournalOp[] = [];
  let off = 0;
  while (off < buf.length) {
    let bad: string | null = null;
    const len = buf.length - off >= HEADER ? buf.readUInt32LE(off) : -1;
    if (len < 0) bad = 'short record header';
    else if (len < 10 || len > buf.length - off - HEADER) bad = `record length ${len} does not fit`;
    else if (crc32(buf.subarray(off + HEADER, off + HEADER + len)) !== buf.readUInt32LE(off + 4)) bad = 'checksum mismatch';
    if (bad !== null) {
      // A torn write can only be the last thing in the last segment: nothing valid may follow.
      if (last && !hasValidRecordAfter(buf, off + 1)) return ops;
      throw new CorruptionError(path, off, bad);
    }
    const body = buf.subarray(off + HEADER, off + HEADER + len);
    const idLen = body[1];
    const op = body[0];
    if ((op !== OP_APPEND && op !== OP_DELETE && op !== OP_TRUNCATE) || 2 + idLen + 8 > body.length) throw new CorruptionError(path, off, 'malformed journal record');
    const id = body.toString('latin1', 2, 2 + idLen);
    if (!MATCH_ID.test(id)) throw new CorruptionError(path, off, 'journal record names an invalid match id');
    ops.push({ op, id, offset: body.readDoubleLE(2 + idLen), data: body.subarray(2 + idLen + 8) });
    off += HEADER + len;
  }
  return ops;
}

function hasValidRecordAfter(buf: Buffer, from: number): boolean {
  for (let off = from; off + HEADER < buf.length; off++) {
    const len = buf.readUInt32LE(off);
    if (len < 10 || len > buf.length - off - HEADER) continue;
    if (crc32(buf.subarray(off + HEADER, off + HEADER + len)) === buf.readUInt32LE(off + 4)) return true;
  }
  return false;
}

export class MatchLogStore<E extends StoredEvent = StoredEvent> {
  private readonly files = new Map<string, MatchFile>();
  private readonly maxOpen: number;
  private readonly syncConcurrency: number;
  private readonly journalBytes: number;
  private opened: Promise<void> | null = null;
  /** Match files that existed when the store opened (others start empty without a read). */
  private onDisk = new Set<string>();
  private dirReady: Promise<void> | null = null;
  private failure: Error | null = null;
  // ---- journal ----
  private segment = 0;
  private segFd: number | null = null;
  private segSize = 0;
  /** Segments written and not yet checkpointed (the current one included). */
  private segments: number[] = [];
  private next: Round | null = null;
  private writing = false;
  private checkpointing: Promise<void> | null = null;
  private closed = false;
  private readonly dsync = O_DSYNC !== undefined && process.platform === 'linux';

  constructor(
    readonly dir: string,
    opts: MatchLogOptions = {},
  ) {
    this.maxOpen = Math.max(1, opts.maxOpenFiles ?? 64);
    this.syncConcurrency = Math.max(1, Math.min(this.maxOpen, opts.syncConcurrency ?? 4));
    this.journalBytes = opts.journalBytes ?? 8 * 1024 * 1024;
  }

  /**
   * Append events. Resolves once they are durable (in a journal round shared with every
   * other append made meanwhile). `sync` is kept for callers: appends are always synced.
   */
  async append(matchId: string, events: readonly E[], sync: boolean): Promise<void> {
    if (events.length === 0) {
      this.file(matchId);
      await this.open();
      if (sync) await this.syncAll();
      return;
    }
    await this.appendUndoable(matchId, events).durable;
  }

  /**
   * Append events that may still have to be taken back: `durable` resolves like append();
   * `undo()` (only before any later append to the same match) removes them again — from
   * memory at once and, through a journaled truncate, from the log on disk too. The host
   * writes its own copy of a move while the shadow stores the other one, and takes it back
   * when replication fails (the move was never acknowledged).
   */
  appendUndoable(matchId: string, events: readonly E[]): { durable: Promise<void>; undo: () => Promise<void> } {
    this.file(matchId); // validates the id now
    const data = encodeRecords(events);
    let chunk: Chunk | null = null;
    const durable = (async () => {
      let round!: Promise<void>;
      await this.locked(matchId, async (file) => {
        if (this.failure) throw this.failure;
        if (file.size === null) await this.recoverFile(file);
        const c: Chunk = { offset: file.size!, data, seg: 0 };
        chunk = c;
        file.chunks.push(c);
        file.size! += data.length;
        file.released = false;
        round = this.enqueue(encodeJournal(OP_APPEND, matchId, c.offset, data), c);
      });
      await round;
    })();
    const undo = async (): Promise<void> => {
      await durable.catch(() => undefined);
      const c = chunk as Chunk | null;
      if (!c) return;
      let round: Promise<void> | null = null;
      await this.locked(matchId, async (file) => {
        if (file.size === null) await this.recoverFile(file);
        if (file.size !== c.offset + c.data.length) throw new Error(`cannot undo an append to ${matchId}: the log grew since`);
        const i = file.chunks.indexOf(c);
        if (i >= 0) file.chunks.splice(i, 1);
        else {
          // A checkpoint already moved it into the file: cut the file back too.
          const fd = await openFd(file.path, fs.constants.O_WRONLY);
          try {
            await ftruncate(fd, c.offset);
            await fdatasync(fd);
          } finally {
            await closeFd(fd);
          }
        }
        file.size = c.offset;
        round = this.enqueue(encodeJournal(OP_TRUNCATE, matchId, c.offset, null), null);
      });
      if (round) await round;
    };
    return { durable, undo };
  }

  /** All events of a match in order ([] if it has no log); a torn tail is cut off. */
  async read(matchId: string): Promise<E[]> {
    return this.locked(matchId, async (file) => {
      let values: unknown[] = [];
      let offsets: number[] = [];
      const onFile = file.chunks.length > 0 ? file.chunks[0].offset : file.size;
      // The store knows which match files exist (onDisk): a new match costs no failed open.
      if ((onFile === null || onFile > 0) && !this.onDisk.has(matchId)) {
        if (onFile) throw new CorruptionError(file.path, 0, `log file is missing but ${onFile} bytes were written to it`);
        file.size = 0;
      } else if (onFile === null || onFile > 0) {
        try {
          const r = await readRecordFile(file.path, true);
          ({ values, offsets } = r);
          if (file.size === null) file.size = r.size;
          else if (r.size < (onFile ?? 0)) throw new CorruptionError(file.path, r.size, `log is shorter than the ${onFile} bytes written to it`);
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
          if (file.size === null) file.size = 0;
          else if (onFile! > 0) throw err;
        }
      }
      for (const c of file.chunks) {
        const d = decodeRecords(c.data, file.path, false);
        values.push(...d.values);
        offsets.push(...d.offsets.map((o) => o + c.offset));
      }
      values.forEach((v, i) => {
        if (!Number.isSafeInteger((v as Partial<StoredEvent> | null)?.eventSeq)) {
          throw new CorruptionError(file.path, offsets[i], 'record is not an event with an eventSeq');
        }
      });
      return values as E[];
    });
  }

  /** Match ids that have a log here. */
  async list(): Promise<string[]> {
    await this.open();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      names = [];
    }
    const ids = new Set(names.filter((n) => n.endsWith(SUFFIX)).map((n) => n.slice(0, -SUFFIX.length)));
    for (const f of this.files.values()) if (f.chunks.length > 0) ids.add(f.id);
    return [...ids].filter((id) => MATCH_ID.test(id));
  }

  async delete(matchId: string): Promise<void> {
    let round: Promise<void> | null = null;
    await this.locked(matchId, async (file) => {
      if (this.failure) throw this.failure;
      const had = file.size !== 0 || this.onDisk.has(matchId);
      file.chunks = [];
      file.size = 0;
      const onDisk = this.onDisk.delete(matchId);
      if (onDisk) {
        await unlink(file.path).catch((err: unknown) => {
          if (!isErrno(err, 'ENOENT')) throw err;
        });
      }
      // Journaled, so a replay after a crash drops what older segments hold for it.
      if (had) round = this.enqueue(encodeJournal(OP_DELETE, matchId, 0, null), null);
    });
    if (round) await round;
  }

  /** Make every append so far durable (they already are once their append resolved). */
  async syncAll(): Promise<void> {
    await this.open();
    if (this.failure) throw this.failure;
    const pending = this.next?.done;
    if (pending) await pending;
    else if (this.writing) await this.enqueue(null, null);
  }

  /** Forget a finished match's cached state once its bytes are in its file (the log stays on disk). */
  async release(matchId: string): Promise<void> {
    const file = this.files.get(matchId);
    if (!file) return;
    await this.exclusive(file, async () => {
      file.released = true;
      this.forget(file);
    });
  }

  /** Write everything to the match files, sync them, and drop the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.open().catch(() => undefined);
    await this.syncAll().catch(() => undefined);
    this.closed = true;
    await this.checkpointing?.catch(() => undefined);
    try {
      if (!this.failure && this.segments.length > 0) await this.checkpoint(this.segment);
    } finally {
      if (this.segFd !== null) {
        const fd = this.segFd;
        this.segFd = null;
        await closeFd(fd).catch(() => undefined);
      }
    }
  }

  // ---- matches -------------------------------------------------------------------------------

  private file(matchId: string): MatchFile {
    if (!MATCH_ID.test(matchId)) throw new Error(`invalid match id for a file name: ${JSON.stringify(matchId)}`);
    let file = this.files.get(matchId);
    if (!file) {
      file = { id: matchId, path: join(this.dir, matchId + SUFFIX), size: null, chunks: [], released: false, queue: Promise.resolve(), pending: 0 };
      this.files.set(matchId, file);
    }
    return file;
  }

  /**
   * Runs `job` on the match's file once the store is open. The file is looked up when the
   * job is queued (not before the await): a release() that ran meanwhile may have replaced it.
   */
  private async locked<T>(matchId: string, job: (file: MatchFile) => Promise<T>): Promise<T> {
    await this.open();
    const file = this.file(matchId);
    return this.exclusive(file, () => job(file));
  }

  /** One operation per match at a time, in call order. */
  private exclusive<T>(file: MatchFile, job: () => Promise<T>): Promise<T> {
    file.pending++;
    const result = file.queue.then(job);
    file.queue = result.then(
      () => void file.pending--,
      () => void file.pending--,
    );
    return result;
  }

  /**
   * Drops a released, fully checkpointed file from memory. Called inside its exclusive job;
   * not while other operations wait on it, or they would run on an object no longer in the
   * map while a new one (with its own size) serves later calls: two writers of one file.
   */
  private forget(file: MatchFile): void {
    if (file.released && file.chunks.length === 0 && file.pending === 1 && this.files.get(file.id) === file) this.files.delete(file.id);
  }

  /** Length of the valid prefix of a match's file, cutting a torn tail (first use in this process). */
  private async recoverFile(file: MatchFile): Promise<void> {
    if (!this.onDisk.has(file.id)) {
      file.size = 0;
      return;
    }
    try {
      file.size = (await readRecordFile(file.path, true)).size;
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
      file.size = 0;
    }
  }

  // ---- journal rounds ---------------------------------------------------------------------------

  /** Adds a record to the next round; resolves when that round is durable. */
  private enqueue(record: Buffer | null, chunk: Chunk | null): Promise<void> {
    let round = this.next;
    if (!round) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      round = { records: [], chunks: [], bytes: 0, done, resolve, reject };
      this.next = round;
      if (!this.writing) setImmediate(() => void this.writeRounds());
    }
    if (record) {
      round.records.push(record);
      round.bytes += record.length;
    }
    if (chunk) round.chunks.push(chunk);
    return round.done;
  }

  /** Writes rounds back to back: appends made while one is being synced form the next. */
  private async writeRounds(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.next) {
        const round = this.next;
        this.next = null;
        try {
          if (this.failure) throw this.failure;
          if (round.bytes > 0) {
            const fd = await this.segmentFd();
            const buf = round.records.length === 1 ? round.records[0] : Buffer.concat(round.records, round.bytes);
            try {
              await pwriteAll(fd, buf, this.segSize);
              if (!this.dsync) await fdatasync(fd);
            } catch (err) {
              this.failure ??= new StorageFailedError(`match journal ${join(this.dir, segmentName(this.segment))}`, err);
              throw this.failure;
            }
            this.segSize += buf.length;
            for (const c of round.chunks) c.seg = this.segment;
          }
          round.resolve();
        } catch (err) {
          round.reject(err as Error);
        }
        if (this.segSize >= this.journalBytes && !this.checkpointing && !this.closed) this.rotate();
      }
    } finally {
      this.writing = false;
    }
  }

  private async segmentFd(): Promise<number> {
    if (this.segFd !== null) return this.segFd;
    this.dirReady ??= mkdirDurable(this.dir);
    await this.dirReady;
    this.segment++;
    const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
    // O_DSYNC: each write is durable when it returns (one threadpool hop instead of two).
    this.segFd = await openFd(join(this.dir, segmentName(this.segment)), O_WRONLY | O_CREAT | O_EXCL | (this.dsync ? O_DSYNC! : 0));
    this.segSize = 0;
    this.segments.push(this.segment);
    await fsyncDir(this.dir);
    return this.segFd;
  }

  /** Between rounds: the next round opens a new segment; the old ones are checkpointed. */
  private rotate(): void {
    const fd = this.segFd;
    const upTo = this.segment;
    this.segFd = null;
    this.segSize = 0;
    this.checkpointing = (async () => {
      if (fd !== null) await closeFd(fd).catch(() => undefined);
      await this.checkpoint(upTo);
    })()
      .catch((err: Error) => {
        // The journal still holds everything: a later checkpoint or the next start retries.
        this.failure ??= err instanceof StorageFailedError ? err : new StorageFailedError(`match logs in ${this.dir}`, err);
      })
      .finally(() => {
        this.checkpointing = null;
      });
  }

  /** Moves every chunk of segments ≤ upTo into its match file, syncs, deletes those segments. */
  private async checkpoint(upTo: number): Promise<void> {
    const due = [...this.files.values()].filter((f) => f.chunks.length > 0 && f.chunks[0].seg > 0 && f.chunks[0].seg <= upTo);
    await forEachLimited(due, this.syncConcurrency, (file) =>
      this.exclusive(file, async () => {
        const n = file.chunks.findIndex((c) => c.seg === 0 || c.seg > upTo);
        const take = n < 0 ? file.chunks.length : n;
        if (take === 0) return;
        const chunks = file.chunks.slice(0, take);
        const { O_WRONLY, O_CREAT } = fs.constants;
        const fd = await openFd(file.path, O_WRONLY | O_CREAT);
        try {
          for (const c of chunks) await pwriteAll(fd, c.data, c.offset);
          await fdatasync(fd);
        } finally {
          await closeFd(fd);
        }
        this.onDisk.add(file.id);
        file.chunks = file.chunks.slice(take);
        this.forget(file);
      }),
    );
    // Creations (and unlinks by delete) must be durable before the journal that has them goes.
    await fsyncDir(this.dir);
    const gone = this.segments.filter((s) => s <= upTo);
    this.segments = this.segments.filter((s) => s > upTo);
    for (const s of gone) {
      await unlink(join(this.dir, segmentName(s))).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
    }
    if (gone.length > 0) await fsyncDir(this.dir);
  }

  // ---- start-up --------------------------------------------------------------------------------

  /** Replays journal segments left by a crash into the match files (once, before any use). */
  private open(): Promise<void> {
    this.opened ??= this.recover();
    return this.opened;
  }

  private async recover(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    for (const n of names) if (n.endsWith(SUFFIX)) this.onDisk.add(n.slice(0, -SUFFIX.length));
    const segs = names
      .map((n) => JOURNAL.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    if (segs.length === 0) return;
    this.segment = segs[segs.length - 1];
    // Ops per match, in journal order.
    const perMatch = new Map<string, JournalOp[]>();
    for (let i = 0; i < segs.length; i++) {
      const path = join(this.dir, segmentName(segs[i]));
      for (const op of decodeJournal(await readFile(path), path, i === segs.length - 1)) {
        let list = perMatch.get(op.id);
        if (!list) perMatch.set(op.id, (list = []));
        list.push(op);
      }
    }
    const { O_RDWR, O_CREAT } = fs.constants;
    await forEachLimited([...perMatch], this.syncConcurrency, async ([id, ops]) => {
      const path = join(this.dir, id + SUFFIX);
      // Only what follows the last delete matters; a delete at the end removes the file.
      let from = 0;
      for (let i = 0; i < ops.length; i++) if (ops[i].op === OP_DELETE) from = i + 1;
      const live = ops.slice(from);
      if (live.length === 0 || (from > 0 && live.every((op) => op.op === OP_TRUNCATE))) {
        await unlink(path).catch((err: unknown) => {
          if (!isErrno(err, 'ENOENT')) throw err;
        });
        this.onDisk.delete(id);
        return;
      }
      const fd = await openFd(path, O_RDWR | O_CREAT);
      try {
        let end = from > 0 ? 0 : (await new Promise<fs.Stats>((res, rej) => fs.fstat(fd, (e, st) => (e ? rej(e) : res(st))))).size;
        for (const op of live) {
          if (op.op === OP_TRUNCATE) {
            end = Math.min(end, op.offset);
            continue;
          }
          if (op.offset > end) throw new CorruptionError(path, end, `the journal continues this log at byte ${op.offset}, after a gap`);
          await pwriteAll(fd, op.data, op.offset);
          end = op.offset + op.data.length;
        }
        await ftruncate(fd, end);
        await fdatasync(fd);
      } finally {
        await closeFd(fd);
      }
      this.onDisk.add(id);
    });
    await fsyncDir(this.dir);
    for (const s of segs) {
      await unlink(join(this.dir, segmentName(s))).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
    }
    await fsyncDir(this.dir);
  }
}
