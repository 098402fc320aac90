// Random command sequences (valid, invalid, retried, conflicting) must keep every
// invariant, and a replica restored from a snapshot mid-way must end with the same digest.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { applyCommand } from './apply.ts';
import { checkInvariants } from './invariants.ts';
import { collectionOf } from './queries.ts';
import { deserializeLedger, ledgerDigest, serializeLedger, serializeLedgerFresh } from './snapshot.ts';
import { createLedger, type LedgerState } from './state.ts';
import { cardIdAt } from './stock.ts';
import { MEMBERS } from './test-helpers.ts';

const PLAYERS = ['p0', 'p1', 'p2', 'p3'];
const pid = fc.constantFrom(...PLAYERS, 'ghost');
const mid = fc.constantFrom('m0', 'm1', 'm2');
const req = fc.constantFrom(...Array.from({ length: 12 }, (_, i) => `r${i}`));

/** Commands that name cards do so by position in a player's collection, resolved at apply time. */
type Step =
  | { k: 'cmd'; cmd: unknown }
  | { k: 'trade'; from: string; to: string; i: number; j: number; id: string }
  | { k: 'hand'; matchId: string; playerId: string; start: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('REGISTER_PLAYER'), playerId: pid, name: fc.constant('N'), tokenHash: fc.constantFrom('h', 'h2') }) }),
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('BUY_PACK'), requestId: req, playerId: pid }) }),
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('BUY_PACK'), requestId: req, playerId: pid, matchId: mid }) }),
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('BUY_PACK'), requestId: req, playerId: pid, matchId: mid }) }),
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('MATCH_CREATED'), matchId: mid, players: fc.tuple(pid, pid), host: fc.constant('n1'), shadow: fc.constant('n2'), seed: fc.constant('s') }) }),
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('MATCH_FAILOVER'), matchId: mid, expectedEpoch: fc.integer({ min: 1, max: 3 }), host: fc.constant('n2'), shadow: fc.constant(null) }) }),
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('MATCH_FINISHED'), matchId: mid, winnerId: fc.option(pid), reason: fc.constant('X'), scores: fc.constant({}) }) }),
  fc.record({ k: fc.constant('cmd' as const), cmd: fc.anything() }),
  fc.record({ k: fc.constant('trade' as const), from: pid, to: pid, i: fc.nat(9), j: fc.nat(9), id: fc.constantFrom('t0', 't1', 't2', 't3') }),
  fc.record({ k: fc.constant('hand' as const), matchId: mid, playerId: pid, start: fc.nat(3) }),
  fc.record({ k: fc.constant('hand' as const), matchId: mid, playerId: pid, start: fc.nat(3) }),
);

function resolve(state: LedgerState, s: Step): unknown {
  if (s.k === 'cmd') return s.cmd;
  const ids = (p: string) => collectionOf(state, p).map((c) => c.id);
  if (s.k === 'trade') {
    return { type: 'TRADE', tradeId: s.id, fromPlayerId: s.from, toPlayerId: s.to, offerCardId: ids(s.from)[s.i] ?? 'x', wantCardId: ids(s.to)[s.j] ?? 'y' };
  }
  return { type: 'MATCH_HAND', matchId: s.matchId, playerId: s.playerId, cardIds: ids(s.playerId).slice(s.start, s.start + 5) };
}

