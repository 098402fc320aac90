// Small files that must change all at once (hard state, snapshot, identity, secret):
// write a temp file, fsync it, rename it over the old one, fsync the directory. A crash
// leaves either the old file or the new one, plus at worst a temp file nobody reads.
import fs from 'node:fs';
import { dirname, join } from 'node:path';
import { CorruptionError } from './errors.ts';
import { fsyncDir, isErrno, nodeIo, pwriteAll, type FileIo } from './fd-io.ts';

const TEMP_MARK = '.tmp-';

export function isTempFile(name: string): boolean {
  return name.includes(TEMP_MARK);
}

export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o600, io: FileIo = nodeIo): Promise<void> {
  const tmp = `${path}${TEMP_MARK}${io.uniqueSuffix()}`;
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
  try {
    const fd = await io.open(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
    try {
      // The umask may have narrowed `mode`; a secret must end up exactly as asked.
      await io.fchmod(fd, mode);
      await pwriteAll(fd, buf, 0, io);
      await io.fsync(fd);
    } finally {
      await io.close(fd);
    }
    await io.rename(tmp, path);
  } catch (err) {
    await io.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dirname(path), io);
}

/** Parsed JSON content, or undefined when the file does not exist. */
export async function readJsonFile(path: string, io: FileIo = nodeIo): Promise<unknown> {
  let text: string;
  try {
    text = (await io.readFile(path)).toString('utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Written atomically, so a partial file means damage, not a crash.
    throw new CorruptionError(path, 0, 'file is not valid JSON');
  }
}

/** Delete temp files a crash left in `dir` (they were never renamed, so never valid). */
export async function removeTempFiles(dir: string, io: FileIo = nodeIo): Promise<string[]> {
  const names = (await io.readdir(dir)).filter(isTempFile);
  await Promise.all(names.map((name) => io.unlink(join(dir, name)).catch(() => undefined)));
  return names;
}
