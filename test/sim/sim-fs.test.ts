// The simulated file system's crash semantics, and the real storage code running on it.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../server/raft/core/types.ts';
import { writeFileAtomic, readJsonFile } from '../../server/storage/atomic-file.ts';
import { mkdirDurable, pwriteAll } from '../../server/storage/fd-io.ts';
import { RaftStorage } from '../../server/storage/raft-storage.ts';
import { RecordWriter } from '../../server/storage/record-file.ts';
import { DurableLog } from './durable-log.ts';
import { Rng } from './rng.ts';
import { SimFs, type SimFsOptions } from './sim-fs.ts';

/** A file system whose syncs take `delay` ms of a manual clock (0: immediate). */
function setup(seed = 1, opts: SimFsOptions = {}, delay = 0) {
  const timers: { at: number; fn: () => void }[] = [];
  let now = 0;
  const sim = new SimFs({ rng: new Rng(seed), after: (ms, fn) => timers.push({ at: now + ms, fn }), syncDelay: () => delay }, opts);
  const settle = () => new Promise((r) => setImmediate(r));
  const advance = async (ms: number): Promise<void> => {
    const end = now + ms;
    for (;;) {
      await settle();
      timers.sort((a, b) => a.at - b.at);
      const t = timers[0];
      if (!t || t.at > end) break;
      timers.shift();
      now = t.at;
      t.fn();
    }
    now = end;
  };
  return { sim, io: sim.io, advance };
}

const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const read = async (io: SimFs['io'], p: string): Promise<string> => (await io.readFile(p)).toString();