describe('ledger under random commands', () => {
  it('keeps invariants and snapshot equivalence', () => {
    const succeeded = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 80, size: 'max' }), fc.nat(80), (steps, cut) => {
        const live = createLedger({ clusterId: 'prop', stockScale: 1, members: MEMBERS });
        for (const p of PLAYERS.slice(0, 3)) applyCommand(live, { type: 'REGISTER_PLAYER', playerId: p, name: p, tokenHash: 'h' }, { index: 1, term: 1 });
        let restored: LedgerState | null = null;
        steps.forEach((s, i) => {
          const ctx = { index: i + 2, term: 1 };
          const cmd = resolve(live, s);
          const r = applyCommand(live, cmd, ctx);
          if (r.ok) {
            const t = (cmd as { type: string }).type + ((cmd as { matchId?: string }).matchId && (cmd as { type: string }).type === 'BUY_PACK' ? '+match' : '');
            succeeded.set(t, (succeeded.get(t) ?? 0) + 1);
          }
          if (restored) expect(applyCommand(restored, cmd, ctx)).toEqual(r);
          const problems = checkInvariants(live);
          if (problems.length) throw new Error(`after ${JSON.stringify(cmd)}: ${problems.join('; ')}`);
          // The incremental encoding (players re-encoded only when touched) equals a full one,
          // checked after one step and after several.
          if (i % 3 !== 1) expect(serializeLedger(live)).toEqual(serializeLedgerFresh(live));
          if (i === cut % steps.length) restored = deserializeLedger(JSON.parse(JSON.stringify(serializeLedger(live))));
        });
        expect(restored && ledgerDigest(restored)).toBe(ledgerDigest(live));
      }),
      { numRuns: 150, seed: 4242 },
    );
    // The generator must actually reach the interesting paths, not only refusals.
    for (const t of ['BUY_PACK', 'BUY_PACK+match', 'TRADE', 'MATCH_CREATED', 'MATCH_HAND', 'MATCH_FAILOVER', 'MATCH_FINISHED']) {
      expect(succeeded.get(t) ?? 0, t).toBeGreaterThan(5);
    }
  });
});

/** Trades with consent racing direct trades, purchases and match hands. */
type TradeStep =
  | { k: 'cmd'; cmd: unknown }
  | { k: 'offer'; from: string; to: string; i: number; j: number; id: string }
  | { k: 'accept'; id: string; by: string | null }
  | { k: 'decline'; id: string; by: string }
  | { k: 'direct'; from: string; to: string; i: number; j: number; id: string }
  | { k: 'hand'; matchId: string; playerId: string; start: number };

const player = fc.constantFrom(...PLAYERS);
const offerId = fc.constantFrom('o0', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7');
const anyTradeId = fc.constantFrom('o0', 'o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'd0', 'nope');
const tradeStep: fc.Arbitrary<TradeStep> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('offer' as const), from: player, to: pid, i: fc.nat(9), j: fc.nat(9), id: offerId }) },
  // Accepts mostly by the recipient (null), sometimes by anyone.
  { weight: 4, arbitrary: fc.record({ k: fc.constant('accept' as const), id: anyTradeId, by: fc.option(pid, { freq: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('decline' as const), id: anyTradeId, by: pid }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('direct' as const), from: player, to: player, i: fc.nat(9), j: fc.nat(9), id: fc.constantFrom('d0', 'd1', 'o0') }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('BUY_PACK'), requestId: req, playerId: player }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('MATCH_CREATED'), matchId: mid, players: fc.tuple(player, player), host: fc.constant('n1'), shadow: fc.constant(null), seed: fc.constant('s') }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('hand' as const), matchId: mid, playerId: player, start: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cmd' as const), cmd: fc.record({ type: fc.constant('MATCH_FINISHED'), matchId: mid, winnerId: fc.constant(null), reason: fc.constant('X'), scores: fc.constant({}) }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cmd' as const), cmd: fc.anything() }) },
);

