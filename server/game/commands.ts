// validateCommand: the host turns a player's command into the next event of the log, or
// refuses it with a specific code. Rules live in check.ts; this only builds the event.
import { checkEvent, ruleError } from './check.ts';
import { lowestCard } from './rules.ts';
import { matchCommandSchema } from './schemas.ts';
import type { MatchEvent, MatchState, RuleError } from './types.ts';

export type CommandResult = { ok: true; event: MatchEvent } | RuleError;

/**
 * `at` is the host's current time in ms: it is stamped on the event (the core never reads
 * a clock). Feed the returned event to reduce/applyEvent once replicated.
 */
export function validateCommand(state: MatchState, playerId: string, command: unknown, at: number): CommandResult {
  const parsed = matchCommandSchema.safeParse(command);
  if (!parsed.success) return ruleError('BAD_COMMAND', `invalid command: ${parsed.error.issues[0].message}`);
  const c = parsed.data;
  const head = { seq: state.eventSeq + 1, at };
  let event: MatchEvent;
  switch (c.type) {
    case 'PLAY':
      event = { ...head, type: 'CARD_PLAYED', playerId, cardId: c.cardId };
      break;
    case 'PLAY_LOWEST': {
      const low = lowestCard(state.hands[playerId] ?? []);
      // Without a card in hand the plain PLAY checks give the right code (phase, turn…).
      event = low
        ? { ...head, type: 'CARD_PLAYED', playerId, cardId: low.id, auto: true }
        : { ...head, type: 'CARD_PLAYED', playerId, cardId: '(none)' };
      break;
    }
    case 'SET_HAND':
      event = { ...head, type: 'HAND_SET', playerId, cards: c.cards, source: c.source };
      break;
    case 'CHAT':
      event = { ...head, type: 'CHAT', playerId, text: c.text };
      break;
    case 'FORFEIT':
      event = { ...head, type: 'FORFEIT', playerId, reason: c.reason };
      break;
  }
  const err = checkEvent(state, event);
  if (!err) return { ok: true, event };
  return err.code === 'BAD_EVENT' ? ruleError('BAD_COMMAND', err.message) : err;
}