describe('simulated file system', () => {
  it('keeps synced bytes and loses unsynced ones on a crash (all seeds keep a prefix)', async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const { sim, io } = setup(seed);
      await mkdirDurable('/d', 0o700, io);
      const dir = await io.open('/d', 'r', 0);
      const fd = await io.open('/d/f', O_WRONLY | O_CREAT | O_EXCL, 0o600);
      await io.fsync(dir);
      await pwriteAll(fd, Buffer.from('synced|'), 0, io);
      await io.fdatasync(fd);
      await pwriteAll(fd, Buffer.from('aaaa'), 7, io);
      await pwriteAll(fd, Buffer.from('bbbb'), 11, io);
      expect(await read(io, '/d/f')).toBe('synced|aaaabbbb'); // the page cache shows everything
      sim.crash();
      const after = await read(io, '/d/f');
      expect(after.startsWith('synced|')).toBe(true);
      outcomes.add(after.slice(7).replace(/[^ab]/g, '?'));
      // Only a prefix of the unsynced writes, the first one lost possibly torn.
      expect(/^(a{0,4}|a{4}b{0,4})$/.test(after.slice(7)) || after.slice(7).length <= 8).toBe(true);
    }
    expect(outcomes.has('')).toBe(true);
    expect(outcomes.has('aaaabbbb')).toBe(true);
    expect([...outcomes].some((o) => o.length > 0 && o.length < 8)).toBe(true); // a torn write
  });

  it('makes a created or renamed entry durable only with an fsync of its directory', async () => {
    const survived = new Set<boolean>();
    for (let seed = 1; seed <= 30; seed++) {
      const { sim, io } = setup(seed);
      await mkdirDurable('/d', 0o700, io);
      const dir = await io.open('/d', 'r', 0);
      await io.fsync(dir);
      const fd = await io.open('/d/new', O_WRONLY | O_CREAT | O_EXCL, 0o600);
      await pwriteAll(fd, Buffer.from('x'), 0, io);
      await io.fsync(fd);
      sim.crash();
      survived.add((await io.readdir('/d')).includes('new'));
    }
    expect(survived).toEqual(new Set([true, false]));
    // With the directory synced, it always survives.
    const { sim, io } = setup(3);
    await mkdirDurable('/d', 0o700, io);
    const fd = await io.open('/d/new', O_WRONLY | O_CREAT | O_EXCL, 0o600);
    await pwriteAll(fd, Buffer.from('x'), 0, io);
    await io.fsync(fd);
    const root = await io.open('/', 'r', 0);
    await io.fsync(root);
    const dir = await io.open('/d', 'r', 0);
    await io.fsync(dir);
    sim.crash();
    expect(await read(io, '/d/new')).toBe('x');
  });

  it('writeFileAtomic leaves the old or the new content after any crash, never a mix', async () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const { sim, io, advance } = setup(seed, {}, 1);
      const mk = mkdirDurable('/d', 0o700, io);
      await advance(10);
      await mk;
      const w1 = writeFileAtomic('/d/hs.json', JSON.stringify({ v: 'old' }), 0o600, io);
      await advance(10);
      await w1;
      void writeFileAtomic('/d/hs.json', JSON.stringify({ v: 'new' }), 0o600, io);
      await advance(seed % 4); // crash somewhere in the middle of the second write
      sim.crash();
      const got = (await readJsonFile('/d/hs.json', io)) as { v: string };
      seen.add(got.v);
    }
    expect(seen).toEqual(new Set(['old', 'new']));
  });

  it('an O_DSYNC write is durable when it returns; without O_DSYNC it waits for fdatasync', async () => {
    for (const dsync of [true, false]) {
      const { sim, io } = setup(5, { dsync });
      await mkdirDurable('/w', 0o700, io);
      const w = await RecordWriter.open('/w/seg', { size: 0, create: true, dsync: true, io });
      await io.fsync(await io.open('/w', 'r', 0));
      await io.fsync(await io.open('/', 'r', 0));
      w.append([{ a: 1 }]);
      await w.flush(false);
      const durable = sim.durableLookup('/w/seg');
      expect(durable?.kind).toBe('file');
      expect(durable?.kind === 'file' && durable.durable.size > 0).toBe(dsync);
    }
  });

  it('the skip-fsync disk never makes anything durable', async () => {
    const { sim, io } = setup(1, { bug: 'skip-fsync' });
    await mkdirDurable('/d', 0o700, io);
    const fd = await io.open('/d/f', O_WRONLY | O_CREAT | O_EXCL, 0o600);
    await pwriteAll(fd, Buffer.from('data'), 0, io);
    await io.fsync(fd);
    await io.fsync(await io.open('/d', 'r', 0));
    expect(sim.durableLookup('/d/f')).toBeUndefined();
  });

  it('DurableLog follows compaction: segments written and deleted between two reads, then a crash', async () => {
    const e = (index: number, term: number): Entry => ({ index, term, kind: 'command', data: `payload-${index}` });
    const { sim, io } = setup(7, { dsync: true });
    const st = await RaftStorage.open('/n/raft', { io, segmentBytes: 150 });
    const durable = new DurableLog(sim, '/n/raft');
    await st.save({ entries: [e(1, 1), e(2, 1)], hardState: { term: 1, vote: 'a', commit: 0 } }, true);
    expect(durable.has(2, 1)).toBe(true);
    // Many segments come and go before the next question.
    for (let i = 3; i <= 40; i++) await st.save({ entries: [e(i, 1)] }, true);
    await st.saveSnapshot({ lastIncludedIndex: 30, lastIncludedTerm: 1, config: { voters: ['a'], learners: [] }, data: 'state' });
    expect(await st.compact(30)).toBeGreaterThan(0);
    for (let i = 41; i <= 45; i++) await st.save({ entries: [e(i, 1)] }, true);
    for (const i of [10, 30, 31, 40, 45]) expect(durable.has(i, 1)).toBe(true);
    expect(durable.has(46, 1)).toBe(false);
    expect(durable.has(45, 2)).toBe(false);
    sim.crash();
    const back = await RaftStorage.open('/n/raft', { io, segmentBytes: 150 });
    expect(back.recovered.snapshot?.lastIncludedIndex).toBe(30);
    expect(back.recovered.entries.map((x) => x.index)).toEqual(Array.from({ length: 15 }, (_, k) => 31 + k));
    for (const x of back.recovered.entries) expect(durable.has(x.index, x.term)).toBe(true);
  });

  it('runs the real RaftStorage: what save() resolved survives a crash; DurableLog agrees', async () => {
    const e = (index: number, term: number): Entry => ({ index, term, kind: 'command', data: `x${index}` });
    for (let seed = 1; seed <= 20; seed++) {
      const { sim, io, advance } = setup(seed, { dsync: seed % 2 === 0 }, 1);
      const open = RaftStorage.open('/n/raft', { io, segmentBytes: 200 });
      await advance(50);
      const st = await open;
      const durable = new DurableLog(sim, '/n/raft');
      const saved = st.save({ entries: [e(1, 1), e(2, 1), e(3, 1)], hardState: { term: 1, vote: 'a', commit: 0 } }, true);
      await advance(50);
      await saved;
      expect(durable.has(3, 1)).toBe(true);
      expect(durable.has(3, 2)).toBe(false);
      // An unfinished save: anything may be lost, but never the first batch.
      void st.save({ entries: [e(4, 1), e(5, 1), e(6, 1), e(7, 1)], hardState: { term: 1, vote: 'a', commit: 3 } }, true);
      await advance(seed % 3);
      sim.crash();
      const open2 = RaftStorage.open('/n/raft', { io, segmentBytes: 200 });
      await advance(50);
      const back = await open2;
      const idx = back.recovered.entries.map((x) => x.index);
      expect(idx.slice(0, 3)).toEqual([1, 2, 3]);
      expect(back.recovered.hardState.term).toBe(1);
      for (const x of back.recovered.entries) expect(durable.has(x.index, x.term)).toBe(true);
    }
  });
});
