// Record files on disk: recovery (read, cut a torn tail) and a buffered appender that
// writes each batch with one pwrite and makes it durable with one sync.
import fs from 'node:fs';
import { StorageFailedError } from './errors.ts';
import { nodeIo, pwriteAll, type FileIo } from './fd-io.ts';
import { decodeRecords, encodeRecords } from './record-codec.ts';

export { CorruptionError } from './errors.ts';

export interface RecoveredFile {
  values: unknown[];
  offsets: number[];
  /** Length of the valid prefix, where appends continue. */
  size: number;
  /** Why a torn tail was cut, or null if the file ended cleanly. */
  torn: string | null;
}

/**
 * Read all records of a file. `final` marks the file being appended to, the only one that
 * may end in a torn write; that tail is truncated away (and the truncation synced) so
 * later appends never land behind garbage. Throws CorruptionError otherwise.
 */
export async function readRecordFile(path: string, final = true, io: FileIo = nodeIo): Promise<RecoveredFile> {
  const buf = await io.readFile(path);
  const { values, offsets, end, torn } = decodeRecords(buf, path, final);
  if (torn !== null) await truncateFile(path, end, io);
  return { values, offsets, size: end, torn };
}

export async function truncateFile(path: string, size: number, io: FileIo = nodeIo): Promise<void> {
  const fd = await io.open(path, 'r+', 0o600);
  try {
    await io.ftruncate(fd, size);
    await io.fsync(fd);
  } finally {
    await io.close(fd);
  }
}

export interface WriterOptions {
  /** Bytes already in the file (appends start here). */
  size: number;
  /** Create the file; it must not exist. The caller fsyncs the directory. */
  create?: boolean;
  /** Prefer O_DSYNC (write and sync in one syscall) where the platform has it. */
  dsync?: boolean;
  io?: FileIo;
}

/** Appends records to one file. Not shared between processes. */
export class RecordWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written: number;
  private synced: number;
  private queue: Promise<void> = Promise.resolve();
  private failure: StorageFailedError | null = null;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    size: number,
    private readonly dsync: boolean,
    private readonly io: FileIo,
  ) {
    this.written = size;
    this.synced = size;
  }

  static async open(path: string, opts: WriterOptions): Promise<RecordWriter> {
    const io = opts.io ?? nodeIo;
    const dsync = opts.dsync === true && io.O_DSYNC !== undefined;
    const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
    const flags = O_WRONLY | (opts.create ? O_CREAT | O_EXCL : 0) | (dsync ? (io.O_DSYNC ?? 0) : 0);
    return new RecordWriter(path, await io.open(path, flags, 0o600), opts.size, dsync, io);
  }

  /** Bytes in the file once everything appended so far is written. */
  get size(): number {
    return this.written + this.pendingBytes;
  }

  /** Buffer records; nothing reaches the OS until flush(). */
  append(values: readonly unknown[]): void {
    if (values.length === 0) return;
    const buf = encodeRecords(values);
    this.pending.push(buf);
    this.pendingBytes += buf.length;
  }

  /**
   * Write everything buffered with one pwrite and, if `sync`, make it durable. Calls
   * queue behind each other; a call that finds its data already written (and synced)
   * by an earlier one costs nothing, which is group commit for concurrent callers.
   */
  flush(sync: boolean): Promise<void> {
    const run = this.queue.then(() => this.flushNow(sync));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Write what is buffered and make the file durable (fdatasync, or O_DSYNC's write). */
  sync(): Promise<void> {
    return this.flush(true);
  }

  private async flushNow(sync: boolean): Promise<void> {
    if (this.failure) throw this.failure;
    try {
      if (this.pendingBytes > 0) {
        const buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
        this.pending = [];
        this.pendingBytes = 0;
        await pwriteAll(this.fd, buf, this.written, this.io);
        this.written += buf.length;
        if (this.dsync) this.synced = this.written;
      }
      if (sync && this.synced < this.written) {
        await this.io.fdatasync(this.fd);
        this.synced = this.written;
      }
    } catch (err) {
      this.failure = new StorageFailedError(this.path, err);
      throw this.failure;
    }
  }

  /** Write and sync what is buffered, then close the fd. */
  async close(): Promise<void> {
    try {
      if (!this.failure) await this.sync();
    } finally {
      await this.io.close(this.fd);
    }
  }
}
