// Legality of the next event for a state. The one place match rules refuse things:
// validateCommand (host) and applyEvent (shadow, replay) both go through it.
import { HAND_SIZE } from '../../protocol/cards.ts';
import { lowestCard } from './rules.ts';
import { matchEventSchema } from './schemas.ts';
import type { MatchEvent, MatchState, RuleCode, RuleError } from './types.ts';

export function ruleError(code: RuleCode, message: string): RuleError {
  return { ok: false, code, message };
}

/** null if `event` may come next after `state`, else why not. */
export function checkEvent(state: MatchState, event: unknown): RuleError | null {
  const parsed = matchEventSchema.safeParse(event);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return ruleError('BAD_EVENT', `invalid event: ${i.path.map(String).join('.')}: ${i.message}`);
  }
  const e = parsed.data;
  if (e.seq !== state.eventSeq + 1) return ruleError('BAD_SEQ', `expected seq ${state.eventSeq + 1}, got ${e.seq}`);
  if (e.type === 'MATCH_START') {
    if (state.eventSeq !== 0) return ruleError('WRONG_PHASE', 'the match has already started');
    if (e.players[0].id === e.players[1].id) return ruleError('BAD_EVENT', 'a match needs two different players');
    return null;
  }
  // A stranger learns nothing about the match, whatever its phase.
  if ('playerId' in e && seatOf(state, e.playerId) < 0) return notInMatch(e.playerId);
  if (state.eventSeq === 0) return ruleError('WRONG_PHASE', 'the match has not started');
  // A finished match still changes hands between servers: its log must reach the new shadow.
  if (e.type === 'FAILOVER') return checkFailover(state, e);
  if (state.phase === 'FINALIZADO') return ruleError('MATCH_FINISHED', 'the match is over');
  switch (e.type) {
    case 'HAND_SET':
      return checkHand(state, e);
    case 'CARD_PLAYED':
      return checkPlay(state, e);
    case 'FORFEIT':
    case 'CHAT':
      return null;
    case 'ABORT':
      return null;
  }
}

function checkFailover(state: MatchState, e: Extract<MatchEvent, { type: 'FAILOVER' }>): RuleError | null {
  if (e.epoch <= state.epoch) return ruleError('STALE_EPOCH', `epoch ${e.epoch} is not after ${state.epoch}`);
  if (e.oldHost !== state.host) return ruleError('BAD_EVENT', `the host is ${state.host}, not ${e.oldHost}`);
  return null;
}

export function seatOf(state: MatchState, playerId: string): number {
  return state.players.findIndex((p) => p.id === playerId);
}

function notInMatch(playerId: string): RuleError {
  return ruleError('NOT_IN_MATCH', `${playerId} does not play in this match`);
}

function checkHand(state: MatchState, e: Extract<MatchEvent, { type: 'HAND_SET' }>): RuleError | null {
  if (state.hands[e.playerId]) return ruleError('HAND_ALREADY_SET', 'your hand is already set');
  if (state.phase !== 'AGUARDANDO_COMPRA') return ruleError('WRONG_PHASE', `no hands are set in phase ${state.phase}`);
  const ids = new Set(e.cards.map((c) => c.id));
  if (e.cards.length !== HAND_SIZE || ids.size !== HAND_SIZE) return ruleError('BAD_HAND', `a hand is ${HAND_SIZE} distinct cards`);
  for (const hand of Object.values(state.hands)) {
    if (hand.some((c) => ids.has(c.id))) return ruleError('BAD_HAND', "a card cannot be in both players' hands");
  }
  return null;
}

function checkPlay(state: MatchState, e: Extract<MatchEvent, { type: 'CARD_PLAYED' }>): RuleError | null {
  if (state.phase !== 'JOGANDO') return ruleError('WRONG_PHASE', `cards are played in JOGANDO, not ${state.phase}`);
  if (state.turn !== e.playerId) return ruleError('NOT_YOUR_TURN', `it is ${state.turn}'s turn`);
  const hand = state.hands[e.playerId] ?? [];
  if (!hand.some((c) => c.id === e.cardId)) return ruleError('CARD_NOT_IN_HAND', `${e.cardId} is not in your hand`);
  if (e.auto && lowestCard(hand)?.id !== e.cardId) return ruleError('BAD_EVENT', 'an automatic play must be the lowest card');
  return null;
}
