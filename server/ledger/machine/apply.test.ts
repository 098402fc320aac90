import { describe, it, expect } from 'vitest';
import { applyCommand, markApplied } from './apply.ts';
import { checkInvariants } from './invariants.ts';
import type { Card } from '../../../protocol/cards.ts';
import { getMatch, getPlayer, leaderboard, lockedBy, members, stockStatus } from './queries.ts';
import { serializeLedger } from './snapshot.ts';
import { PURCHASES_KEPT_PER_PLAYER } from './retention.ts';
import { Harness, expectCode } from './test-helpers.ts';

/** Everything but lastApplied/lastAppliedTerm, to assert "no state change". */
const body = (h: Harness) => {
  const { lastApplied: _a, lastAppliedTerm: _t, ...rest } = serializeLedger(h.state);
  return rest;
};

describe('applyCommand basics', () => {
  it.each([
    ['null', null],
    ['a string', 'BUY_PACK'],
    ['an empty object', {}],
    ['an unknown type', { type: 'MINT_CARDS', playerId: 'p' }],
    ['a missing field', { type: 'BUY_PACK', playerId: 'p' }],
    ['a wrong field type', { type: 'BUY_PACK', requestId: 1, playerId: 'p' }],
    ['an over-long name', { type: 'REGISTER_PLAYER', playerId: 'q', name: 'x'.repeat(25), tokenHash: 't' }],
    ['a blank name', { type: 'REGISTER_PLAYER', playerId: 'q', name: '   ', tokenHash: 't' }],
    ['a bad port', { type: 'ADD_MEMBER', id: 'n9', address: 'http://x', mqttPort: 70000 }],
  ])('refuses %s as BAD_COMMAND, changing nothing but lastApplied', (_l, cmd) => {
    const h = new Harness();
    h.register('p');
    const before = body(h);
    const r = h.apply(cmd);
    expectCode(r, 'BAD_COMMAND');
    expect(body(h)).toEqual(before);
    expect(h.state.lastApplied).toBe(h.index);
  });

  it('records lastApplied and term on every command, refused or not', () => {
    const h = new Harness();
    applyCommand(h.state, { type: 'SET_NAME', playerId: 'nobody', name: 'x' }, { index: 7, term: 3 });
    expect(h.state.lastApplied).toBe(7);
    expect(h.state.lastAppliedTerm).toBe(3);
  });

  it('refuses an index behind lastApplied (double apply) with no change at all', () => {
    const h = new Harness();
    applyCommand(h.state, { type: 'REGISTER_PLAYER', playerId: 'p', name: 'P', tokenHash: 'h' }, { index: 10, term: 1 });
    const before = serializeLedger(h.state);
    const r = applyCommand(h.state, { type: 'REGISTER_PLAYER', playerId: 'q', name: 'Q', tokenHash: 'h' }, { index: 9, term: 1 });
    expectCode(r, 'STALE_INDEX');
    expect(serializeLedger(h.state)).toEqual(before);
  });

  it('markApplied advances lastApplied for no-op entries and never goes back', () => {
    const h = new Harness();
    markApplied(h.state, { index: 5, term: 2 });
    markApplied(h.state, { index: 3, term: 1 });
    expect(h.state.lastApplied).toBe(5);
    expect(h.state.lastAppliedTerm).toBe(2);
  });
});

describe('players', () => {
  it('registers on first use and is idempotent with the same token', () => {
    const h = new Harness();
    const r1 = h.apply({ type: 'REGISTER_PLAYER', playerId: 'p', name: 'Ana', tokenHash: 'h1' });
    expect(r1).toEqual({ ok: true, playerId: 'p', name: 'Ana', created: true });
    const r2 = h.apply({ type: 'REGISTER_PLAYER', playerId: 'p', name: 'Other', tokenHash: 'h1' });
    expect(r2).toEqual({ ok: true, playerId: 'p', name: 'Ana', created: false });
    expect(getPlayer(h.state, 'p')).toMatchObject({ id: 'p', name: 'Ana', tokenHash: 'h1', wins: 0, cardCount: 0, activeMatchId: null });
  });

  it('refuses another token for a registered player', () => {
    const h = new Harness();
    h.register('p', 'Ana', 'h1');
    expectCode(h.apply({ type: 'REGISTER_PLAYER', playerId: 'p', name: 'Ana', tokenHash: 'h2' }), 'TOKEN_MISMATCH');
    expect(getPlayer(h.state, 'p')?.tokenHash).toBe('h1');
  });

  it('sets names of 1–24 characters (counting code points)', () => {
    const h = new Harness();
    h.register('p');
    expect(h.apply({ type: 'SET_NAME', playerId: 'p', name: 'Ávila 🃏' })).toEqual({ ok: true, playerId: 'p', name: 'Ávila 🃏' });
    expect(h.apply({ type: 'SET_NAME', playerId: 'p', name: '🃏'.repeat(24) }).ok).toBe(true);
    expectCode(h.apply({ type: 'SET_NAME', playerId: 'p', name: '' }), 'BAD_COMMAND');
    expectCode(h.apply({ type: 'SET_NAME', playerId: 'p', name: 'a\nb' }), 'BAD_COMMAND');
    expectCode(h.apply({ type: 'SET_NAME', playerId: 'ghost', name: 'x' }), 'UNKNOWN_PLAYER');
  });
});

