// Random command sequences (valid, invalid, retried, conflicting) must keep every
// invariant, and a replica restored from a snapshot mid-way must end with the same digest.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { applyCommand } from './apply.ts';
import { checkInvariants } from './invariants.ts';
import { collectionOf } from './queries.ts';
import { deserializeLedger, ledgerDigest, serializeLedger } from './snapshot.ts';
import { createLedger, type LedgerState } from './state.ts';
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
