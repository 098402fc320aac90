// Thin promise wrappers over fd-based fs calls. Plain fds with callbacks cost one libuv
// threadpool hop per call and less allocation than fs/promises FileHandles, which matters
// on the WAL path where a whole append must stay near the raw fdatasync cost.
//
// Every call goes through a `FileIo` (default: node:fs). The deterministic simulator passes
// its own (test/sim/sim-fs.ts), which loses unsynced writes on a crash, so the real WAL and
// atomic-file code run there unchanged.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** The file-system calls the storage layer makes, and nothing else. */
export interface FileIo {
  /** O_DSYNC where the platform has it: each write is durable once it returns. */
  readonly O_DSYNC: number | undefined;
  /** Directories cannot be opened (Windows): fsyncDir is skipped, the metadata is journaled. */
  readonly noDirSync: boolean;
  open(path: string, flags: number | string, mode: number): Promise<number>;
  close(fd: number): Promise<void>;
  /** One (possibly short) write of buf[offset, offset + length) at `position`. */
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  fchmod(fd: number, mode: number): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  readdir(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** mkdir -p; resolves with the first directory created, or undefined if none was. */
  mkdirp(path: string, mode: number): Promise<string | undefined>;
  /** A suffix for a temp file name that no other writer uses. */
  uniqueSuffix(): string;
}

const cb =
  <T>(resolve: (v: T) => void, reject: (e: Error) => void) =>
  (err: Error | null, v: T) =>
    err ? reject(err) : resolve(v);

export const nodeIo: FileIo = {
  O_DSYNC: fs.constants.O_DSYNC,
  noDirSync: process.platform === 'win32',
  open: (path, flags, mode) => new Promise((res, rej) => fs.open(path, flags, mode, cb(res, rej))),
  close: (fd) => new Promise((res, rej) => fs.close(fd, (err) => (err ? rej(err) : res()))),
  write: (fd, buf, offset, length, position) => new Promise((res, rej) => fs.write(fd, buf, offset, length, position, cb(res, rej))),
  fdatasync: (fd) => new Promise((res, rej) => fs.fdatasync(fd, (err) => (err ? rej(err) : res()))),
  fsync: (fd) => new Promise((res, rej) => fs.fsync(fd, (err) => (err ? rej(err) : res()))),
  ftruncate: (fd, length) => new Promise((res, rej) => fs.ftruncate(fd, length, (err) => (err ? rej(err) : res()))),
  fchmod: (fd, mode) => new Promise((res, rej) => fs.fchmod(fd, mode, (err) => (err ? rej(err) : res()))),
  readFile: (path) => readFile(path),
  readdir: (path) => readdir(path),
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  mkdirp: (path, mode) => mkdir(path, { recursive: true, mode }),
  uniqueSuffix: () => `${process.pid}-${randomBytes(4).toString('hex')}`,
};

/** O_DSYNC makes each write durable in one syscall (write + fdatasync in one hop). */
export const O_DSYNC: number | undefined = nodeIo.O_DSYNC;

/** New files are private to the node's user (0600): the data dir holds the cluster's state. */
export function openFd(path: string, flags: number | string, mode = 0o600, io: FileIo = nodeIo): Promise<number> {
  return io.open(path, flags, mode);
}

export function closeFd(fd: number, io: FileIo = nodeIo): Promise<void> {
  return io.close(fd);
}

/** pwrite the whole buffer at `position`, looping over short writes. */
export async function pwriteAll(fd: number, buf: Buffer, position: number, io: FileIo = nodeIo): Promise<void> {
  let done = 0;
  while (done < buf.length) done += await io.write(fd, buf, done, buf.length - done, position + done);
}

export function fdatasync(fd: number, io: FileIo = nodeIo): Promise<void> {
  return io.fdatasync(fd);
}

export function fsyncFd(fd: number, io: FileIo = nodeIo): Promise<void> {
  return io.fsync(fd);
}

export function ftruncate(fd: number, length: number, io: FileIo = nodeIo): Promise<void> {
  return io.ftruncate(fd, length);
}

/**
 * fsync a directory so a create, rename or unlink inside it survives power loss.
 * Windows cannot open directories; NTFS journals the metadata itself, so skip there.
 */
export async function fsyncDir(dir: string, io: FileIo = nodeIo): Promise<void> {
  if (io.noDirSync) return;
  const fd = await io.open(dir, 'r', 0o600);
  try {
    await io.fsync(fd);
  } finally {
    await io.close(fd);
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** mkdir -p, then make every directory it created survive a power cut. */
export async function mkdirDurable(dir: string, mode = 0o700, io: FileIo = nodeIo): Promise<void> {
  const target = resolve(dir);
  const first = await io.mkdirp(target, mode);
  if (first === undefined) return;
  // A created directory's entry lives in its parent: sync the parent of each one.
  for (let created = target; ; created = dirname(created)) {
    await fsyncDir(dirname(created), io);
    if (created === resolve(first) || dirname(created) === created) return;
  }
}
