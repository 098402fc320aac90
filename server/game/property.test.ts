// Random hands and random legal moves: every match ends after ten plays, the log replays
// to the same hash, and the public view never shows an unplayed card.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { SUITS, rarityOfValue, type Card } from '../../protocol/cards.ts';
import { applyEvent, initialState, publicView, replay, stateHash, validateCommand, type MatchEvent, type MatchState } from './index.ts';

const cardArb = (prefix: string) =>
  fc
    .uniqueArray(fc.record({ value: fc.integer({ min: 1, max: 120 }), suit: fc.constantFrom(...SUITS), n: fc.nat(1000) }), {
      minLength: 5,
      maxLength: 5,
      selector: (c) => c.n,
    })
    .map((cs) => cs.map((c, i): Card => ({ id: `${prefix}${i}-${c.n}`, name: 'Lobo', suit: c.suit, value: c.value, rarity: rarityOfValue(c.value)! })));

describe('random matches', () => {
  it('always end, replay exactly and never leak hands', () => {
    fc.assert(
      fc.property(cardArb('a'), cardArb('b'), fc.string({ minLength: 1 }), fc.array(fc.nat(4), { minLength: 10, maxLength: 10 }), (ha, hb, seed, picks) => {
        let s: MatchState = initialState();
        const log: MatchEvent[] = [];
        const push = (e: MatchEvent) => {
          const r = applyEvent(s, e);
          if (!r.ok) throw new Error(r.message);
          s = r.state;
          log.push(e);
        };
        push({ seq: 1, at: 0, type: 'MATCH_START', matchId: 'm', players: [{ id: 'A', name: 'A' }, { id: 'B', name: 'B' }], seed, host: 'h', shadow: 's', epoch: 1 });
        for (const [p, cards] of [['A', ha], ['B', hb]] as const) {
          const r = validateCommand(s, p, { type: 'SET_HAND', cards, source: 'PACK' }, 1);
          if (!r.ok) throw new Error(r.message);
          push(r.event);
        }
        for (let k = 0; k < 10; k++) {
          expect(s.phase).toBe('JOGANDO');
          const who = s.turn!;
          const hand = s.hands[who];
          const r = validateCommand(s, who, { type: 'PLAY', cardId: hand[picks[k] % hand.length].id }, 2 + k);
          if (!r.ok) throw new Error(r.message);
          push(r.event);
          const text = JSON.stringify(publicView(s));
          for (const c of [...s.hands.A, ...s.hands.B]) expect(text).not.toContain(`"${c.id}"`);
        }
        expect(s.phase).toBe('FINALIZADO');
        const dead = s.tricks.filter((t) => t.winnerId === null).length;
        expect(s.scores.A + s.scores.B + dead).toBe(5);
        const expected = s.scores.A === s.scores.B ? null : s.scores.A > s.scores.B ? 'A' : 'B';
        expect(s.result?.winnerId).toBe(expected);
        expect(stateHash(replay(log))).toBe(stateHash(s));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
