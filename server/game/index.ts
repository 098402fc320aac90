// Public API of the match rules (docs/design.md §5, §8): a pure reducer over a match's event log.
export type {
  Phase,
  HandSource,
  MatchPlayer,
  PlayedCard,
  Trick,
  MatchResult,
  MatchState,
  MatchEvent,
  MatchStartEvent,
  HandSetEvent,
  CardPlayedEvent,
  ForfeitEvent,
  ChatEvent,
  FailoverEvent,
  AbortEvent,
  MatchCommand,
  RuleCode,
  RuleError,
} from './types.ts';
export { initialState, reduce, applyEvent, applyValidated, replay, TRICKS_PER_MATCH } from './reduce.ts';
export { validateCommand, type CommandResult } from './commands.ts';
export { checkEvent } from './check.ts';
export { lowestCard, trickWinner, firstLeader, cardLabel } from './rules.ts';
export { publicView, handOf, endSummary, turnExpired, type PublicView, type EndSummary } from './view.ts';
export { stateHash, canonicalJson } from './hash.ts';
export { narrate } from './narrate.ts';
export { matchEventSchema, matchCommandSchema, CHAT_MAX } from './schemas.ts';
export { replayView, type ReplayView } from './replay.ts';
