// Unit tests of the pure building blocks: quorum arithmetic, the log, follower progress.
import { describe, expect, it } from 'vitest';
import { applyChange, ConfigHistory } from './config.ts';
import { RaftLog } from './log.ts';
import { Progress } from './progress.ts';
import { committedIndex, hasQuorum, majority, voteResult } from './quorum.ts';
import { entriesFromTerms } from './testing.ts';

describe('quorum', () => {
  it('majority sizes', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('committed index is the highest index matched by a majority', () => {
    const m = (x: Record<string, number>) => (id: string) => x[id] ?? 0;
    expect(committedIndex(['a', 'b', 'c'], m({ a: 5, b: 3, c: 1 }))).toBe(3);
    expect(committedIndex(['a', 'b', 'c', 'd'], m({ a: 5, b: 3, c: 1, d: 9 }))).toBe(3);
    expect(committedIndex(['a', 'b', 'c', 'd', 'e'], m({ a: 5, b: 5, c: 4, d: 1, e: 0 }))).toBe(4);
    expect(committedIndex(['a'], m({ a: 7 }))).toBe(7);
    expect(committedIndex([], m({}))).toBe(0);
  });

  it('vote tally: won, lost, pending; non-voters ignored', () => {
    const v = (o: Record<string, boolean>) => new Map(Object.entries(o));
    expect(voteResult(['a', 'b', 'c'], v({ a: true, b: true }))).toBe('won');
    expect(voteResult(['a', 'b', 'c'], v({ a: true, b: false }))).toBe('pending');
    expect(voteResult(['a', 'b', 'c'], v({ a: true, b: false, c: false }))).toBe('lost');
    expect(voteResult(['a', 'b', 'c', 'd'], v({ a: true, b: true }))).toBe('pending');
    expect(voteResult(['a', 'b'], v({ a: true, x: true, y: true }))).toBe('pending');
  });

  it('quorum of active voters', () => {
    expect(hasQuorum(['a', 'b', 'c'], (id) => id !== 'c')).toBe(true);
    expect(hasQuorum(['a', 'b', 'c'], (id) => id === 'a')).toBe(false);
  });
});

describe('log', () => {
  it('append truncates a conflicting suffix and lowers the stable mark', () => {
    const log = new RaftLog();
    log.loadEntries(entriesFromTerms([1, 1, 2, 2]));
    expect(log.stable).toBe(4);
    expect(log.append([{ index: 3, term: 3, kind: 'noop' }])).toBe(3);
    expect(log.lastIndex()).toBe(3);
    expect(log.stable).toBe(2);
    expect(log.unstableEntries().map((e) => [e.index, e.term])).toEqual([[3, 3]]);
  });

  it('refuses to truncate committed entries or append with a gap', () => {
    const log = new RaftLog();
    log.loadEntries(entriesFromTerms([1, 1, 1]));
    log.commitTo(2);
    expect(() => log.append([{ index: 2, term: 2, kind: 'noop' }])).toThrow(/committed/);
    expect(() => log.append([{ index: 5, term: 2, kind: 'noop' }])).toThrow(/outside/);
  });

  it('stableTo keeps only the prefix still in the log', () => {
    const log = new RaftLog();
    const written = entriesFromTerms([1, 1, 1, 1]);
    log.append(written);
    log.append([{ index: 3, term: 2, kind: 'noop' }]);
    log.stableTo(written);
    expect(log.stable).toBe(2);
  });

  it('compaction keeps terms at the boundary and hands out only later entries', () => {
    const log = new RaftLog();
    log.loadEntries(entriesFromTerms([1, 1, 2, 2, 3]));
    log.committed = log.applied = 4;
    log.compact(3, { lastIncludedIndex: 3, lastIncludedTerm: 2, config: { voters: [], learners: [] }, data: null });
    expect(log.firstIndex()).toBe(4);
    expect(log.term(3)).toBe(2);
    expect(log.term(2)).toBeUndefined();
    expect(log.slice(4, 6).map((e) => e.index)).toEqual([4, 5]);
    expect(() => log.slice(3, 5)).toThrow(/compacted/);
  });

  it('conflict hint: first index of the conflicting term, never at or below commit', () => {
    const log = new RaftLog();
    log.loadEntries(entriesFromTerms([1, 1, 2, 2, 2, 3, 3]));
    expect(log.conflictHint(9)).toBe(8);
    expect(log.conflictHint(7)).toBe(6);
    expect(log.conflictHint(5)).toBe(3);
    log.commitTo(4);
    expect(log.conflictHint(5)).toBe(5);
  });
});

describe('progress', () => {
  it('replicate state pipelines until the window is full and frees it on acks', () => {
    const pr = new Progress(1);
    pr.becomeReplicate();
    pr.sentEntries(3);
    pr.sentEntries(6);
    expect(pr.isPaused(2)).toBe(true);
    expect(pr.next).toBe(7);
    pr.maybeUpdate(3);
    expect(pr.inflights).toEqual([6]);
    expect(pr.isPaused(2)).toBe(false);
  });

  it('a stale rejection is ignored; a fresh one falls back to probing at the hint', () => {
    const pr = new Progress(1);
    pr.maybeUpdate(5);
    pr.becomeReplicate();
    pr.sentEntries(9);
    expect(pr.maybeDecrTo(4, 2)).toBe(false);
    expect(pr.maybeDecrTo(7, 6)).toBe(true);
    expect(pr).toMatchObject({ state: 'probe', next: 6 });
    // In probe state only a rejection of what we just sent counts.
    expect(pr.maybeDecrTo(8, 6)).toBe(false);
  });
});

describe('config', () => {
  it('single-server changes and the history that reverts on truncation', () => {
    const c0 = { voters: ['a', 'b', 'c'], learners: [] };
    const c1 = applyChange(c0, { op: 'addLearner', id: 'd' });
    expect(c1).toEqual({ voters: ['a', 'b', 'c'], learners: ['d'] });
    const h = new ConfigHistory(c0);
    h.onAppend([{ index: 5, term: 1, kind: 'config', config: c1 as typeof c0 }]);
    expect(h.current()).toEqual(c1);
    expect(h.at(4)).toEqual(c0);
    h.onTruncate(5);
    expect(h.current()).toEqual(c0);
  });
});
