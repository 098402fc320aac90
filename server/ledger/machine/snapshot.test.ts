import { describe, it, expect } from 'vitest';
import { applyCommand } from './apply.ts';
import { decodeInts, encodeInts } from './intcodec.ts';
import { checkInvariants } from './invariants.ts';
import { collectionOf, getMatch, leaderboard, stockStatus } from './queries.ts';
import { deserializeLedger, ledgerDigest, serializeLedger } from './snapshot.ts';
import { createLedger } from './state.ts';
import { Harness, MEMBERS } from './test-helpers.ts';

function busy(): Harness {
  const h = new Harness('snap-cluster');
  for (const p of ['a', 'b', 'c']) h.register(p);
  for (let i = 0; i < 20; i++) h.buy(['a', 'b', 'c'][i % 3], `r${i}`);
  const ca = collectionOf(h.state, 'a').map((c) => c.id);
  const cb = collectionOf(h.state, 'b').map((c) => c.id);
  h.apply({ type: 'TRADE', tradeId: 't1', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: ca[0], wantCardId: cb[0] });
  // Offers: one pending, one accepted, one declined.
  const offer = (tradeId: string, offerCardId: string, wantCardId: string) =>
    h.apply({ type: 'TRADE_OFFER', tradeId, fromPlayerId: 'b', toPlayerId: 'a', offerCardId, wantCardId });
  offer('o-pending', cb[1], ca[6]);
  offer('o-done', cb[2], ca[7]);
  h.apply({ type: 'TRADE', tradeId: 'o-done', fromPlayerId: 'b', toPlayerId: 'a', offerCardId: cb[2], wantCardId: ca[7], byPlayerId: 'a' });
  offer('o-declined', cb[3], ca[8]);
  h.apply({ type: 'TRADE_DECLINE', tradeId: 'o-declined', byPlayerId: 'a' });
  h.createMatch('m1', 'a', 'b');
  h.apply({ type: 'MATCH_HAND', matchId: 'm1', playerId: 'a', cardIds: ca.slice(1, 6) });
  h.apply({ type: 'MATCH_CREATED', matchId: 'm0', players: ['c', 'x-missing'], host: 'n1', shadow: null, seed: 's' }); // refused
  h.apply({ type: 'ADD_MEMBER', id: 'n4', address: 'http://127.0.0.1:8084', mqttPort: 1887 });
  return h;
}

describe('intcodec', () => {
  it('round-trips and compresses runs', () => {
    for (const list of [[], [0], [5, 6, 7, 9, 3, 4], [10, 9, 8], Array.from({ length: 2800 }, (_, i) => i)]) {
      expect(decodeInts(encodeInts(list))).toEqual(list);
    }
    expect(encodeInts([0, 1, 2, 3, 7, 5, 6])).toBe('0-3,7,5-6');
  });
  it('refuses garbage', () => {
    for (const bad of ['a', '1,,2', '3-1', '-1', '01', '1-2-3']) expect(() => decodeInts(bad)).toThrow();
    expect(() => decodeInts('0-10', 5)).toThrow();
  });
});

describe('snapshots', () => {
  it('round-trip through JSON to an identical, consistent state', () => {
    const h = busy();
    const json = JSON.parse(JSON.stringify(serializeLedger(h.state)));
    const copy = deserializeLedger(json);
    expect(ledgerDigest(copy)).toBe(ledgerDigest(h.state));
    expect(serializeLedger(copy)).toEqual(serializeLedger(h.state));
    expect(checkInvariants(copy)).toEqual([]);
    expect(stockStatus(copy)).toEqual(stockStatus(h.state));
    expect(collectionOf(copy, 'b')).toEqual(collectionOf(h.state, 'b'));
    expect(getMatch(copy, 'm1')).toEqual(getMatch(h.state, 'm1'));
    expect(leaderboard(copy, 5)).toEqual(leaderboard(h.state, 5));
    expect(copy.locked).toEqual(h.state.locked);
    expect(copy.owner).toEqual(h.state.owner);
    expect(copy.offers).toEqual(h.state.offers);
    expect(copy.pendingOffers).toEqual(h.state.pendingOffers);
    expect([...copy.offers.values()].map((o) => o.status)).toEqual(['pending', 'done', 'declined']);
  });

  it('a restored replica keeps agreeing with one that never stopped', () => {
    const h = busy();
    const restored = deserializeLedger(JSON.parse(JSON.stringify(serializeLedger(h.state))));
    for (let i = 0; i < 30; i++) {
      const cmd = { type: 'BUY_PACK', requestId: `more${i}`, playerId: ['a', 'b', 'c'][i % 3] } as const;
      const ctx = { index: h.index + 1 + i, term: 2 };
      expect(applyCommand(restored, cmd, ctx)).toEqual(applyCommand(h.state, cmd, ctx));
    }
    expect(ledgerDigest(restored)).toBe(ledgerDigest(h.state));
  });

  it('is compact: a fresh stock-scale-10 ledger (28,000 cards) is a few KB', () => {
    const s = createLedger({ clusterId: 'c', stockScale: 10, members: MEMBERS });
    expect(JSON.stringify(serializeLedger(s)).length).toBeLessThan(10_000);
  });

  it('digest differs when anything replicated differs', () => {
    const a = busy();
    const b = busy();
    expect(ledgerDigest(a.state)).toBe(ledgerDigest(b.state));
    a.apply({ type: 'SET_NAME', playerId: 'c', name: 'c' }); // same name: only lastApplied moves
    b.apply({ type: 'SET_NAME', playerId: 'c', name: 'Outro' });
    expect(ledgerDigest(a.state)).not.toBe(ledgerDigest(b.state));
    // An offer's status alone changes the digest.
    const c = busy();
    const d = busy();
    c.apply({ type: 'TRADE_DECLINE', tradeId: 'o-pending', byPlayerId: 'a' });
    d.apply({ type: 'TRADE_DECLINE', tradeId: 'o-pending', byPlayerId: 'b' });
    expect(ledgerDigest(c.state)).not.toBe(ledgerDigest(d.state));
  });

  it('refuses malformed or inconsistent snapshots with a clear error', () => {
    const good = serializeLedger(busy().state);
    expect(() => deserializeLedger(null)).toThrow(/invalid ledger snapshot/);
    expect(() => deserializeLedger({ ...good, v: 99 })).toThrow(/invalid ledger snapshot \(version 99; this node reads 1–4\)/);
    expect(() => deserializeLedger({ ...good, catalogVersion: 0 })).toThrow(/invalid ledger snapshot/);
    expect(() => deserializeLedger({ ...good, sold: good.sold + 1 })).toThrow(/inconsistent/);
    // A card both in stock and in a collection.
    const dup = structuredClone(good);
    dup.stock.C = `${dup.stock.C},${decodeInts(dup.players[0][8])[0]}`;
    expect(() => deserializeLedger(dup)).toThrow();
    // A card silently moved to another player.
    const moved = structuredClone(good);
    const cardsA = decodeInts(moved.players[0][8]);
    const cardsC = decodeInts(moved.players[2][8]);
    moved.players[2][8] = encodeInts([...cardsC, cardsA.shift()!]);
    moved.players[0][8] = encodeInts(cardsA);
    expect(() => deserializeLedger(moved)).toThrow(/inconsistent/);
  });
});
