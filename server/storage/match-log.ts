// Per-match event logs: `<dir>/<matchId>.log`, one record file per match holding its
// signed events in order. Thousands of matches share a bounded LRU of open fds, and
// syncs of many matches are grouped into rounds (SyncRounds).
import fs from 'node:fs';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError, StorageFailedError } from './errors.ts';
import { closeFd, fdatasync, fsyncDir, isErrno, mkdirDurable, openFd, pwriteAll } from './fd-io.ts';
import { encodeRecords } from './record-codec.ts';
import { readRecordFile } from './record-file.ts';
import { SyncRounds, forEachLimited } from './sync-rounds.ts';

export interface StoredEvent {
  eventSeq: number;
}

export interface MatchLogOptions {
  /** Open fds kept at most (LRU); others are reopened on demand. */
  maxOpenFiles?: number;
  /** fdatasyncs in flight at once, leaving libuv threads free for the Raft WAL. */
  syncConcurrency?: number;
}

interface MatchFile {
  readonly path: string;
  /** Valid length, known once the file was recovered in this process. */
  size: number | null;
  fd: number | null;
  busy: boolean;
  /** Written but not yet fdatasync'ed. */
  dirty: boolean;
  /** Created, and its directory entry not yet synced. */
  created: boolean;
  deleted: boolean;
  queue: Promise<void>;
}

const MATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SUFFIX = '.log';

export class MatchLogStore<E extends StoredEvent = StoredEvent> {
  private readonly files = new Map<string, MatchFile>();
  /** Files with an open fd, least recently used first. */
  private readonly lru = new Map<MatchFile, true>();
  /** fds open or being opened; never above maxOpen. */
  private openCount = 0;
  private slotWaiters: (() => void)[] = [];
  private readonly maxOpen: number;
  private readonly syncConcurrency: number;
  private readonly rounds = new SyncRounds<MatchFile>((files) => this.syncFiles(files));
  private dirReady: Promise<void> | null = null;
  private failure: StorageFailedError | null = null;

  constructor(
    readonly dir: string,
    opts: MatchLogOptions = {},
  ) {
    this.maxOpen = opts.maxOpenFiles ?? 256;
    this.syncConcurrency = opts.syncConcurrency ?? 2;
  }

  /**
   * Append events with one write. With `sync` it resolves once they are durable (the
   * fdatasync is shared with other matches syncing in the same round); without, once
   * the OS has them, which survives a process crash but not a power cut.
   */
  async append(matchId: string, events: readonly E[], sync: boolean): Promise<void> {
    const file = this.file(matchId);
    if (events.length > 0) {
      const buf = encodeRecords(events);
      await this.exclusive(file, async () => {
        if (this.failure) throw this.failure;
        const fd = await this.fdFor(file);
        const size = file.size as number;
        await this.guard(file, pwriteAll(fd, buf, size));
        file.size = size + buf.length;
        file.dirty = true;
      });
    }
    if (sync && (file.dirty || file.created)) await this.rounds.request([file]);
  }

