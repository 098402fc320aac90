import { describe, it, expect } from 'vitest';
import { checkInvariants } from './invariants.ts';
import { activeMatchOf, collectionOf, getMatch, getPlayer, lockedBy } from './queries.ts';
import { Harness, expectCode } from './test-helpers.ts';

function setup() {
  const h = new Harness();
  for (const p of ['a', 'b', 'c']) h.register(p);
  const packA = h.buy('a', 'ra').cards.map((c) => c.id);
  const packB = h.buy('b', 'rb').cards.map((c) => c.id);
  return { h, packA, packB };
}

describe('MATCH_CREATED', () => {
  it('records an active match at epoch 1 and points both players at it', () => {
    const { h } = setup();
    const r = h.createMatch('m1', 'a', 'b');
    expect(r.match).toMatchObject({ matchId: 'm1', players: ['a', 'b'], host: 'n1', shadow: 'n2', epoch: 1, status: 'active', result: null });
    expect(r.match.hands).toEqual({ a: null, b: null });
    expect(activeMatchOf(h.state, 'a')?.matchId).toBe('m1');
    expect(getPlayer(h.state, 'b')?.activeMatchId).toBe('m1');
  });

  it('is idempotent for the same matchId and players, a conflict otherwise', () => {
    const { h } = setup();
    const first = h.createMatch('m1', 'a', 'b');
    expect(h.apply({ type: 'MATCH_CREATED', matchId: 'm1', players: ['a', 'b'], host: 'n1', shadow: 'n2', seed: 's' })).toEqual(first);
    expectCode(h.apply({ type: 'MATCH_CREATED', matchId: 'm1', players: ['a', 'c'], host: 'n1', shadow: 'n2', seed: 's' }), 'MATCH_CONFLICT');
  });

  it('never puts a player in two matches', () => {
    const { h } = setup();
    h.createMatch('m1', 'a', 'b');
    expectCode(h.apply({ type: 'MATCH_CREATED', matchId: 'm2', players: ['c', 'a'], host: 'n1', shadow: 'n2', seed: 's' }), 'PLAYER_IN_MATCH');
    expect(getMatch(h.state, 'm2')).toBeNull();
    expect(getPlayer(h.state, 'c')?.activeMatchId).toBeNull();
  });

  it('refuses unknown players and self-play', () => {
    const { h } = setup();
    expectCode(h.apply({ type: 'MATCH_CREATED', matchId: 'm', players: ['a', 'a'], host: 'n1', shadow: null, seed: 's' }), 'SAME_PLAYER');
    expectCode(h.apply({ type: 'MATCH_CREATED', matchId: 'm', players: ['a', 'ghost'], host: 'n1', shadow: null, seed: 's' }), 'UNKNOWN_PLAYER');
  });
});

describe('MATCH_HAND', () => {
  it('locks 5 owned cards as the hand', () => {
    const { h, packA } = setup();
    h.createMatch('m1', 'a', 'b');
    const r = h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'a', cardIds: packA });
    expect(r.ok && r.cards.map((c) => c.id)).toEqual(packA);
    for (const id of packA) expect(lockedBy(h.state, id)).toBe('m1');
    expect(getMatch(h.state, 'm1')?.hands.a).toEqual(packA);
    // Same hand again is a harmless retry.
    expect(h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'a', cardIds: [...packA].reverse() }).ok).toBe(true);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('refuses bad hands with specific codes and changes nothing', () => {
    const { h, packA, packB } = setup();
    h.createMatch('m1', 'a', 'b');
    const hand = (playerId: string, cardIds: string[], matchId = 'm1') => h.apply({ type: 'MATCH_HAND', matchId, playerId, cardIds });
    expectCode(hand('a', packA.slice(0, 4)), 'BAD_HAND');
    expectCode(hand('a', [packA[0], packA[0], packA[1], packA[2], packA[3]]), 'BAD_HAND');
    expectCode(hand('a', [...packA.slice(0, 4), packB[0]]), 'CARD_NOT_OWNED');
    expectCode(hand('a', [...packA.slice(0, 4), 'no-such-card']), 'CARD_NOT_OWNED');
    expectCode(hand('c', packA), 'NOT_IN_MATCH');
    expectCode(hand('a', packA, 'nope'), 'UNKNOWN_MATCH');
    expect(h.state.locked.size).toBe(0);
    expect(hand('a', packA).ok).toBe(true);
    h.buy('a', 'ra2');
    const other = collectionOf(h.state, 'a').slice(5).map((c) => c.id);
    expectCode(hand('a', other), 'HAND_ALREADY_SET');
    expectCode(h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'b', cardIds: packB, epoch: 2 }), 'STALE_EPOCH');
  });
});

