import { appendFile, readFile, readdir, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Entry, HardState, Snapshot } from '../raft/core/types.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { CorruptionError } from './errors.ts';
import { encodeRecord } from './record-codec.ts';
import { RaftStorage } from './raft-storage.ts';
import { useTempDirs } from './tmp-dir.testutil.ts';

const tempDir = useTempDirs();

const entry = (index: number, term = 1, tag = ''): Entry => ({ index, term, kind: 'command', data: { op: `${index}${tag}` } });
const range = (from: number, to: number, term = 1, tag = ''): Entry[] =>
  Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term, tag));
const hs = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });
const snapshot = (index: number, term: number, data: unknown = { state: index }): Snapshot => ({
  lastIncludedIndex: index,
  lastIncludedTerm: term,
  config: { voters: ['a', 'b', 'c'], learners: [] },
  data,
});
const walFiles = async (dir: string): Promise<string[]> => (await readdir(join(dir, 'wal'))).sort();

describe('RaftStorage', () => {
  it('starts empty with one segment named after its sequence and first index', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    expect(s.recovered).toEqual({ hardState: hs(0, null, 0), snapshot: null, entries: [] });
    expect(await walFiles(dir)).toEqual(['00000000000000000001-00000000000000000001.wal']);
    await s.close();
  });

  it('round-trips entries, hard state and commit', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.save({ hardState: hs(1, 'a', 0), entries: range(1, 3) }, true);
    await s.save({ hardState: hs(1, 'a', 2), entries: range(4, 5) }, true);
    await s.close();
    const r = (await RaftStorage.open(dir)).recovered;
    expect(r.entries).toEqual(range(1, 5));
    expect(r.hardState).toEqual(hs(1, 'a', 2));
  });

  it('recovers without close (as after kill -9): a commit-only save waits for the next write', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.save({ hardState: hs(2, 'b', 0), entries: range(1, 4) }, true);
    await s.save({ hardState: hs(2, 'b', 3), entries: [] }, false);
    expect((await RaftStorage.open(dir)).recovered.hardState).toEqual(hs(2, 'b', 0));
    await s.save({ entries: range(5, 5) }, true);
    const r = (await RaftStorage.open(dir)).recovered;
    expect(r.hardState).toEqual(hs(2, 'b', 3));
    expect(r.entries).toEqual(range(1, 5));
  });

  it('writes term and vote to their own file only when they change', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.save({ hardState: hs(0, null, 0), entries: range(1, 1) }, true);
    await expect(stat(join(dir, 'hardstate.json'))).rejects.toThrow(/ENOENT/);
    await s.save({ hardState: hs(3, 'c', 1) }, true);
    expect(JSON.parse(await readFile(join(dir, 'hardstate.json'), 'utf8'))).toEqual(hs(3, 'c', 1));
  });

  it('never recovers a term older than its last entry (crash between WAL and hard state)', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.save({ hardState: hs(2, 'a', 0), entries: range(1, 2, 2) }, true);
    await s.save({ entries: range(3, 3, 3) }, true); // as if term 3's hardstate.json never landed
    expect((await RaftStorage.open(dir)).recovered.hardState).toEqual(hs(3, null, 0));
  });

  it('overwrites a conflicting suffix: 1..10 then 6′..7′ recovers 1..5, 6′, 7′', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.save({ entries: range(1, 10) }, true);
    await s.save({ entries: range(6, 7, 2, "'") }, true);
    await s.close();
    expect((await RaftStorage.open(dir)).recovered.entries).toEqual([...range(1, 5), ...range(6, 7, 2, "'")]);
  });

  it('cuts a torn WAL tail, keeps the prefix and appends after it', async () => {
    const dir = await tempDir();
    let s = await RaftStorage.open(dir);
    await s.save({ entries: range(1, 3) }, true);
    await s.close();
    const [seg] = await walFiles(dir);
    const path = join(dir, 'wal', seg);
    const before = (await stat(path)).size;
    await appendFile(path, Buffer.from('\x30\x00\x00\x00\x01\x02\x03\x04{"e":{"ind'));
    s = await RaftStorage.open(dir);
    expect(s.recovered.entries).toEqual(range(1, 3));
    expect((await stat(path)).size).toBe(before);
    await s.save({ entries: range(4, 4) }, true);
    await s.close();
    await truncate(path, (await stat(path)).size - 3); // tear the record for entry 4
    expect((await RaftStorage.open(dir)).recovered.entries).toEqual(range(1, 3));
  });

  it('stops with CorruptionError naming the segment when damage is not at the tail', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir, { segmentBytes: 300 });
    for (let i = 1; i <= 20; i += 2) await s.save({ entries: range(i, i + 1) }, true);
    await s.close();
    const files = await walFiles(dir);
    expect(files.length).toBeGreaterThan(2);
    // Damage the last record of a sealed (non-final) segment: no record follows it there.
    const sealed = join(dir, 'wal', files[0]);
    const buf = await readFile(sealed);
    buf[buf.length - 2] ^= 0xff;
    await writeFile(sealed, buf);
    await expect(RaftStorage.open(dir)).rejects.toThrow(CorruptionError);
    await expect(RaftStorage.open(dir)).rejects.toThrow(sealed);
    buf[buf.length - 2] ^= 0xff;
    await writeFile(sealed, buf);
    // Damage an early record of the final segment: valid records follow it.
    const final = join(dir, 'wal', files[files.length - 1]);
    const fb = await readFile(final);
    fb[30] ^= 0xff;
    await writeFile(final, fb);
    await expect(RaftStorage.open(dir)).rejects.toThrow(final);
  });

  it('refuses a WAL with a missing segment', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir, { segmentBytes: 200 });
    for (let i = 1; i <= 30; i += 3) await s.save({ entries: range(i, i + 2) }, true);
    await s.close();
    const files = await walFiles(dir);
    await unlink(join(dir, 'wal', files[1]));
    await expect(RaftStorage.open(dir)).rejects.toThrow(/missing/);
  });

  it('rolls segments, names each after its first entry, and compacts what a snapshot covers', async () => {
    const dir = await tempDir();
    let s = await RaftStorage.open(dir, { segmentBytes: 1024 });
    for (let i = 1; i <= 200; i += 5) await s.save({ hardState: hs(1, 'a', i - 1), entries: range(i, i + 4) }, true);
    const files = await walFiles(dir);
    expect(files.length).toBeGreaterThan(5);
    files.forEach((f, i) => expect(f.startsWith(String(i + 1).padStart(20, '0') + '-')).toBe(true));
    const firsts = files.map((f) => Number(f.slice(21, 41)));
    expect(firsts[0]).toBe(1);
    expect(firsts.every((n, i) => i === 0 || n > firsts[i - 1])).toBe(true);

    expect(await s.compact(150)).toBe(0); // no snapshot on disk yet: nothing is covered
    await s.saveSnapshot(snapshot(150, 1));
    const deleted = await s.compact(150);
    expect(deleted).toBe(firsts.filter((n, i) => i + 1 < firsts.length && firsts[i + 1] - 1 <= 150).length);
    expect(deleted).toBeGreaterThan(0);
    expect(s.stats()).toMatchObject({ segments: files.length - deleted, snapshotIndex: 150 });
    await s.close();

    s = await RaftStorage.open(dir, { segmentBytes: 1024 });
    expect(s.recovered.snapshot).toEqual(snapshot(150, 1));
    expect(s.recovered.entries).toEqual(range(151, 200));
    expect(s.recovered.hardState.commit).toBe(195);
    await s.save({ entries: range(201, 260) }, true);
    await s.close();
    expect((await RaftStorage.open(dir)).recovered.entries).toEqual(range(151, 260));
  });

  it('keeps an overwrite that lands in a later segment', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir, { segmentBytes: 400 });
    for (let i = 1; i <= 40; i += 4) await s.save({ entries: range(i, i + 3) }, true);
    await s.save({ entries: range(12, 13, 2, "'") }, true);
    await s.close();
    expect((await RaftStorage.open(dir)).recovered.entries).toEqual([...range(1, 11), ...range(12, 13, 2, "'")]);
  });

  it('ignores leftover temp files of the snapshot and hard state', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.save({ hardState: hs(4, 'a', 0), entries: range(1, 10) }, true);
    await s.saveSnapshot(snapshot(5, 1, { big: 'x'.repeat(1000) }));
    await s.close();
    await writeFile(join(dir, 'snapshot.rec.tmp-99-0000'), 'half a snapshot');
    await writeFile(join(dir, 'hardstate.json.tmp-99-0000'), '{"term":9');
    const r = (await RaftStorage.open(dir)).recovered;
    expect(r.snapshot).toEqual(snapshot(5, 1, { big: 'x'.repeat(1000) }));
    expect(r.hardState).toEqual(hs(4, 'a', 5));
    expect(r.entries).toEqual(range(6, 10));
    expect((await readdir(dir)).sort()).toEqual(['hardstate.json', 'snapshot.rec', 'wal']);
  });

  it('detects a damaged snapshot file', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.saveSnapshot(snapshot(5, 1));
    await s.close();
    const buf = await readFile(join(dir, 'snapshot.rec'));
    buf[buf.length - 5] ^= 1;
    await writeFile(join(dir, 'snapshot.rec'), buf);
    await expect(RaftStorage.open(dir)).rejects.toThrow(/snapshot\.rec/);
  });

  it('installs a leader snapshot: keeps a matching suffix, drops a conflicting log', async () => {
    const dir = await tempDir();
    let s = await RaftStorage.open(dir);
    await s.save({ entries: range(1, 6) }, true);
    await s.save({ snapshot: snapshot(4, 1), entries: [] }, true);
    expect((await RaftStorage.open(dir)).recovered.entries).toEqual(range(5, 6));

    await s.save({ snapshot: snapshot(8, 3), entries: range(9, 9, 3) }, true);
    await s.close();
    s = await RaftStorage.open(dir);
    expect(s.recovered.snapshot?.lastIncludedIndex).toBe(8);
    expect(s.recovered.entries).toEqual(range(9, 9, 3));
    expect(s.recovered.hardState.commit).toBe(8);
    await expect(s.saveSnapshot(snapshot(7, 3))).rejects.toThrow(/older/);
    await expect(s.save({ entries: [entry(10), entry(12)] }, true)).rejects.toThrow(/contiguous/);
    await expect(s.save({ entries: [entry(11)] }, true)).rejects.toThrow(/hole after 9/);
    await s.save({ entries: range(10, 10, 3) }, true); // refusals did not break the store
  });

  it('a snapshot adopted without its WAL marker (crash between the two) gets the marker before new appends', async () => {
    const dir = await tempDir();
    const s = await RaftStorage.open(dir);
    await s.save({ entries: range(1, 5), hardState: hs(1, 'a', 0) }, true);
    // The snapshot file of a leader's snapshot at 6 is durable; the crash came before the marker.
    await writeFileAtomic(join(dir, 'snapshot.rec'), encodeRecord(snapshot(6, 2)));
    let r = await RaftStorage.open(dir);
    expect(r.recovered.snapshot?.lastIncludedIndex).toBe(6);
    expect(r.recovered.entries).toEqual([]);
    await r.save({ entries: range(7, 8, 2) }, true);
    r = await RaftStorage.open(dir); // without the marker: "entry 7 follows entry 5: the log has a hole"
    expect(r.recovered.entries).toEqual(range(7, 8, 2));
  });
});
