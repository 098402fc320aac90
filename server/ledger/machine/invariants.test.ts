import { describe, it, expect } from 'vitest';
import { checkInvariants } from './invariants.ts';
import { collectionOf } from './queries.ts';
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
});