function resolveTrade(state: LedgerState, s: TradeStep): unknown {
  const ids = (p: string) => collectionOf(state, p).map((c) => c.id);
  switch (s.k) {
    case 'cmd':
      return s.cmd;
    case 'offer':
      return { type: 'TRADE_OFFER', tradeId: s.id, fromPlayerId: s.from, toPlayerId: s.to, offerCardId: ids(s.from)[s.i] ?? 'x', wantCardId: ids(s.to)[s.j] ?? 'y' };
    case 'direct':
      return { type: 'TRADE', tradeId: s.id, fromPlayerId: s.from, toPlayerId: s.to, offerCardId: ids(s.from)[s.i] ?? 'x', wantCardId: ids(s.to)[s.j] ?? 'y' };
    case 'decline':
      return { type: 'TRADE_DECLINE', tradeId: s.id, byPlayerId: s.by };
    case 'hand':
      return { type: 'MATCH_HAND', matchId: s.matchId, playerId: s.playerId, cardIds: ids(s.playerId).slice(s.start, s.start + 5) };
    case 'accept': {
      const o = state.offers.get(s.id);
      if (!o) return { type: 'TRADE', tradeId: s.id, fromPlayerId: 'p0', toPlayerId: 'p1', offerCardId: 'x', wantCardId: 'y', byPlayerId: s.by ?? 'p1' };
      const card = (i: number) => cardIdAt(state.catalog, i);
      return { type: 'TRADE', tradeId: s.id, fromPlayerId: o.fromPlayerId, toPlayerId: o.toPlayerId, offerCardId: card(o.offerCard), wantCardId: card(o.wantCard), byPlayerId: s.by ?? o.toPlayerId };
    }
  }
}

describe('trade offers under random commands', () => {
  it('keep invariants and snapshot equivalence; an offer is accepted at most once', () => {
    const seen = new Map<string, number>();
    const count = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
    fc.assert(
      fc.property(fc.array(tradeStep, { minLength: 1, maxLength: 60, size: 'max' }), fc.nat(60), (steps, cut) => {
        const live = createLedger({ clusterId: 'prop-trades', stockScale: 1, members: MEMBERS });
        let index = 0;
        const ctx = () => ({ index: ++index, term: 1 });
        for (const p of PLAYERS) {
          applyCommand(live, { type: 'REGISTER_PLAYER', playerId: p, name: p, tokenHash: 'h' }, ctx());
          for (const n of [1, 2]) applyCommand(live, { type: 'BUY_PACK', requestId: `${p}-seed-${n}`, playerId: p }, ctx());
        }
        let restored: LedgerState | null = null;
        steps.forEach((s, i) => {
          const c = ctx();
          const cmd = resolveTrade(live, s);
          const id = (cmd as { tradeId?: string } | null)?.tradeId;
          const wasPending = id !== undefined && live.offers.get(id)?.status === 'pending';
          const r = applyCommand(live, cmd, c);
          if (restored) expect(applyCommand(restored, cmd, c)).toEqual(r);
          const offer = id !== undefined ? live.offers.get(id) : undefined;
          if (s.k === 'offer' && r.ok && offer?.createdAt === c.index) count('offered');
          if (s.k === 'accept' && wasPending && offer) {
            count(`accept->${offer.status}`);
            // Closed at this very entry, one way or the other, and a swap only when done.
            expect(offer.closedAt === c.index || offer.status === 'pending').toBe(true);
            expect(r.ok).toBe(offer.status === 'done');
          }
          if (s.k === 'decline' && r.ok && offer?.closedAt === c.index) count(`decline-${offer.reason}`);
          if (s.k === 'direct' && r.ok) count('direct');
          const problems = checkInvariants(live);
          if (problems.length) throw new Error(`after ${JSON.stringify(cmd)}: ${problems.join('; ')}`);
          // The incremental encoding (players re-encoded only when touched) equals a full one,
          // checked after one step and after several.
          if (i % 3 !== 1) expect(serializeLedger(live)).toEqual(serializeLedgerFresh(live));
          if (i === cut % steps.length) restored = deserializeLedger(JSON.parse(JSON.stringify(serializeLedger(live))));
        });
        expect(restored && ledgerDigest(restored)).toBe(ledgerDigest(live));
      }),
      { numRuns: 120, seed: 777 },
    );
    for (const k of ['offered', 'accept->done', 'accept->refused', 'decline-DECLINED', 'decline-CANCELLED', 'direct']) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(5);
    }
  });
});
