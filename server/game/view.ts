// What players may see. publicView is the ATUALIZACAO_JOGO payload (docs/design.md §4): counts and
// played cards only, never a hand. handOf is for the MAO event to the hand's owner only.
import type { Card } from '../../protocol/cards.ts';
import type { Narration } from '../../protocol/narration.ts';
import { narrate } from './narrate.ts';
import type { MatchPlayer, MatchResult, MatchState, Phase, PlayedCard, Trick } from './types.ts';

export interface PublicView {
  matchId: string;
  eventSeq: number;
  phase: Phase;
  round: number;
  turn: string | null;
  table: PlayedCard[];
  scores: Record<string, number>;
  handCounts: Record<string, number>;
  /** docs/design.md §4: in Portuguese, built here from `narration`. */
  message: string;
  /** The same, as data for the UI to render in its player's language. */
  narration: Narration;
  host: string;
  // Beyond the fields docs/design.md §4 names, for the match screen:
  shadow: string | null;
  epoch: number;
  players: MatchPlayer[];
  /** The last completed trick, so both of its cards can be shown after it resolves. */
  lastTrick: Trick | null;
  result: MatchResult | null;
  turnStartedAt: number | null;
}

export function publicView(s: MatchState): PublicView {
  const handCounts: Record<string, number> = {};
  const scores: Record<string, number> = {};
  for (const p of s.players) {
    handCounts[p.id] = s.hands[p.id]?.length ?? 0;
    scores[p.id] = s.scores[p.id] ?? 0;
  }
  const last = s.tricks.length > 0 ? s.tricks[s.tricks.length - 1] : null;
  return {
    matchId: s.matchId,
    eventSeq: s.eventSeq,
    phase: s.phase,
    round: s.round,
    turn: s.turn,
    table: s.table.map(copyPlayed),
    scores,
    handCounts,
    message: narrate(s.narration, s.players),
    narration: copyNarration(s.narration),
    host: s.host,
    shadow: s.shadow,
    epoch: s.epoch,
    players: s.players.map((p) => ({ id: p.id, name: p.name })),
    lastTrick: last ? { ...last, cards: last.cards.map(copyPlayed) } : null,
    result: s.result ? { ...s.result } : null,
    turnStartedAt: s.turnStartedAt,
  };
}

function copyNarration(n: Narration): Narration {
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n.params)) params[k] = v !== null && typeof v === 'object' ? { ...(v as Card) } : v;
  return { key: n.key, params } as Narration;
}

function copyPlayed(p: PlayedCard): PlayedCard {
  return { playerId: p.playerId, card: { ...p.card } };
}

/** The player's own hand (a copy); empty if not set or not a player. */
export function handOf(s: MatchState, playerId: string): Card[] {
  return (s.hands[playerId] ?? []).map((c) => ({ ...c }));
}

export interface EndSummary {
  matchId: string;
  winnerId: string | null;
  winnerName: string | null;
  scores: Record<string, number>;
  reason: string;
}

/** FIM_DE_JOGO payload (and the fields of the ledger's MATCH_FINISHED); null while playing. */
export function endSummary(s: MatchState): EndSummary | null {
  if (s.phase !== 'FINALIZADO' || !s.result) return null;
  const winner = s.players.find((p) => p.id === s.result!.winnerId);
  return {
    matchId: s.matchId,
    winnerId: s.result.winnerId,
    winnerName: winner?.name ?? null,
    scores: publicView(s).scores,
    reason: s.result.reason,
  };
}

/** True when the player on turn has used up `limitMs` at time `now` (both passed in). */
export function turnExpired(s: MatchState, now: number, limitMs: number): boolean {
  return s.phase === 'JOGANDO' && s.turnStartedAt !== null && now - s.turnStartedAt >= limitMs;
}
