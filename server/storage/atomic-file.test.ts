import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonFile, removeTempFiles, writeFileAtomic } from './atomic-file.ts';
import { CorruptionError } from './errors.ts';
import { useTempDirs } from './tmp-dir.testutil.ts';

const tempDir = useTempDirs();

describe('atomic files', () => {
  it('replaces the whole content and leaves no temp file', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, JSON.stringify({ v: 1 }));
    await writeFileAtomic(path, JSON.stringify({ v: 2 }));
    expect(await readJsonFile(path)).toEqual({ v: 2 });
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('applies the mode exactly, whatever the umask', async () => {
    const path = join(await tempDir(), 'secret');
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(path, 'x', 0o640);
    } finally {
      process.umask(old);
    }
    if (process.platform !== 'win32') expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it('ignores and removes a temp file a crash left behind', async () => {
    const dir = await tempDir();
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, '{"v":1}');
    await writeFile(`${path}.tmp-123-abcd`, '{"v":2, "half');
    expect(await readJsonFile(path)).toEqual({ v: 1 });
    expect(await removeTempFiles(dir)).toEqual(['state.json.tmp-123-abcd']);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('reads a missing file as undefined and a damaged one as corruption', async () => {
    const dir = await tempDir();
    expect(await readJsonFile(join(dir, 'none.json'))).toBeUndefined();
    await writeFile(join(dir, 'bad.json'), '{"v":');
    await expect(readJsonFile(join(dir, 'bad.json'))).rejects.toThrow(CorruptionError);
    expect(await readFile(join(dir, 'bad.json'), 'utf8')).toBe('{"v":');
  });
});
