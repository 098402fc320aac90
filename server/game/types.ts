// Vocabulary of one match (docs/design.md §5, §8): its state, the events of its log, the commands
// players send, and the refusal codes. The state is plain JSON data, so it can be hashed,
// stored and sent as is.
import type { Card } from '../../protocol/cards.ts';
import type { Narration } from '../../protocol/narration.ts';

export type Phase = 'AGUARDANDO_COMPRA' | 'JOGANDO' | 'FINALIZADO';
export type HandSource = 'PACK' | 'PRONTO';

export interface MatchPlayer {
  id: string;
  name: string;
}

export interface PlayedCard {
  playerId: string;
  card: Card;
}

export interface Trick {
  round: number;
  leader: string;
  cards: PlayedCard[];
  /** null when both cards had the same value and suit: nobody scores, the leader leads again. */
  winnerId: string | null;
}

export interface MatchResult {
  winnerId: string | null;
  /** 'VITORIA', 'EMPATE', a forfeit reason (e.g. 'DESISTENCIA', 'DESCONECTADO'), or an abort reason. */
  reason: string;
}

export interface MatchState {
  /** '' until MATCH_START. */
  matchId: string;
  /** Empty until MATCH_START, then exactly two. */
  players: MatchPlayer[];
  phase: Phase;
  /** Private: never sent to the other player (see publicView). */
  hands: Record<string, Card[]>;
  handSource: Record<string, HandSource>;
  /** Trick number, 1–5 (0 before start). */
  round: number;
  /** Who leads the current trick. */
  leader: string | null;
  /** Whose move is awaited; null outside JOGANDO. */
  turn: string | null;
  /** The current trick's cards, in play order. */
  table: PlayedCard[];
  /** Tricks won per player. */
  scores: Record<string, number>;
  tricks: Trick[];
  result: MatchResult | null;
  eventSeq: number;
  epoch: number;
  host: string;
  shadow: string | null;
  seed: string;
  /** Event time (from the host's clock, carried in events) when the current turn began. */
  turnStartedAt: number | null;
  lastEventAt: number | null;
  /**
   * What the last event did, as data (no sentences in the replicated state): publicView
   * renders it as docs/design.md §4's `message` and sends it as `narration` for the UI to translate.
   */
  narration: Narration;
}

// ---- events: the match log ------------------------------------------------------------

interface EventBase {
  /** eventSeq of the state this event produces: previous eventSeq + 1. */
  seq: number;
  /** Milliseconds since the epoch, stamped by the host. The reducer never reads a clock. */
  at: number;
}

export interface MatchStartEvent extends EventBase {
  type: 'MATCH_START';
  matchId: string;
  players: [MatchPlayer, MatchPlayer];
  seed: string;
  host: string;
  shadow: string | null;
  epoch: number;
}
export interface HandSetEvent extends EventBase {
  type: 'HAND_SET';
  playerId: string;
  cards: Card[];
  source: HandSource;
}
export interface CardPlayedEvent extends EventBase {
  type: 'CARD_PLAYED';
  playerId: string;
  cardId: string;
  /** Played by the turn timer (must then be the player's lowest card). */
  auto?: boolean;
}
export interface ForfeitEvent extends EventBase {
  type: 'FORFEIT';
  playerId: string;
  reason: string;
}
export interface ChatEvent extends EventBase {
  type: 'CHAT';
  playerId: string;
  text: string;
}
export interface FailoverEvent extends EventBase {
  type: 'FAILOVER';
  oldHost: string;
  newHost: string;
  shadow: string | null;
  epoch: number;
}
/** Ends the match without a winner when nobody is at fault (e.g. no cards can be had). */
export interface AbortEvent extends EventBase {
  type: 'ABORT';
  reason: string;
}

export type MatchEvent =
  | MatchStartEvent
  | HandSetEvent
  | CardPlayedEvent
  | ForfeitEvent
  | ChatEvent
  | FailoverEvent
  | AbortEvent;

// ---- commands: what a player (or the host's timer) asks for ---------------------------

export type MatchCommand =
  | { type: 'PLAY'; cardId: string }
  /** The turn timer: play the player's lowest card for it. */
  | { type: 'PLAY_LOWEST' }
  /** Cards come from a committed BUY_PACK (PACK) or a MATCH_HAND of owned cards (PRONTO). */
  | { type: 'SET_HAND'; cards: Card[]; source: HandSource }
  | { type: 'CHAT'; text: string }
  | { type: 'FORFEIT'; reason: string };

export type RuleCode =
  | 'NOT_YOUR_TURN'
  | 'CARD_NOT_IN_HAND'
  | 'WRONG_PHASE'
  | 'MATCH_FINISHED'
  | 'NOT_IN_MATCH'
  | 'HAND_ALREADY_SET'
  | 'BAD_HAND'
  | 'BAD_COMMAND'
  | 'BAD_EVENT'
  | 'BAD_SEQ'
  | 'STALE_EPOCH';

export interface RuleError {
  ok: false;
  code: RuleCode;
  message: string;
}