describe('MATCH_FAILOVER', () => {
  it('bumps the epoch only when the expected epoch matches (compare-and-set)', () => {
    const { h } = setup();
    h.createMatch('m1', 'a', 'b');
    const r = h.apply({ type: 'MATCH_FAILOVER', matchId: 'm1', expectedEpoch: 1, host: 'n2', shadow: 'n3' });
    expect(r.ok && r.match).toMatchObject({ epoch: 2, host: 'n2', shadow: 'n3' });
    // A rival that saw epoch 1 loses.
    expectCode(h.apply({ type: 'MATCH_FAILOVER', matchId: 'm1', expectedEpoch: 1, host: 'n3', shadow: null }), 'STALE_EPOCH');
    expect(getMatch(h.state, 'm1')).toMatchObject({ epoch: 2, host: 'n2' });
    expectCode(h.apply({ type: 'MATCH_FAILOVER', matchId: 'zz', expectedEpoch: 1, host: 'n3', shadow: null }), 'UNKNOWN_MATCH');
  });

  it('is refused for finished matches', () => {
    const { h } = setup();
    h.createMatch('m1', 'a', 'b');
    h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'VITORIA', scores: { a: 3, b: 2 } });
    expectCode(h.apply({ type: 'MATCH_FAILOVER', matchId: 'm1', expectedEpoch: 1, host: 'n2', shadow: 'n3' }), 'MATCH_FINISHED');
  });
});

describe('MATCH_FINISHED', () => {
  it('records the result, updates stats, frees hands and players; idempotent', () => {
    const { h, packA, packB } = setup();
    h.createMatch('m1', 'a', 'b');
    h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'a', cardIds: packA });
    h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'b', cardIds: packB });
    const r = h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'b', reason: 'VITORIA', scores: { b: 3, a: 2 } });
    expect(r.ok && r.match.result).toEqual({ winnerId: 'b', reason: 'VITORIA', scores: { a: 2, b: 3 } });
    expect(r.ok && r.match.status).toBe('finished');
    expect(getPlayer(h.state, 'a')).toMatchObject({ wins: 0, losses: 1, draws: 0, activeMatchId: null });
    expect(getPlayer(h.state, 'b')).toMatchObject({ wins: 1, losses: 0, draws: 0, activeMatchId: null });
    expect(h.state.locked.size).toBe(0);
    // Cards stay with their owners (playing never destroys a card).
    expect(collectionOf(h.state, 'a').map((c) => c.id)).toEqual(packA);
    // A repeat — even one claiming another result — reads the first and changes nothing.
    const again = h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'VITORIA', scores: {} });
    expect(again).toEqual(r);
    expect(getPlayer(h.state, 'a')?.losses).toBe(1);
    // Both players may play again.
    expect(h.createMatch('m2', 'b', 'a').ok).toBe(true);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('records draws', () => {
    const { h } = setup();
    h.createMatch('m1', 'a', 'b');
    h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: null, reason: 'EMPATE', scores: { a: 2, b: 2 } });
    expect(getPlayer(h.state, 'a')?.draws).toBe(1);
    expect(getPlayer(h.state, 'b')?.draws).toBe(1);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('refuses bad results and stale hosts', () => {
    const { h } = setup();
    h.createMatch('m1', 'a', 'b');
    const fin = (extra: object) => h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'VITORIA', scores: {}, ...extra });
    expectCode(fin({ winnerId: 'c' }), 'NOT_IN_MATCH');
    expectCode(fin({ scores: { c: 1 } }), 'BAD_COMMAND');
    expectCode(fin({ scores: { a: 4, b: 2 } }), 'BAD_COMMAND');
    expectCode(fin({ matchId: 'zz' }), 'UNKNOWN_MATCH');
    h.apply({ type: 'MATCH_FAILOVER', matchId: 'm1', expectedEpoch: 1, host: 'n2', shadow: 'n3' });
    expectCode(fin({ epoch: 1 }), 'STALE_EPOCH');
    expect(getMatch(h.state, 'm1')?.status).toBe('active');
    expect(fin({ epoch: 2 }).ok).toBe(true);
  });
});
