import { describe, it, expect } from 'vitest';
import { historyOf } from './queries.ts';
import { deserializeLedger, ledgerDigest, serializeLedger } from './snapshot.ts';
import { HISTORY_LIMIT } from './state.ts';
import { Harness, serializeLedgerV3 } from './test-helpers.ts';

function play(h: Harness, id: string, winner: string | null, at?: number): void {
  h.createMatch(id, 'a', 'b');
  const scores = winner === null ? { a: 2, b: 2 } : winner === 'a' ? { a: 3, b: 2 } : { a: 1, b: 4 };
  const r = h.apply({ type: 'MATCH_FINISHED', matchId: id, winnerId: winner, reason: winner ? 'VITORIA' : 'EMPATE', scores, ...(at !== undefined ? { at } : {}) });
  if (!r.ok) throw new Error(r.message);
}

describe('per-player match history', () => {
  it('records both sides of a finished match, newest first, with current names and the date sent', () => {
    const h = new Harness();
    h.register('a', 'Ana');
    h.register('b', 'Bia');
    play(h, 'm1', 'a', 1_700_000_000_000);
    play(h, 'm2', null);
    h.apply({ type: 'SET_NAME', playerId: 'b', name: 'Beatriz' });
    expect(historyOf(h.state, 'a')).toEqual([
      { matchId: 'm2', opponentId: 'b', opponentName: 'Beatriz', result: 'draw', reason: 'EMPATE', tricks: [2, 2], at: null },
      { matchId: 'm1', opponentId: 'b', opponentName: 'Beatriz', result: 'won', reason: 'VITORIA', tricks: [3, 2], at: 1_700_000_000_000 },
    ]);
    expect(historyOf(h.state, 'b')[1]).toMatchObject({ opponentName: 'Ana', result: 'lost', tricks: [2, 3] });
    expect(historyOf(h.state, 'nobody')).toEqual([]);
  });

  it('a repeated MATCH_FINISHED adds nothing; the history is bounded', () => {
    const h = new Harness();
    h.register('a');
    h.register('b');
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) play(h, `m${i}`, i % 2 ? 'a' : 'b', i);
    h.apply({ type: 'MATCH_FINISHED', matchId: 'm0', winnerId: 'a', reason: 'VITORIA', scores: { a: 3, b: 2 } });
    const list = historyOf(h.state, 'a');
    expect(list).toHaveLength(HISTORY_LIMIT);
    expect(list[0].matchId).toBe(`m${HISTORY_LIMIT + 4}`);
    expect(list.at(-1)!.matchId).toBe('m5');
  });

  it('survives a snapshot, and is rebuilt the same from a snapshot without it (version 2)', () => {
    const h = new Harness();
    h.register('a');
    h.register('b');
    play(h, 'm1', 'a');
    play(h, 'm2', 'b');
    const snap = serializeLedger(h.state);
    const back = deserializeLedger(JSON.parse(JSON.stringify(snap)));
    expect(historyOf(back, 'a')).toEqual(historyOf(h.state, 'a'));
    expect(ledgerDigest(back)).toBe(ledgerDigest(h.state));
    const old = { ...serializeLedgerV3(h.state), v: 2 } as Record<string, unknown>;
    delete old.history;
    const rebuilt = deserializeLedger(old);
    expect(historyOf(rebuilt, 'b')).toEqual(historyOf(h.state, 'b'));
  });

  it('refuses a malformed date', () => {
    const h = new Harness();
    h.register('a');
    h.register('b');
    h.createMatch('m1', 'a', 'b');
    const r = h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'VITORIA', scores: { a: 1, b: 0 }, at: -5 });
    expect(r.ok).toBe(false);
    expect(historyOf(h.state, 'a')).toEqual([]);
  });
});
