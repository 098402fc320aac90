import { describe, it, expect } from 'vitest';
import { Harness } from './test-helpers.ts';
import { activeMatchesByHost } from './queries.ts';

describe('activeMatchesByHost', () => {
  it('counts unfinished matches per host and forgets finished ones', () => {
    const h = new Harness();
    for (const p of ['a', 'b', 'c', 'd', 'e', 'f']) h.register(p);
    h.createMatch('m1', 'a', 'b');
    h.createMatch('m2', 'c', 'd');
    const r = h.apply({ type: 'MATCH_CREATED', matchId: 'm3', players: ['e', 'f'], host: 'n3', shadow: 'n1', seed: 's3' });
    expect(r.ok).toBe(true);
    expect(Object.fromEntries(activeMatchesByHost(h.state))).toEqual({ n1: 2, n3: 1 });
    h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'VITORIA', scores: { a: 3, b: 2 } });
    expect(Object.fromEntries(activeMatchesByHost(h.state))).toEqual({ n1: 1, n3: 1 });
    h.apply({ type: 'MATCH_FAILOVER', matchId: 'm2', expectedEpoch: 1, host: 'n2', shadow: 'n3' });
    expect(Object.fromEntries(activeMatchesByHost(h.state))).toEqual({ n2: 1, n3: 1 });
  });
});
