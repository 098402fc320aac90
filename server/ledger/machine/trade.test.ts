import { describe, it, expect } from 'vitest';
import { checkInvariants } from './invariants.ts';
import { collectionOf, ownerOf } from './queries.ts';
import { serializeLedger } from './snapshot.ts';
import { Harness, expectCode } from './test-helpers.ts';

function setup() {
  const h = new Harness();
  h.register('a');
  h.register('b');
  h.register('c');
  const ca = h.buy('a', 'ra').cards.map((c) => c.id);
  const cb = h.buy('b', 'rb').cards.map((c) => c.id);
  return { h, ca, cb };
}
const trade = (tradeId: string, from: string, to: string, offer: string, want: string) =>
  ({ type: 'TRADE', tradeId, fromPlayerId: from, toPlayerId: to, offerCardId: offer, wantCardId: want }) as const;

describe('TRADE', () => {
  it('swaps two cards atomically', () => {
    const { h, ca, cb } = setup();
    const r = h.apply(trade('t1', 'a', 'b', ca[0], cb[0]));
    expect(r.ok && [r.offerCard.id, r.wantCard.id]).toEqual([ca[0], cb[0]]);
    expect(ownerOf(h.state, ca[0])).toBe('b');
    expect(ownerOf(h.state, cb[0])).toBe('a');
    expect(collectionOf(h.state, 'a')).toHaveLength(5);
    expect(collectionOf(h.state, 'b').map((c) => c.id)).toContain(ca[0]);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('is idempotent by tradeId', () => {
    const { h, ca, cb } = setup();
    const first = h.apply(trade('t1', 'a', 'b', ca[0], cb[0]));
    const before = serializeLedger(h.state).players;
    expect(h.apply(trade('t1', 'a', 'b', ca[0], cb[0]))).toEqual(first);
    expect(serializeLedger(h.state).players).toEqual(before);
    expectCode(h.apply(trade('t1', 'a', 'b', ca[1], cb[1])), 'DUPLICATE_REQUEST');
  });

  it('refuses with specific codes and changes nothing', () => {
    const { h, ca, cb } = setup();
    const before = serializeLedger(h.state).players;
    expectCode(h.apply(trade('t1', 'a', 'a', ca[0], ca[1])), 'SAME_PLAYER');
    expectCode(h.apply(trade('t2', 'a', 'ghost', ca[0], cb[0])), 'UNKNOWN_PLAYER');
    expectCode(h.apply(trade('t3', 'ghost', 'b', ca[0], cb[0])), 'UNKNOWN_PLAYER');
    expectCode(h.apply(trade('t4', 'a', 'b', cb[1], cb[0])), 'CARD_NOT_OWNED');
    expectCode(h.apply(trade('t5', 'a', 'b', ca[0], ca[1])), 'CARD_NOT_OWNED');
    expectCode(h.apply(trade('t6', 'a', 'c', ca[0], cb[0])), 'CARD_NOT_OWNED');
    expectCode(h.apply(trade('t7', 'a', 'b', 'not-a-card', cb[0])), 'CARD_NOT_OWNED');
    expect(serializeLedger(h.state).players).toEqual(before);
    expect(h.state.trades.size).toBe(0);
  });

  it('refuses cards locked in an unfinished match, allows them once it ends', () => {
    const { h, ca, cb } = setup();
    h.createMatch('m1', 'a', 'c');
    h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'a', cardIds: ca });
    expectCode(h.apply(trade('t1', 'a', 'b', ca[0], cb[0])), 'CARD_IN_MATCH');
    expectCode(h.apply(trade('t2', 'b', 'a', cb[0], ca[0])), 'CARD_IN_MATCH');
    h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: null, reason: 'ABANDONADA', scores: {} });
    expect(h.apply(trade('t3', 'a', 'b', ca[0], cb[0])).ok).toBe(true);
  });

  it('lets a traded card be traded again and keeps the purchase history consistent', () => {
    const { h, ca, cb } = setup();
    h.apply(trade('t1', 'a', 'b', ca[0], cb[0]));
    expect(h.apply(trade('t2', 'b', 'a', ca[0], ca[1])).ok).toBe(true);
    expect(ownerOf(h.state, ca[0])).toBe('a');
    expect(checkInvariants(h.state)).toEqual([]);
  });
});
