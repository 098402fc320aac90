// Trades with consent: TRADE_OFFER → TRADE (accept, by the recipient) or TRADE_DECLINE.
import { describe, it, expect } from 'vitest';
import { applyCommand } from './apply.ts';
import { checkInvariants } from './invariants.ts';
import { collectionOf, getTrade, ownerOf, pendingTradesFor } from './queries.ts';
import { deserializeLedger, ledgerDigest, serializeLedger } from './snapshot.ts';
import { MAX_PENDING_OFFERS, tradeOfferProblem } from './trade.ts';
import { CLOSED_TRADES_KEPT } from './retention.ts';
import { Harness, expectCode, serializeLedgerV3 } from './test-helpers.ts';

function setup() {
  const h = new Harness();
  for (const p of ['a', 'b', 'c']) h.register(p);
  const ca = h.buy('a', 'ra').cards.map((c) => c.id);
  const cb = h.buy('b', 'rb').cards.map((c) => c.id);
  const cc = h.buy('c', 'rc').cards.map((c) => c.id);
  return { h, ca, cb, cc };
}
const offer = (tradeId: string, from: string, to: string, offerCardId: string, wantCardId: string) =>
  ({ type: 'TRADE_OFFER', tradeId, fromPlayerId: from, toPlayerId: to, offerCardId, wantCardId }) as const;
const accept = (tradeId: string, from: string, to: string, offerCardId: string, wantCardId: string, by = to) =>
  ({ type: 'TRADE', tradeId, fromPlayerId: from, toPlayerId: to, offerCardId, wantCardId, byPlayerId: by }) as const;
const decline = (tradeId: string, by: string) => ({ type: 'TRADE_DECLINE', tradeId, byPlayerId: by }) as const;

/** Everything replicated except lastApplied, to check a refusal changed nothing. */
function content(h: Harness) {
  const { lastApplied: _a, lastAppliedTerm: _t, ...rest } = serializeLedger(h.state);
  return rest;
}

