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
    await store.close(); // the journal's bytes reach the match file at a checkpoint
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

  it('an append queued behind release() is neither lost nor overwritten', async () => {
    const dir = await tempDir();
    const store = new MatchLogStore<Ev>(dir, { journalBytes: 1 });
    await store.append('m', [ev(1)], true);
    await new Promise((r) => setTimeout(r, 50)); // the checkpoint moves it into m.log
    const released = store.release('m');
    const second = store.append('m', [ev(2)], true);
    await Promise.all([released, second]);
    await store.append('m', [ev(3)], true);
    expect((await store.read('m')).map((e) => e.eventSeq)).toEqual([1, 2, 3]);
    await store.close();
    expect((await new MatchLogStore<Ev>(dir).read('m')).map((e) => e.eventSeq)).toEqual([1, 2, 3]);
  });

  it('replays the journal after a crash: appends, deletes and re-creations', async () => {
    const dir = await tempDir();
    const crashed = new MatchLogStore<Ev>(dir);
    await crashed.append('a', [ev(1), ev(2)], true);
    await crashed.append('b', [ev(1)], true);
    await crashed.delete('b');
    await crashed.append('b', [ev(1, 'AGAIN')], true);
    await crashed.append('a', [ev(3)], true);
    // No close(): the match files were never written, only the journal (as after kill -9).
    expect((await readdir(dir)).filter((n) => n.endsWith('.log'))).toEqual([]);
    const store = new MatchLogStore<Ev>(dir);
    expect(await store.read('a')).toEqual([ev(1), ev(2), ev(3)]);
    expect(await store.read('b')).toEqual([ev(1, 'AGAIN')]);
    expect((await readdir(dir)).filter((n) => n.endsWith('.jnl'))).toEqual([]);
    await store.append('a', [ev(4)], true);
    expect((await new MatchLogStore<Ev>(dir).read('a')).map((e) => e.eventSeq)).toEqual([1, 2, 3, 4]);
  });

  it('ignores a torn journal tail and refuses a corrupt journal record before it', async () => {
    const dir = await tempDir();
    const crashed = new MatchLogStore<Ev>(dir);
    await crashed.append('m', [ev(1)], true);
    await crashed.append('m', [ev(2)], true);
    const [seg] = (await readdir(dir)).filter((n) => n.endsWith('.jnl'));
    const { readFile, writeFile } = await import('node:fs/promises');
    const buf = await readFile(join(dir, seg));
    await writeFile(join(dir, seg), Buffer.concat([buf, buf.subarray(0, 20)]));
    expect(await new MatchLogStore<Ev>(dir).read('m')).toEqual([ev(1), ev(2)]);
    const dir2 = await tempDir();
    const other = new MatchLogStore<Ev>(dir2);
    await other.append('m', [ev(1)], true);
    await other.append('m', [ev(2)], true);
    const [seg2] = (await readdir(dir2)).filter((n) => n.endsWith('.jnl'));
    const b2 = await readFile(join(dir2, seg2));
    b2[12] ^= 0x01; // inside the first record, with a valid one after it
    await writeFile(join(dir2, seg2), b2);
    await expect(new MatchLogStore<Ev>(dir2).read('m')).rejects.toThrow(CorruptionError);
  });

  it('checkpoints: moves the journal into the match files and deletes old segments', async () => {
    const dir = await tempDir();
    const store = new MatchLogStore<Ev>(dir, { journalBytes: 2048 });
    for (let seq = 1; seq <= 40; seq++) await Promise.all(['x', 'y', 'z'].map((id) => store.append(id, [ev(seq)], true)));
    await new Promise((r) => setTimeout(r, 50));
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.jnl'));
    expect(segments.length).toBeLessThanOrEqual(2);
    const onFile = (await import('node:fs/promises')).readFile(join(dir, 'x.log'));
    expect((await onFile).length).toBeGreaterThan(0);
    for (const id of ['x', 'y', 'z']) expect((await store.read(id)).map((e) => e.eventSeq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // A crash now: the next store finds the rest in the journal.
    expect((await new MatchLogStore<Ev>(dir).read('z')).length).toBe(40);
  });

  it('undoes an append: in memory at once, and through the journal after a crash', async () => {
    const dir = await tempDir();
    const crashed = new MatchLogStore<Ev>(dir);
    await crashed.append('m', [ev(1)], true);
    const spec = crashed.appendUndoable('m', [ev(2, 'SPECULATIVE')]);
    await spec.durable;
    expect(await crashed.read('m')).toEqual([ev(1), ev(2, 'SPECULATIVE')]);
    await spec.undo();
    expect(await crashed.read('m')).toEqual([ev(1)]);
    await crashed.append('m', [ev(2, 'FAILOVER')], true);
    expect(await new MatchLogStore<Ev>(dir).read('m')).toEqual([ev(1), ev(2, 'FAILOVER')]);
    // Undo after the bytes already reached the file (a checkpoint in between).
    const store = new MatchLogStore<Ev>(dir, { journalBytes: 1 });
    const late = store.appendUndoable('m', [ev(3, 'LATE')]);
    await late.durable;
    await store.append('other', [ev(1)], true); // rotates: the first segment is checkpointed
    await new Promise((r) => setTimeout(r, 50));
    await late.undo();
    expect(await store.read('m')).toEqual([ev(1), ev(2, 'FAILOVER')]);
    await store.syncAll();
    await new Promise((r) => setTimeout(r, 50)); // let its last checkpoint finish (it 'crashes' now)
    expect(await new MatchLogStore<Ev>(dir).read('m')).toEqual([ev(1), ev(2, 'FAILOVER')]);
  });

  it('refuses match ids that are not plain file names', async () => {
    const store = new MatchLogStore<Ev>(await tempDir());
    for (const id of ['../x', 'a/b', '', '.hidden']) await expect(store.append(id, [ev(1)], true)).rejects.toThrow(/invalid match id/);
  });
});