describe('BUY_PACK', () => {
  it('sells 5 cards to the buyer and updates the stock', () => {
    const h = new Harness();
    h.register('p');
    const r = h.buy('p', 'r1');
    expect(r.cards).toHaveLength(5);
    expect(new Set(r.cards.map((c) => c.id)).size).toBe(5);
    expect(r.remaining).toBe(2795);
    const s = stockStatus(h.state);
    expect(s.total).toBe(2800);
    expect(s.sold).toBe(5);
    expect(s.remaining.C + s.remaining.U + s.remaining.R + s.remaining.L).toBe(2795);
    expect(getPlayer(h.state, 'p')?.cardCount).toBe(5);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('returns the same pack for a retried requestId and sells nothing more', () => {
    const h = new Harness();
    h.register('p');
    const first = h.buy('p', 'r1');
    h.buy('p', 'r2');
    const before = body(h);
    const again = h.apply({ type: 'BUY_PACK', requestId: 'r1', playerId: 'p' });
    expect(again).toEqual(first);
    expect(body(h)).toEqual(before);
  });

  it('refuses a requestId reused by another player', () => {
    const h = new Harness();
    h.register('p');
    h.register('q');
    h.buy('p', 'r1');
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'r1', playerId: 'q' }), 'DUPLICATE_REQUEST');
    expect(getPlayer(h.state, 'q')?.cardCount).toBe(0);
  });

  it('refuses a requestId retried for another match, or with / without a match, and changes nothing', () => {
    const h = new Harness();
    h.register('p');
    h.register('q');
    const outside = h.buy('p', 'x1'); // outside any match
    h.createMatch('m1', 'p', 'q');
    let before = body(h);
    // The reuse trick: the same requestId inside a match awaiting purchase.
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'x1', playerId: 'p', matchId: 'm1' }), 'DUPLICATE_REQUEST');
    expect(body(h)).toEqual(before);
    expect(getMatch(h.state, 'm1')?.hands.p).toBeNull();
    expect(h.state.locked.size).toBe(0);
    // A purchase for m1, then retried without a match / for another match.
    const inMatch = h.buy('q', 'y1', 'm1');
    h.register('r');
    h.register('s');
    h.createMatch('m2', 'r', 's');
    before = body(h);
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'y1', playerId: 'q' }), 'DUPLICATE_REQUEST');
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'y1', playerId: 'q', matchId: 'm2' }), 'DUPLICATE_REQUEST');
    expect(body(h)).toEqual(before);
    // The genuine retries still get their packs.
    expect(h.apply({ type: 'BUY_PACK', requestId: 'x1', playerId: 'p' })).toEqual(outside);
    expect(h.apply({ type: 'BUY_PACK', requestId: 'y1', playerId: 'q', matchId: 'm1' })).toEqual(inMatch);
    expect(body(h)).toEqual(before);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('refuses unknown players', () => {
    const h = new Harness();
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'r1', playerId: 'ghost' }), 'UNKNOWN_PLAYER');
    expect(h.state.sold).toBe(0);
  });

  it('sells the whole stock, then ESTOQUE_ESGOTADO with nothing sold', () => {
    const h = new Harness();
    h.register('p');
    const ids = new Set<string>();
    for (let i = 0; i < 560; i++) for (const c of h.buy('p', `r${i}`).cards) ids.add(c.id);
    expect(ids.size).toBe(2800);
    expect(stockStatus(h.state)).toEqual({ total: 2800, remaining: { C: 0, U: 0, R: 0, L: 0 }, sold: 2800 });
    const before = body(h);
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'last', playerId: 'p' }), 'ESTOQUE_ESGOTADO');
    expect(body(h)).toEqual(before);
    // A retry of one of the player's last PURCHASES_KEPT_PER_PLAYER purchases still answers
    // with its pack; an older requestId is forgotten (a new purchase, here refused: no stock).
    const recent = h.apply({ type: 'BUY_PACK', requestId: `r${560 - PURCHASES_KEPT_PER_PLAYER}`, playerId: 'p' });
    expect(recent.ok).toBe(true);
    expect(h.state.purchases.size).toBe(PURCHASES_KEPT_PER_PLAYER);
    expectCode(h.apply({ type: 'BUY_PACK', requestId: `r${559 - PURCHASES_KEPT_PER_PLAYER}`, playerId: 'p' }), 'ESTOQUE_ESGOTADO');
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('is deterministic: two replicas applying the same log sell the same cards', () => {
    const a = new Harness('same-cluster');
    const b = new Harness('same-cluster');
    for (const h of [a, b]) {
      h.register('p');
      h.register('q');
    }
    for (let i = 0; i < 50; i++) {
      const who = i % 3 === 0 ? 'q' : 'p';
      expect(b.buy(who, `r${i}`)).toEqual(a.buy(who, `r${i}`));
    }
    expect(serializeLedger(b.state)).toEqual(serializeLedger(a.state));
  });

  it('differs between log indices and between clusters', () => {
    const a = new Harness('c1');
    const b = new Harness('c1');
    const c = new Harness('c2');
    a.register('p');
    b.register('p');
    b.index += 1; // the same purchase lands one entry later
    c.register('p');
    const face = (cards: Card[]) => cards.map((x) => `${x.name}/${x.value}/${x.suit}`);
    const pa = a.buy('p', 'r').cards;
    expect(b.buy('p', 'r').cards.map((x) => x.id)).not.toEqual(pa.map((x) => x.id));
    expect(face(c.buy('p', 'r').cards)).not.toEqual(face(pa));
  });

  it('with a matchId also locks the pack as the hand in that match', () => {
    const h = new Harness();
    h.register('p');
    h.register('q');
    h.createMatch('m1', 'p', 'q');
    const r = h.buy('p', 'r1', 'm1');
    for (const c of r.cards) expect(lockedBy(h.state, c.id)).toBe('m1');
    expect(getMatch(h.state, 'm1')?.hands.p).toEqual(r.cards.map((c) => c.id));
    expect(h.state.locked.size).toBe(5);
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'r2', playerId: 'p', matchId: 'm1' }), 'HAND_ALREADY_SET');
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'r3', playerId: 'p', matchId: 'nope' }), 'UNKNOWN_MATCH');
    h.register('z');
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'r4', playerId: 'z', matchId: 'm1' }), 'NOT_IN_MATCH');
    expect(h.state.sold).toBe(5);
    expect(checkInvariants(h.state)).toEqual([]);
  });
});