describe('TRADE_OFFER', () => {
  it('records a pending offer visible to both parties and moves no card', () => {
    const { h, ca, cb } = setup();
    const r = h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    expect(r.ok && [r.tradeId, r.offerCard.id, r.wantCard.id]).toEqual(['t1', ca[0], cb[0]]);
    expect(ownerOf(h.state, ca[0])).toBe('a');
    const view = getTrade(h.state, 't1');
    expect(view).toMatchObject({ tradeId: 't1', fromPlayerId: 'a', toPlayerId: 'b', status: 'pending', reason: null, createdAt: h.index, closedAt: null });
    expect(pendingTradesFor(h.state, 'b').map((t) => t.tradeId)).toEqual(['t1']);
    expect(pendingTradesFor(h.state, 'a').map((t) => t.tradeId)).toEqual(['t1']);
    expect(pendingTradesFor(h.state, 'c')).toEqual([]);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('is idempotent by tradeId; another offer under the same id is DUPLICATE_REQUEST', () => {
    const { h, ca, cb } = setup();
    const first = h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    const createdAt = h.index;
    expect(h.apply(offer('t1', 'a', 'b', ca[0], cb[0]))).toEqual(first);
    expect(getTrade(h.state, 't1')?.createdAt).toBe(createdAt);
    expectCode(h.apply(offer('t1', 'a', 'b', ca[1], cb[0])), 'DUPLICATE_REQUEST');
    h.apply({ type: 'TRADE', tradeId: 'direct', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: ca[4], wantCardId: cb[4] });
    expectCode(h.apply(offer('direct', 'a', 'b', ca[1], cb[1])), 'DUPLICATE_REQUEST');
    expect(h.state.offers.size).toBe(1);
  });

  it('refuses with specific codes and changes nothing', () => {
    const { h, ca, cb, cc } = setup();
    const before = content(h);
    expectCode(h.apply(offer('x1', 'a', 'a', ca[0], ca[1])), 'SAME_PLAYER');
    expectCode(h.apply(offer('x2', 'a', 'ghost', ca[0], cb[0])), 'UNKNOWN_PLAYER');
    expectCode(h.apply(offer('x3', 'ghost', 'b', ca[0], cb[0])), 'UNKNOWN_PLAYER');
    expectCode(h.apply(offer('x4', 'a', 'b', cb[1], cb[0])), 'CARD_NOT_OWNED');
    expectCode(h.apply(offer('x5', 'a', 'b', ca[0], cc[0])), 'CARD_NOT_OWNED');
    expectCode(h.apply(offer('x6', 'a', 'b', 'not-a-card', cb[0])), 'CARD_NOT_OWNED');
    expectCode(h.apply({ ...offer('x7', 'a', 'b', ca[0], cb[0]), tradeId: '' }), 'BAD_COMMAND');
    h.createMatch('m1', 'b', 'c');
    const locked = content(h);
    h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'b', cardIds: cb });
    const withHand = content(h);
    // The proposer's own card in its own hand: refused (it knows its hand).
    expectCode(h.apply(offer('x9', 'b', 'a', cb[0], ca[0])), 'CARD_IN_MATCH');
    expect(content(h)).toEqual(withHand);
    expect(locked).not.toEqual(before);
    expect(h.state.offers.size).toBe(0);
    // Asking for a card in the other player's hand is accepted like any owned card: an offer
    // must not reveal a hand. The lock is checked when it is accepted.
    expect(h.apply(offer('x8', 'a', 'b', ca[0], cb[0])).ok).toBe(true);
    expect(h.apply(offer('x10', 'a', 'b', ca[1], cb[0])).ok).toBe(true);
    expectCode(h.apply(accept('x8', 'a', 'b', ca[0], cb[0])), 'CARD_IN_MATCH');
    expect(getTrade(h.state, 'x8')).toMatchObject({ status: 'refused' });
    expect(ownerOf(h.state, cb[0])).toBe('b');
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('tradeOfferProblem predicts the refusal without changing anything', () => {
    const { h, ca, cb } = setup();
    const before = serializeLedger(h.state);
    expect(tradeOfferProblem(h.state, { tradeId: 'p', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: ca[0], wantCardId: cb[0] })).toBeNull();
    expect(tradeOfferProblem(h.state, { tradeId: 'p', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: cb[0], wantCardId: cb[1] })?.code).toBe('CARD_NOT_OWNED');
    expect(serializeLedger(h.state)).toEqual(before);
  });

  it(`allows at most ${MAX_PENDING_OFFERS} pending offers per proposer`, () => {
    const { h, ca, cb } = setup();
    for (let i = 0; i < MAX_PENDING_OFFERS; i++) expect(h.apply(offer(`o${i}`, 'a', 'b', ca[i % 5], cb[0])).ok).toBe(true);
    expectCode(h.apply(offer('one-more', 'a', 'b', ca[0], cb[0])), 'TOO_MANY_OFFERS');
    // Offers to a (incoming) do not count against a; closing one frees a slot.
    expect(h.apply(offer('in', 'b', 'a', cb[1], ca[1])).ok).toBe(true);
    h.apply(decline('o0', 'a'));
    expect(h.apply(offer('one-more', 'a', 'b', ca[0], cb[0])).ok).toBe(true);
    expect(checkInvariants(h.state)).toEqual([]);
  });
});

describe('closed offers are pruned', () => {
  type Cmd = Parameters<Harness['apply']>[0];
  /** Closes `n` offers a↔b with an offer/decline pair each (cards stay where they are). */
  function closeMany(apply: (c: Cmd) => unknown, n: number, ca: string[], cb: string[], tag: string) {
    for (let i = 0; i < n; i++) {
      apply(offer(`${tag}${i}`, 'a', 'b', ca[4], cb[4]));
      apply(decline(`${tag}${i}`, 'b'));
    }
  }

  it(`keeps the last ${CLOSED_TRADES_KEPT} closed offers and trades, pending ones always, the same on every replica`, () => {
    const { h, ca, cb } = setup();
    h.apply(offer('done', 'a', 'b', ca[0], cb[0]));
    h.apply(accept('done', 'a', 'b', ca[0], cb[0]));
    h.apply(offer('declined', 'a', 'b', ca[1], cb[1]));
    h.apply(decline('declined', 'b'));
    h.apply(offer('pending', 'a', 'b', ca[2], cb[2]));
    const replica = deserializeLedger(serializeLedger(h.state)); // a peer restored from a snapshot
    const both = (cmd: Cmd) => {
      const r = h.apply(cmd);
      expect(applyCommand(replica, cmd, { index: h.index, term: 1 })).toEqual(r);
      return r;
    };
    // Just inside the window: nothing goes, a retry still gets the same answer.
    closeMany(both, CLOSED_TRADES_KEPT - 2, ca, cb, 'x');
    expect(h.state.offers.size).toBe(CLOSED_TRADES_KEPT + 1);
    expect(both(decline('declined', 'b'))).toMatchObject({ ok: true, reason: 'DECLINED' });
    expect(both(accept('done', 'a', 'b', ca[0], cb[0]))).toMatchObject({ ok: true, tradeId: 'done' });
    // Two more closes push out the two oldest: the accepted offer (with its swap record) and the declined one.
    closeMany(both, 2, ca, cb, 'y');
    expect(getTrade(h.state, 'done')).toBeNull();
    expect(getTrade(h.state, 'declined')).toBeNull();
    expect(getTrade(h.state, 'pending')).toMatchObject({ status: 'pending' });
    expect(h.state.offers.size).toBe(CLOSED_TRADES_KEPT + 1);
    expect(ownerOf(h.state, ca[0])).toBe('b'); // the swap itself stands
    // A late accept of a forgotten offer never becomes a direct swap.
    expectCode(both(accept('declined', 'a', 'b', ca[1], cb[1])), 'UNKNOWN_TRADE');
    expect(ownerOf(h.state, ca[1])).toBe('a');
    expect(checkInvariants(h.state)).toEqual([]);
    expect(ledgerDigest(replica)).toBe(ledgerDigest(h.state));
    expect(deserializeLedger(JSON.parse(JSON.stringify(serializeLedger(h.state)))).offers).toEqual(h.state.offers);
  });

  it('a snapshot written before the bound (every closed offer kept) loads trimmed to it', () => {
    const { h, ca, cb } = setup();
    closeMany((c) => h.apply(c), CLOSED_TRADES_KEPT + 10, ca, cb, 'z');
    const snap = serializeLedger(h.state);
    const trimmed = snap.offers.length;
    expect(trimmed).toBe(CLOSED_TRADES_KEPT);
    // Old code kept them all: add the 10 oldest back, as a version 3 snapshot would hold them.
    const old = serializeLedgerV3(h.state);
    const forgotten = Array.from({ length: 10 }, (_, i) => [`z${i}`, 'a', 'b', snap.offers[0][3], snap.offers[0][4], 'declined', 'DECLINED', 7 + 2 * i, 8 + 2 * i]);
    old.offers = [...forgotten, ...old.offers];
    const loaded = deserializeLedger(JSON.parse(JSON.stringify(old)));
    expect(ledgerDigest(loaded)).toBe(ledgerDigest(h.state));
  });
});

describe('accepting an offer (TRADE with its tradeId)', () => {
  it('swaps atomically and closes the offer as done', () => {
    const { h, ca, cb } = setup();
    h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    const r = h.apply(accept('t1', 'a', 'b', ca[0], cb[0]));
    expect(r.ok && [r.tradeId, r.offerCard.id, r.wantCard.id]).toEqual(['t1', ca[0], cb[0]]);
    expect(ownerOf(h.state, ca[0])).toBe('b');
    expect(ownerOf(h.state, cb[0])).toBe('a');
    expect(getTrade(h.state, 't1')).toMatchObject({ status: 'done', reason: null, closedAt: h.index });
    expect(pendingTradesFor(h.state, 'a')).toEqual([]);
    expect(pendingTradesFor(h.state, 'b')).toEqual([]);
    expect(h.state.pendingOffers.size).toBe(0);
    expect(checkInvariants(h.state)).toEqual([]);
    // A retried accept returns the same result and moves nothing.
    const before = content(h);
    const closedAt = h.index;
    expect(h.apply(accept('t1', 'a', 'b', ca[0], cb[0]))).toEqual(r);
    expect(content(h)).toEqual(before);
    expect(getTrade(h.state, 't1')?.closedAt).toBe(closedAt);
  });

  it('only the recipient may accept, and only the offer as made', () => {
    const { h, ca, cb } = setup();
    h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    const before = content(h);
    expectCode(h.apply(accept('t1', 'a', 'b', ca[0], cb[0], 'a')), 'NOT_TRADE_PARTY');
    expectCode(h.apply(accept('t1', 'a', 'b', ca[0], cb[0], 'c')), 'NOT_TRADE_PARTY');
    const { byPlayerId: _by, ...noBy } = accept('t1', 'a', 'b', ca[0], cb[0]);
    expectCode(h.apply(noBy), 'NOT_TRADE_PARTY');
    expectCode(h.apply(accept('t1', 'a', 'b', ca[0], cb[1])), 'DUPLICATE_REQUEST');
    expectCode(h.apply(accept('t1', 'b', 'a', cb[0], ca[0], 'a')), 'DUPLICATE_REQUEST');
    expect(content(h)).toEqual(before);
    expect(getTrade(h.state, 't1')?.status).toBe('pending');
  });

  it('refuses when the offered card changed hands meanwhile, closing the offer as refused', () => {
    const { h, ca, cb, cc } = setup();
    h.apply(offer('to-b', 'a', 'b', ca[0], cb[0]));
    h.apply(offer('to-c', 'a', 'c', ca[0], cc[0]));
    expect(h.apply(accept('to-c', 'a', 'c', ca[0], cc[0])).ok).toBe(true);
    const owners = [ownerOf(h.state, ca[0]), ownerOf(h.state, cb[0])];
    const r = h.apply(accept('to-b', 'a', 'b', ca[0], cb[0]));
    expectCode(r, 'CARD_NOT_OWNED');
    expect([ownerOf(h.state, ca[0]), ownerOf(h.state, cb[0])]).toEqual(owners);
    expect(getTrade(h.state, 'to-b')).toMatchObject({ status: 'refused', reason: 'CARD_NOT_OWNED', closedAt: h.index });
    expect(h.state.trades.has('to-b')).toBe(false);
    expect(pendingTradesFor(h.state, 'b')).toEqual([]);
    expect(checkInvariants(h.state)).toEqual([]);
    // Retrying gives the same refusal; declining it now is TRADE_CLOSED.
    expect(h.apply(accept('to-b', 'a', 'b', ca[0], cb[0]))).toEqual(r);
    expectCode(h.apply(decline('to-b', 'b')), 'TRADE_CLOSED');
  });

  it('refuses when a card went into an unfinished match hand meanwhile (CARD_IN_MATCH)', () => {
    const { h, ca, cb } = setup();
    h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    h.createMatch('m1', 'b', 'c');
    h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'b', cardIds: cb });
    expectCode(h.apply(accept('t1', 'a', 'b', ca[0], cb[0])), 'CARD_IN_MATCH');
    expect(getTrade(h.state, 't1')).toMatchObject({ status: 'refused', reason: 'CARD_IN_MATCH' });
    expect(ownerOf(h.state, ca[0])).toBe('a');
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('a declined offer cannot be accepted', () => {
    const { h, ca, cb } = setup();
    h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    h.apply(decline('t1', 'b'));
    const before = content(h);
    expectCode(h.apply(accept('t1', 'a', 'b', ca[0], cb[0])), 'TRADE_CLOSED');
    expect(content(h)).toEqual(before);
  });

  it('keeps direct TRADE (no offer) working; an accept (byPlayerId) of no offer is UNKNOWN_TRADE', () => {
    const { h, ca, cb } = setup();
    expect(h.apply({ type: 'TRADE', tradeId: 'd1', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: ca[0], wantCardId: cb[0] }).ok).toBe(true);
    const before = content(h);
    expectCode(h.apply(accept('d2', 'a', 'b', ca[1], cb[1], 'b')), 'UNKNOWN_TRADE');
    expect(content(h)).toEqual(before);
    expect(getTrade(h.state, 'd1')).toMatchObject({ status: 'done', createdAt: h.index - 1, closedAt: h.index - 1 });
    expect(h.state.offers.size).toBe(0);
  });
});

describe('TRADE_DECLINE', () => {
  it('the recipient declines, the proposer cancels; nothing moves', () => {
    const { h, ca, cb } = setup();
    h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    h.apply(offer('t2', 'a', 'b', ca[1], cb[1]));
    const cards = [collectionOf(h.state, 'a'), collectionOf(h.state, 'b')];
    const r1 = h.apply(decline('t1', 'b'));
    expect(r1).toEqual({ ok: true, tradeId: 't1', fromPlayerId: 'a', toPlayerId: 'b', reason: 'DECLINED' });
    expect(getTrade(h.state, 't1')).toMatchObject({ status: 'declined', reason: 'DECLINED', closedAt: h.index });
    const r2 = h.apply(decline('t2', 'a'));
    expect(r2.ok && r2.reason).toBe('CANCELLED');
    expect([collectionOf(h.state, 'a'), collectionOf(h.state, 'b')]).toEqual(cards);
    expect(pendingTradesFor(h.state, 'a')).toEqual([]);
    expect(checkInvariants(h.state)).toEqual([]);
    // A retry by the same side is ok and changes nothing; by the other side it is closed.
    const closedAt = getTrade(h.state, 't1')?.closedAt;
    expect(h.apply(decline('t1', 'b'))).toEqual(r1);
    expect(getTrade(h.state, 't1')?.closedAt).toBe(closedAt);
    expectCode(h.apply(decline('t1', 'a')), 'TRADE_CLOSED');
  });

  it('refuses unknown trades, strangers and closed trades, changing nothing', () => {
    const { h, ca, cb } = setup();
    h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    h.apply({ type: 'TRADE', tradeId: 'direct', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: ca[1], wantCardId: cb[1] });
    const before = content(h);
    expectCode(h.apply(decline('nope', 'b')), 'UNKNOWN_TRADE');
    expectCode(h.apply(decline('direct', 'b')), 'UNKNOWN_TRADE');
    expectCode(h.apply(decline('t1', 'c')), 'NOT_TRADE_PARTY');
    expectCode(h.apply(decline('t1', 'ghost')), 'NOT_TRADE_PARTY');
    expect(content(h)).toEqual(before);
    h.apply(accept('t1', 'a', 'b', ca[0], cb[0]));
    const done = content(h);
    expectCode(h.apply(decline('t1', 'b')), 'TRADE_CLOSED');
    expect(content(h)).toEqual(done);
  });
});

describe('offers in snapshots', () => {
  it('round-trip with every status and the pending index, and a restored replica keeps agreeing', () => {
    const { h, ca, cb, cc } = setup();
    h.apply(offer('pend', 'a', 'b', ca[0], cb[0]));
    h.apply(offer('pend2', 'c', 'a', cc[0], ca[1]));
    h.apply(offer('done', 'a', 'c', ca[2], cc[1]));
    h.apply(accept('done', 'a', 'c', ca[2], cc[1]));
    h.apply(offer('decl', 'b', 'c', cb[1], cc[2]));
    h.apply(decline('decl', 'c'));
    h.apply(offer('ref', 'b', 'a', cb[2], ca[3]));
    h.apply(offer('ref2', 'b', 'c', cb[2], cc[3]));
    h.apply(accept('ref2', 'b', 'c', cb[2], cc[3]));
    h.apply(accept('ref', 'b', 'a', cb[2], ca[3]));
    expect(checkInvariants(h.state)).toEqual([]);
    const copy = deserializeLedger(JSON.parse(JSON.stringify(serializeLedger(h.state))));
    expect(ledgerDigest(copy)).toBe(ledgerDigest(h.state));
    expect(copy.offers).toEqual(h.state.offers);
    expect(copy.pendingOffers).toEqual(h.state.pendingOffers);
    for (const id of ['pend', 'done', 'decl', 'ref']) expect(getTrade(copy, id)).toEqual(getTrade(h.state, id));
    expect(pendingTradesFor(copy, 'a')).toEqual(pendingTradesFor(h.state, 'a'));
    // Both continue identically: accept one pending offer, cancel the other.
    for (const cmd of [accept('pend', 'a', 'b', ca[0], cb[0]), decline('pend2', 'c')]) {
      const r = h.apply(cmd);
      expect(r.ok).toBe(true);
      expect(applyCommand(copy, cmd, { index: h.index, term: 1 })).toEqual(r);
    }
    expect(ledgerDigest(copy)).toBe(ledgerDigest(h.state));
  });

  it('loads a version 1 snapshot (before offers) and refuses a corrupt offer', () => {
    const { h, ca, cb } = setup();
    const v1 = { ...serializeLedgerV3(h.state), v: 1 } as Record<string, unknown>;
    delete v1.offers;
    expect(deserializeLedger(v1).offers.size).toBe(0);
    h.apply(offer('t1', 'a', 'b', ca[0], cb[0]));
    const bad = structuredClone(serializeLedger(h.state));
    bad.offers[0][5] = 'done'; // done without a trade record
    expect(() => deserializeLedger(bad)).toThrow(/inconsistent.*offer t1/);
    const bad2 = structuredClone(serializeLedger(h.state));
    (bad2.offers[0] as unknown[])[5] = 'lost';
    expect(() => deserializeLedger(bad2)).toThrow(/invalid ledger snapshot/);
  });
});