  /** All events of a match in order ([] if it has no log); a torn tail is cut off. */
  async read(matchId: string): Promise<E[]> {
    const file = this.file(matchId);
    return this.exclusive(file, async () => {
      let values: unknown[];
      let offsets: number[];
      try {
        let size: number;
        ({ values, offsets, size } = await readRecordFile(file.path, true));
        file.size ??= size;
      } catch (err) {
        if (isErrno(err, 'ENOENT') && file.size === null) return [];
        throw err;
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
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return [];
      throw err;
    }
    const ids = names.filter((n) => n.endsWith(SUFFIX)).map((n) => n.slice(0, -SUFFIX.length));
    return ids.filter((id) => MATCH_ID.test(id));
  }

  async delete(matchId: string): Promise<void> {
    const file = this.file(matchId);
    await this.exclusive(file, async () => {
      await this.closeFd(file);
      file.deleted = true;
      this.files.delete(matchId);
      await unlink(file.path).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
    });
  }

  /** Make every write so far durable, in one round shared with pending sync requests. */
  async syncAll(): Promise<void> {
    if (this.failure) throw this.failure;
    const dirty = [...this.files.values()].filter((f) => f.dirty || f.created);
    if (dirty.length > 0) await this.rounds.request(dirty);
  }

  /** Close a finished match's fd and forget its cached state (the log stays on disk). */
  async release(matchId: string): Promise<void> {
    const file = this.files.get(matchId);
    if (!file) return;
    if (file.dirty || file.created) await this.rounds.request([file]);
    await this.exclusive(file, async () => {
      await this.closeFd(file);
      if (!file.dirty && !file.created) this.files.delete(matchId);
    });
  }

  /** Sync everything and close all fds (closed even if the sync fails). */
  async close(): Promise<void> {
    try {
      await this.syncAll();
    } finally {
      await Promise.all([...this.files.values()].map((f) => this.exclusive(f, () => this.closeFd(f))));
    }
  }

  private file(matchId: string): MatchFile {
    if (!MATCH_ID.test(matchId)) throw new Error(`invalid match id for a file name: ${JSON.stringify(matchId)}`);
    let file = this.files.get(matchId);
    if (!file) {
      const path = join(this.dir, matchId + SUFFIX);
      file = { path, size: null, fd: null, busy: false, dirty: false, created: false, deleted: false, queue: Promise.resolve() };
      this.files.set(matchId, file);
    }
    return file;
  }

  /** One operation per match at a time, in call order. */
  private exclusive<T>(file: MatchFile, job: () => Promise<T>): Promise<T> {
    const result = file.queue.then(async () => {
      file.busy = true;
      try {
        return await job();
      } finally {
        file.busy = false;
        if (file.fd !== null) this.wakeSlotWaiter(); // its fd may now be evicted
      }
    });
    file.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** An fd for writing, recovering the file on first use in this process. */
  private async fdFor(file: MatchFile): Promise<number> {
    if (file.fd !== null) {
      this.lru.delete(file);
      this.lru.set(file, true);
      return file.fd;
    }
    await this.reserveSlot();
    try {
      const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
      if (file.size === null) {
        try {
          file.size = (await readRecordFile(file.path, true)).size;
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
          await this.ensureDir();
          file.fd = await openFd(file.path, O_WRONLY | O_CREAT | O_EXCL);
          file.size = 0;
          file.created = true;
        }
      }
      file.fd ??= await openFd(file.path, O_WRONLY);
    } catch (err) {
      this.releaseSlot();
      throw err;
    }
    this.lru.set(file, true);
    return file.fd;
  }

  /**
   * Take one of the maxOpen fd slots, closing the least recently used idle fd if all are
   * taken, or waiting for an operation to finish if every open file is busy.
   */
  private async reserveSlot(): Promise<void> {
    for (;;) {
      if (this.openCount < this.maxOpen) {
        this.openCount++;
        return;
      }
      const victim = this.leastRecentlyUsedIdle();
      // Dirty data stays in the page cache when its fd closes; a later sync reopens.
      if (victim) await this.closeFd(victim);
      else await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
  }

  private leastRecentlyUsedIdle(): MatchFile | undefined {
    for (const file of this.lru.keys()) if (!file.busy) return file;
    return undefined;
  }

  private releaseSlot(): void {
    this.openCount--;
    this.wakeSlotWaiter();
  }

  /** One waiter per freed slot or idle fd; a waiter that loses the race waits again. */
  private wakeSlotWaiter(): void {
    this.slotWaiters.shift()?.();
  }

  private async closeFd(file: MatchFile): Promise<void> {
    if (file.fd === null) return;
    const fd = file.fd;
    file.fd = null;
    this.lru.delete(file);
    try {
      await closeFd(fd);
    } finally {
      this.releaseSlot();
    }
  }

  private async syncFiles(files: MatchFile[]): Promise<void> {
    let created = false;
    await forEachLimited(files, this.syncConcurrency, (file) =>
      this.exclusive(file, async () => {
        if (file.deleted || !file.dirty) return;
        await this.guard(file, fdatasync(await this.fdFor(file)));
        file.dirty = false;
      }),
    );
    for (const file of files) created ||= file.created;
    if (created) {
      await this.guard(null, fsyncDir(this.dir));
      for (const file of files) file.created = false;
    }
  }

  private ensureDir(): Promise<void> {
    this.dirReady ??= mkdirDurable(this.dir);
    return this.dirReady;
  }

  /** A failed write or sync leaves the page cache untrustworthy: refuse further writes. */
  private async guard(file: MatchFile | null, io: Promise<void>): Promise<void> {
    try {
      await io;
    } catch (err) {
      this.failure ??= new StorageFailedError(`match log ${file?.path ?? this.dir}`, err);
      throw this.failure;
    }
  }
}
