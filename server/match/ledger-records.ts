// The ledger's record of a match as the match core reads it (core/types.ts MatchRecord):
// built from this node's replica whenever an entry about the match is applied.
import type { Card } from '../../protocol/cards.ts';
import { cardById, getMatch, getPlayer, type LedgerCommand, type LedgerResult, type LedgerState } from '../ledger/machine/index.ts';
import type { HandSource } from '../game/index.ts';
import type { MatchRecord } from './core/index.ts';

export function recordOf(state: LedgerState, matchId: string, sources: Record<string, HandSource> = {}): MatchRecord | null {
  const v = getMatch(state, matchId);
  if (!v) return null;
  const hands: Record<string, Card[] | null> = {};
  for (const p of v.players) {
    const ids = v.hands[p];
    hands[p] = ids ? ids.map((id) => cardById(state, id)).filter((c): c is Card => c !== null) : null;
  }
  const players = v.players.map((id) => ({ id, name: getPlayer(state, id)?.name ?? id })) as MatchRecord['players'];
  return { matchId, players, host: v.host, shadow: v.shadow, epoch: v.epoch, status: v.status === 'active' ? 'active' : 'finished', seed: v.seed, hands, handSources: sources };
}

/** The match an applied ledger entry changed, and how a hand it locked was had. */
export function matchTouched(cmd: LedgerCommand, result: LedgerResult): { matchId: string; source?: { playerId: string; source: HandSource } } | null {
  if (!result.ok) return null;
  switch (cmd.type) {
    case 'MATCH_CREATED':
    case 'MATCH_FAILOVER':
    case 'MATCH_FINISHED':
      return { matchId: cmd.matchId };
    case 'MATCH_HAND':
      return { matchId: cmd.matchId, source: { playerId: cmd.playerId, source: 'PRONTO' } };
    case 'BUY_PACK':
      return cmd.matchId ? { matchId: cmd.matchId, source: { playerId: cmd.playerId, source: 'PACK' } } : null;
    default:
      return null;
  }
}
