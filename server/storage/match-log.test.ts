import { appendFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptionError } from './errors.ts';
import { MatchLogStore } from './match-log.ts';
import { encodeRecords } from './record-codec.ts';
import { useTempDirs } from './tmp-dir.testutil.ts';

const tempDir = useTempDirs();

interface Ev {
  eventSeq: number;
  type: string;
  sig: string;
}
const ev = (eventSeq: number, type = 'JOGADA'): Ev => ({ eventSeq, type, sig: `hmac-${eventSeq}` });

describe('MatchLogStore', () => {
  it('appends and reads back events per match', async () => {
    const dir = join(await tempDir(), 'matches');
    const store = new MatchLogStore<Ev>(dir);
    expect(await store.read('m1')).toEqual([]);
    expect(await store.list()).toEqual([]);
    await store.append('m1', [ev(1, 'START'), ev(2)], true);
    await store.append('m1', [ev(3)], false);
    await store.append('m2', [ev(1)], true);
    expect(await store.read('m1')).toEqual([ev(1, 'START'), ev(2), ev(3)]);
    expect((await store.list()).sort()).toEqual(['m1', 'm2']);
    await store.close();
    expect(await new MatchLogStore<Ev>(dir).read('m1')).toEqual([ev(1, 'START'), ev(2), ev(3)]);
  });

  it('keeps at most maxOpenFiles fds while thousands of matches interleave', async () => {
    const dir = await tempDir();
    const store = new MatchLogStore<Ev>(dir, { maxOpenFiles: 8 });
    const ids = Array.from({ length: 1000 }, (_, i) => `match-${i}`);
    for (let seq = 1; seq <= 3; seq++) {
      await Promise.all(ids.map((id, i) => store.append(id, [ev(seq)], i % 3 === 0)));
    }
    await store.syncAll();
    expect((await store.read('match-0')).map((e) => e.eventSeq)).toEqual([1, 2, 3]);
    expect((await store.read('match-999')).map((e) => e.eventSeq)).toEqual([1, 2, 3]);
    expect(await readdir('/proc/self/fd').then((fds) => fds.length).catch(() => 0)).toBeLessThan(200);
    expect((await store.list()).length).toBe(1000);
    await store.close();
  });

  it('cuts a torn tail on first use and appends after the valid prefix', async () => {
    const dir = await tempDir();
    let store = new MatchLogStore<Ev>(dir);
    await store.append('m', [ev(1), ev(2)], true);
    await store.close();
    const path = join(dir, 'm.log');
    const size = (await stat(path)).size;
    await appendFile(path, encodeRecords([ev(3)]).subarray(0, 11));
    store = new MatchLogStore<Ev>(dir);
    await store.append('m', [ev(3)], true);
    expect(await store.read('m')).toEqual([ev(1), ev(2), ev(3)]);
    expect((await stat(path)).size).toBe(size + encodeRecords([ev(3)]).length);
  });

  it('reports corruption in the middle of a log', async () => {
    const dir = await tempDir();
    const store = new MatchLogStore<Ev>(dir);
    await store.append('m', [ev(1), ev(2), ev(3)], true);
    await store.close();
    const { readFile, writeFile } = await import('node:fs/promises');
    const buf = await readFile(join(dir, 'm.log'));
    buf[12] ^= 0x20;
    await writeFile(join(dir, 'm.log'), buf);
    await expect(new MatchLogStore<Ev>(dir).read('m')).rejects.toThrow(CorruptionError);
  });

  it('deletes and releases logs', async () => {
    const dir = await tempDir();
    const store = new MatchLogStore<Ev>(dir);
    await store.append('a', [ev(1)], true);
    await store.append('b', [ev(1)], false);
    await store.release('b');
    await store.delete('a');
    await store.delete('never-existed');
    expect(await store.list()).toEqual(['b']);
    expect(await store.read('a')).toEqual([]);
    await store.append('a', [ev(1, 'NEW')], true);
    expect(await store.read('a')).toEqual([ev(1, 'NEW')]);
    expect(await store.read('b')).toEqual([ev(1)]);
  });

  it('refuses match ids that are not plain file names', async () => {
    const store = new MatchLogStore<Ev>(await tempDir());
    for (const id of ['../x', 'a/b', '', '.hidden']) await expect(store.append(id, [ev(1)], true)).rejects.toThrow(/invalid match id/);
  });
});