describe('membership', () => {
  it('adds learners, promotes, updates and removes members', () => {
    const h = new Harness();
    const r = h.apply({ type: 'ADD_MEMBER', id: 'n4', address: 'http://127.0.0.1:8084', mqttPort: 1887 });
    expect(r.ok && r.members.find((m) => m.id === 'n4')).toEqual({ id: 'n4', address: 'http://127.0.0.1:8084', mqttPort: 1887, voter: false });
    expect(h.apply({ type: 'PROMOTE_MEMBER', id: 'n4' }).ok).toBe(true);
    expect(members(h.state).find((m) => m.id === 'n4')?.voter).toBe(true);
    h.apply({ type: 'ADD_MEMBER', id: 'n4', address: 'http://127.0.0.1:9000', mqttPort: 1999 });
    expect(members(h.state).find((m) => m.id === 'n4')).toEqual({ id: 'n4', address: 'http://127.0.0.1:9000', mqttPort: 1999, voter: true });
    h.apply({ type: 'UPDATE_MEMBER_ADDRESS', id: 'n4', address: 'http://127.0.0.1:9001', mqttPort: 2000 });
    expect(members(h.state).find((m) => m.id === 'n4')?.address).toBe('http://127.0.0.1:9001');
    expect(h.apply({ type: 'REMOVE_MEMBER', id: 'n4' }).ok).toBe(true);
    expect(members(h.state).map((m) => m.id)).toEqual(['n1', 'n2', 'n3']);
    expectCode(h.apply({ type: 'REMOVE_MEMBER', id: 'n4' }), 'UNKNOWN_MEMBER');
    expectCode(h.apply({ type: 'PROMOTE_MEMBER', id: 'n4' }), 'UNKNOWN_MEMBER');
    expectCode(h.apply({ type: 'UPDATE_MEMBER_ADDRESS', id: 'n4', address: 'x', mqttPort: 1 }), 'UNKNOWN_MEMBER');
  });

  it('returns copies that cannot change the state', () => {
    const h = new Harness();
    members(h.state)[0].address = 'evil';
    expect(members(h.state)[0].address).toBe('http://127.0.0.1:8081');
  });
});

describe('leaderboard', () => {
  it('sorts by wins, then fewer losses, more draws, name, id', () => {
    const h = new Harness();
    for (const [id, name] of [['a', 'Zé'], ['b', 'Bia'], ['c', 'Caio'], ['d', 'Ana']]) h.register(id, name);
    const play = (m: string, x: string, y: string, winner: string | null) => {
      h.createMatch(m, x, y);
      h.apply({ type: 'MATCH_FINISHED', matchId: m, winnerId: winner, reason: winner ? 'VITORIA' : 'EMPATE', scores: {} });
    };
    play('m1', 'a', 'b', 'a');
    play('m2', 'a', 'c', 'a');
    play('m3', 'b', 'c', 'b');
    play('m4', 'c', 'd', null);
    expect(leaderboard(h.state, 10).map((r) => r.playerId)).toEqual(['a', 'b', 'd', 'c']);
    expect(leaderboard(h.state, 1)).toEqual([{ playerId: 'a', name: 'Zé', wins: 2, losses: 0, draws: 0 }]);
    expect(checkInvariants(h.state)).toEqual([]);
  });
});
