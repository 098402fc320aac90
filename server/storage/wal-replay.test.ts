import { describe, expect, it } from 'vitest';
import type { Entry, SnapshotMeta } from '../raft/core/types.ts';
import { CorruptionError } from './errors.ts';
import { LogReplay, parseWalRecord, type WalRecord } from './wal-replay.ts';

const e = (index: number, term = 1, tag = ''): Entry => ({ index, term, kind: 'command', data: `${index}${tag}` });
const snap = (index: number, term: number): SnapshotMeta => ({ lastIncludedIndex: index, lastIncludedTerm: term, config: { voters: ['a'], learners: [] } });

function replay(records: WalRecord[], snapshot: SnapshotMeta | null = null): { entries: Entry[]; commit: number } {
  const r = new LogReplay();
  records.forEach((rec, i) => r.apply(rec, 'seg', i));
  return r.finish(snapshot, 'wal');
}
const entries = (...idx: number[]): WalRecord[] => idx.map((i) => ({ e: e(i) }));
const indexes = (res: { entries: Entry[] }): number[] => res.entries.map((x) => x.index);

describe('WAL replay', () => {
  it('resolves overwrites: the later record wins and drops what followed', () => {
    const res = replay([...entries(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), { e: e(6, 2, "'") }, { e: e(7, 2, "'") }]);
    expect(indexes(res)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(res.entries[5].data).toBe("6'");
  });

  it('keeps the highest commit and never reports it below the snapshot', () => {
    expect(replay([...entries(1, 2, 3), { c: 3 }, { c: 2 }]).commit).toBe(3);
    expect(replay(entries(6, 7), snap(5, 1)).commit).toBe(5);
  });

  it('refuses a hole in the log', () => {
    expect(() => replay(entries(1, 2, 4))).toThrow(CorruptionError);
  });

  it('keeps the suffix after an installed snapshot that matches the log', () => {
    expect(indexes(replay([...entries(1, 2, 3, 4, 5), { s: { index: 3, term: 1 } }], snap(3, 1)))).toEqual([4, 5]);
  });

  it('drops the whole log after an installed snapshot that conflicts with it', () => {
    const res = replay([...entries(1, 2, 3, 4, 5), { s: { index: 3, term: 9 } }, ...entries(4)], snap(3, 9));
    expect(indexes(res)).toEqual([4]);
  });

  it('treats a snapshot whose marker never reached the WAL as installed', () => {
    expect(indexes(replay(entries(1, 2, 3, 4, 5), snap(3, 9)))).toEqual([]);
    expect(indexes(replay(entries(1, 2, 3, 4, 5), snap(3, 1)))).toEqual([4, 5]);
    expect(indexes(replay(entries(1, 2), snap(3, 1)))).toEqual([]);
  });

  it('starts a compacted WAL where its first segment starts, and checks it meets the snapshot', () => {
    expect(indexes(replay(entries(4, 5, 6), snap(5, 1)))).toEqual([6]);
    expect(() => replay(entries(8, 9), snap(5, 1))).toThrow(/starts at entry 8/);
    expect(() => replay(entries(2, 3))).toThrow(CorruptionError);
  });

  it('rejects records it does not know', () => {
    expect(() => parseWalRecord({ x: 1 }, 'seg', 12)).toThrow(/seg at byte 12/);
    expect(parseWalRecord({ c: 4 }, 'seg', 0)).toEqual({ c: 4 });
  });
});
