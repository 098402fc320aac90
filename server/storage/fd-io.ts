// Thin promise wrappers over fd-based fs calls. Plain fds with callbacks cost one libuv
// threadpool hop per call and less allocation than fs/promises FileHandles, which matters
// on the WAL path where a whole append must stay near the raw fdatasync cost.
import fs from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** O_DSYNC makes each write durable in one syscall (write + fdatasync in one hop). */
export const O_DSYNC: number | undefined = fs.constants.O_DSYNC;

/** New files are private to the node's user (0600): the data dir holds the cluster's state. */
export function openFd(path: string, flags: number | string, mode = 0o600): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.open(path, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd)));
  });
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

/** pwrite the whole buffer at `position`, looping over short writes. */
export async function pwriteAll(fd: number, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    done += await new Promise<number>((resolve, reject) => {
      fs.write(fd, buf, done, buf.length - done, position + done, (err, n) => (err ? reject(err) : resolve(n)));
    });
  }
}

export function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

export function ftruncate(fd: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => fs.ftruncate(fd, length, (err) => (err ? reject(err) : resolve())));
}

/**
 * fsync a directory so a create, rename or unlink inside it survives power loss.
 * Windows cannot open directories; NTFS journals the metadata itself, so skip there.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fd = await openFd(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

/** mkdir -p, then make every directory it created survive a power cut. */
export async function mkdirDurable(dir: string, mode = 0o700): Promise<void> {
  const target = resolve(dir);
  const first = await mkdir(target, { recursive: true, mode });
  if (first === undefined) return;
  // A created directory's entry lives in its parent: sync the parent of each one.
  for (let created = target; ; created = dirname(created)) {
    await fsyncDir(dirname(created));
    if (created === resolve(first) || dirname(created) === created) return;
  }
}
