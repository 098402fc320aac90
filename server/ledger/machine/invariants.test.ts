import { describe, it, expect } from 'vitest';
import { checkInvariants } from './invariants.ts';
import { collectionOf } from './queries.ts';
import { AgeQueue } from './retention.ts';
import { Harness } from './test-helpers.ts';

function busy() {
  const h = new Harness();
  h.register('a');
  h.register('b');
  h.buy('a', 'r1');
  h.buy('b', 'r2');
  h.createMatch('m1', 'a', 'b');
  h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'a', cardIds: collectionOf(h.state, 'a').map((c) => c.id) });
  return h;
}

describe('checkInvariants', () => {
  it('is empty on a consistent state', () => {
    expect(checkInvariants(new Harness().state)).toEqual([]);
    expect(checkInvariants(busy().state)).toEqual([]);
  });

  it('catches a card sold twice (in stock and owned)', () => {
    const h = busy();
    const c = [...h.state.players.get('a')!.cards][0];
    h.state.stock.C.push(c);
    expect(checkInvariants(h.state).join('\n')).toMatch(/sold .* \+ remaining|two places|owned by/);
  });

  it('catches a card with two owners', () => {
    const h = busy();
    const c = [...h.state.players.get('a')!.cards][0];
    h.state.players.get('b')!.cards.add(c);
    expect(checkInvariants(h.state).join('\n')).toMatch(/two places/);
  });

  it('catches a card that vanished', () => {
    const h = busy();
    h.state.stock.C.pop();
    expect(checkInvariants(h.state).join('\n')).toMatch(/neither in stock nor owned/);
  });

  it('catches ownership moved without a trade', () => {
    const h = busy();
    const a = h.state.players.get('a')!;
    const b = h.state.players.get('b')!;
    const c = [...b.cards][0];
    b.cards.delete(c);
    a.cards.add(c);
    h.state.owner[c] = 'a';
    expect(checkInvariants(h.state).join('\n')).toMatch(/without a trade/);
  });

  it('catches a lost lock and a dangling active match', () => {
    const h = busy();
    h.state.locked.clear();
    h.state.players.get('b')!.activeMatchId = null;
    const out = checkInvariants(h.state).join('\n');
    expect(out).toMatch(/not locked/);
    expect(out).toMatch(/points at null/);
  });

  it('catches a card of an unfinished match hand that is not locked (MATCH_HAND and BUY_PACK hands alike)', () => {
    const h = busy();
    h.buy('b', 'rb', 'm1'); // b's hand is its pack
    expect(checkInvariants(h.state)).toEqual([]);
    for (const seat of [0, 1]) {
      const g = busy();
      g.buy('b', 'rb', 'm1');
      const c = g.state.matches.get('m1')!.hands[seat]![2];
      g.state.locked.delete(c);
      expect(checkInvariants(g.state).join('\n')).toMatch(new RegExp(`card ${c} of .*'s hand in m1 is not locked to it`));
    }
  });

  it('catches a pack bought for an unfinished match that the ledger does not record as the hand', () => {
    // The requestId reuse trick, as a state: the purchase says "for m1", the match has no
    // hand, nothing is locked, so every other check is satisfied.
    const h = busy();
    const p = h.state.purchases.get('r2')!;
    p.matchId = 'm1';
    const out = checkInvariants(h.state);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/purchase r2 is b's hand in unfinished match m1, but the ledger records no hand/);
    // A hand that is some other pack.
    const g = busy();
    g.buy('b', 'rb', 'm1');
    g.state.purchases.get('rb')!.cards = [...g.state.purchases.get('r2')!.cards];
    expect(checkInvariants(g.state).join('\n')).toMatch(/purchase rb is b's hand in unfinished match m1, but the ledger records cards/);
  });

  it('catches a pack bought for a match that is unknown or the buyer does not play in, and accepts finished ones', () => {
    const h = busy();
    h.state.purchases.get('r1')!.matchId = 'ghost';
    expect(checkInvariants(h.state).join('\n')).toMatch(/purchase r1 is for match ghost, which does not exist/);
    const g = busy();
    g.register('c');
    g.buy('c', 'rc');
    g.state.purchases.get('rc')!.matchId = 'm1';
    expect(checkInvariants(g.state).join('\n')).toMatch(/purchase rc is for match m1, which c does not play in/);
    const f = busy();
    f.buy('b', 'rb', 'm1');
    f.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'FIM', scores: { a: 3, b: 2 } });
    expect(checkInvariants(f.state)).toEqual([]);
  });

  it('catches offers that disagree with trades or the pending index', () => {
    const withOffers = () => {
      const h = new Harness();
      h.register('a');
      h.register('b');
      const ca = h.buy('a', 'r1').cards.map((c) => c.id);
      const cb = h.buy('b', 'r2').cards.map((c) => c.id);
      h.apply({ type: 'TRADE_OFFER', tradeId: 'p', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: ca[0], wantCardId: cb[0] });
      h.apply({ type: 'TRADE_OFFER', tradeId: 'd', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: ca[1], wantCardId: cb[1] });
      h.apply({ type: 'TRADE_DECLINE', tradeId: 'd', byPlayerId: 'b' });
      expect(checkInvariants(h.state)).toEqual([]);
      return h;
    };
    let h = withOffers();
    h.state.offers.get('p')!.status = 'done';
    expect(checkInvariants(h.state).join('\n')).toMatch(/done offer p has no matching trade record/);
    h = withOffers();
    h.state.pendingOffers.get('b')!.delete('p');
    expect(checkInvariants(h.state).join('\n')).toMatch(/missing from the pending index/);
    h = withOffers();
    h.state.pendingOffers.get('a')!.add('d');
    expect(checkInvariants(h.state).join('\n')).toMatch(/lists d under a wrongly/);
    h = withOffers();
    h.state.offers.get('d')!.reason = 'CARD_IN_MATCH';
    expect(checkInvariants(h.state).join('\n')).toMatch(/declined offer d has reason CARD_IN_MATCH/);
    h = withOffers();
    h.state.offers.get('p')!.createdAt = h.index + 5;
    expect(checkInvariants(h.state).join('\n')).toMatch(/created at/);
  });

  it('catches stats that do not add up', () => {
    const h = busy();
    h.state.players.get('a')!.wins = 3;
    expect(checkInvariants(h.state).join('\n')).toMatch(/player stats/);
  });

  it('catches folded results that disagree: history beyond the stats, a finished match missing from a history', () => {
    const h = busy();
    h.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'VITORIA', scores: { a: 3, b: 2 } });
    expect(checkInvariants(h.state)).toEqual([]);
    h.state.players.get('a')!.wins = 0;
    h.state.players.get('b')!.losses = 0;
    expect(checkInvariants(h.state).join('\n')).toMatch(/history has more results than its stats/);
    const g = busy();
    g.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: null, reason: 'EMPATE', scores: {} });
    g.state.history.delete('b');
    expect(checkInvariants(g.state).join('\n')).toMatch(/finished match m1 is missing from b's history/);
  });

  it('catches age queues that do not name exactly the records kept', () => {
    const h = busy();
    h.state.purchases.delete('r2'); // a purchase gone without its queue entry
    expect(checkInvariants(h.state).join('\n')).toMatch(/purchase queue of b names purchases that are gone|purchase queue of b holds/);
    const g = busy();
    g.apply({ type: 'MATCH_FINISHED', matchId: 'm1', winnerId: 'a', reason: 'VITORIA', scores: { a: 3, b: 2 } });
    g.state.finished.push('ghost', g.index);
    expect(checkInvariants(g.state).join('\n')).toMatch(/finished-match queue holds 2 ids for 1 records/);
    const k = new Harness();
    k.register('a');
    k.register('b');
    k.buy('a', 'r1');
    k.buy('b', 'r2');
    k.apply({ type: 'TRADE_OFFER', tradeId: 't', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: collectionOf(k.state, 'a')[0].id, wantCardId: collectionOf(k.state, 'b')[0].id });
    expect(k.apply({ type: 'TRADE_DECLINE', tradeId: 't', byPlayerId: 'b' }).ok).toBe(true);
    k.state.closedTrades = new AgeQueue();
    expect(checkInvariants(k.state).join('\n')).toMatch(/declined offer t is not in the closed-trade queue/);
  });
});
