// Ledger commands (what goes into the Raft log) and their results. Every command is
// validated with these schemas when applied, so a malformed entry is refused the same way
// on every replica instead of corrupting state.
import { z } from 'zod';
import type { Card } from '../../../protocol/cards.ts';

const id = z.string().min(1).max(128);
const address = z.string().min(1).max(512);
const port = z.int().min(1).max(65535);

/** Display names: 1–24 characters (code points), not blank, no control characters. */
export const playerNameSchema = z.string().refine(
  (s) => s.trim().length > 0 && [...s].length <= 24 && !/\p{Cc}/u.test(s),
  'name must be 1–24 characters, not blank, no control characters',
);

export const registerPlayerSchema = z.object({
  type: z.literal('REGISTER_PLAYER'),
  playerId: id,
  name: playerNameSchema,
  tokenHash: z.string().min(1).max(256),
});
export const setNameSchema = z.object({ type: z.literal('SET_NAME'), playerId: id, name: playerNameSchema });
export const buyPackSchema = z.object({
  type: z.literal('BUY_PACK'),
  requestId: id,
  playerId: id,
  /** When given, the pack also becomes the player's hand in that active match. */
  matchId: id.optional(),
});
export const tradeSchema = z.object({
  type: z.literal('TRADE'),
  tradeId: id,
  fromPlayerId: id,
  toPlayerId: id,
  offerCardId: id,
  wantCardId: id,
  /**
   * Who accepts. Required when `tradeId` names a TRADE_OFFER (it must be the offer's
   * recipient); ignored by a direct trade (no offer).
   */
  byPlayerId: id.optional(),
});
/** A proposal: `from` offers `offerCardId` for `to`'s `wantCardId`; accepted by TRADE, closed by TRADE_DECLINE. */
export const tradeOfferSchema = z.object({
  type: z.literal('TRADE_OFFER'),
  tradeId: id,
  fromPlayerId: id,
  toPlayerId: id,
  offerCardId: id,
  wantCardId: id,
});
/** The recipient declines, or the proposer cancels, a pending offer. */
export const tradeDeclineSchema = z.object({ type: z.literal('TRADE_DECLINE'), tradeId: id, byPlayerId: id });
export const matchCreatedSchema = z.object({
  type: z.literal('MATCH_CREATED'),
  matchId: id,
  players: z.tuple([id, id]),
  host: id,
  shadow: id.nullable(),
  seed: z.string().min(1).max(256),
});
export const matchHandSchema = z.object({
  type: z.literal('MATCH_HAND'),
  matchId: id,
  playerId: id,
  cardIds: z.array(id).max(16),
  /** Fencing: when given, must equal the match's current epoch. */
  epoch: z.int().min(1).optional(),
});
export const matchFailoverSchema = z.object({
  type: z.literal('MATCH_FAILOVER'),
  matchId: id,
  expectedEpoch: z.int().min(1),
  host: id,
  shadow: id.nullable(),
});
export const matchFinishedSchema = z.object({
  type: z.literal('MATCH_FINISHED'),
  matchId: id,
  winnerId: id.nullable(),
  reason: z.string().min(1).max(64),
  scores: z.record(id, z.int().min(0).max(5)),
  /** Fencing: when given, must equal the match's current epoch. */
  epoch: z.int().min(1).optional(),
  /** When the match ended (ms since the epoch, the host's clock): the date in the players' history. */
  at: z.int().min(0).optional(),
});
export const addMemberSchema = z.object({
  type: z.literal('ADD_MEMBER'),
  id,
  address,
  mqttPort: port,
  /** Defaults to false: new peers join as learners (docs/design.md §7). */
  voter: z.boolean().optional(),
});
export const promoteMemberSchema = z.object({ type: z.literal('PROMOTE_MEMBER'), id });
export const removeMemberSchema = z.object({ type: z.literal('REMOVE_MEMBER'), id });
export const updateMemberAddressSchema = z.object({
  type: z.literal('UPDATE_MEMBER_ADDRESS'),
  id,
  address,
  mqttPort: port,
});

export const ledgerCommandSchema = z.discriminatedUnion('type', [
  registerPlayerSchema,
  setNameSchema,
  buyPackSchema,
  tradeSchema,
  tradeOfferSchema,
  tradeDeclineSchema,
  matchCreatedSchema,
  matchHandSchema,
  matchFailoverSchema,
  matchFinishedSchema,
  addMemberSchema,
  promoteMemberSchema,
  removeMemberSchema,
  updateMemberAddressSchema,
]);

/** Most commands one BATCH entry carries. */
export const MAX_BATCH = 1024;

/**
 * One Raft entry carrying several commands (proposals a node made in one event-loop turn):
 * each is validated and applied in order under the entry's index, with its own result, as
 * if it had an entry of its own. Not a command of its own for the outside: it never
 * nests, and membership changes stay single (they pair with a Raft configuration change).
 */
export const batchSchema = z.object({ type: z.literal('BATCH'), commands: z.array(z.unknown()).min(1).max(MAX_BATCH) });
export type BatchCommand = z.infer<typeof batchSchema>;
/** What a committed ledger entry may carry: one command or a BATCH of them. */
export const ledgerEntrySchema = z.discriminatedUnion('type', [...ledgerCommandSchema.options, batchSchema]);

export type LedgerCommand = z.infer<typeof ledgerCommandSchema>;
export type CommandType = LedgerCommand['type'] | 'BATCH';
export type CommandOf<T extends CommandType> = Extract<LedgerCommand, { type: T }>;

// ---- results ---------------------------------------------------------------------------

export type LedgerErrorCode =
  | 'BAD_COMMAND'
  | 'STALE_INDEX'
  | 'UNKNOWN_PLAYER'
  | 'TOKEN_MISMATCH'
  | 'DUPLICATE_REQUEST'
  | 'ESTOQUE_ESGOTADO'
  | 'CARD_NOT_OWNED'
  | 'CARD_IN_MATCH'
  | 'SAME_PLAYER'
  | 'PLAYER_IN_MATCH'
  | 'UNKNOWN_MATCH'
  | 'MATCH_CONFLICT'
  | 'NOT_IN_MATCH'
  | 'MATCH_FINISHED'
  | 'HAND_ALREADY_SET'
  | 'BAD_HAND'
  | 'STALE_EPOCH'
  | 'UNKNOWN_MEMBER'
  | 'UNKNOWN_TRADE'
  | 'NOT_TRADE_PARTY'
  | 'TRADE_CLOSED'
  | 'TOO_MANY_OFFERS';

export interface LedgerError {
  ok: false;
  code: LedgerErrorCode;
  message: string;
}

export interface Member {
  id: string;
  address: string;
  mqttPort: number;
  voter: boolean;
}

export type MatchStatus = 'active' | 'finished';

/** `pending` offers await the recipient; the others are final. */
export type TradeStatus = 'pending' | 'done' | 'declined' | 'refused';

/** Why a trade closed without a swap. */
export type TradeCloseReason = 'DECLINED' | 'CANCELLED' | 'CARD_NOT_OWNED' | 'CARD_IN_MATCH';

export interface TradeView {
  tradeId: string;
  fromPlayerId: string;
  toPlayerId: string;
  offerCard: Card;
  wantCard: Card;
  status: TradeStatus;
  /**
   * Set when closed without a swap: `DECLINED` (by the recipient), `CANCELLED` (by the
   * proposer), or the code that refused the accept (`CARD_NOT_OWNED`, `CARD_IN_MATCH`).
   */
  reason: TradeCloseReason | null;
  /** Log index of the TRADE_OFFER (of the TRADE, for a direct trade). */
  createdAt: number;
  /** Log index that closed it (null while pending). */
  closedAt: number | null;
}

export interface MatchResultView {
  winnerId: string | null;
  reason: string;
  /** Tricks won, keyed by playerId, in the match's player order. */
  scores: Record<string, number>;
}

export interface MatchView {
  matchId: string;
  players: [string, string];
  host: string;
  shadow: string | null;
  seed: string;
  epoch: number;
  status: MatchStatus;
  /** Card ids locked in each player's hand (null until set). */
  hands: Record<string, string[] | null>;
  result: MatchResultView | null;
  createdAt: number;
  finishedAt: number | null;
}

/** What each command returns on success (besides `ok: true`). */
export interface OkPayloads {
  REGISTER_PLAYER: { playerId: string; name: string; created: boolean };
  SET_NAME: { playerId: string; name: string };
  BUY_PACK: { cards: Card[]; remaining: number };
  TRADE: { tradeId: string; fromPlayerId: string; toPlayerId: string; offerCard: Card; wantCard: Card };
  TRADE_OFFER: { tradeId: string; fromPlayerId: string; toPlayerId: string; offerCard: Card; wantCard: Card };
  TRADE_DECLINE: { tradeId: string; fromPlayerId: string; toPlayerId: string; reason: 'DECLINED' | 'CANCELLED' };
  MATCH_CREATED: { match: MatchView };
  MATCH_HAND: { matchId: string; playerId: string; cards: Card[] };
  MATCH_FAILOVER: { match: MatchView };
  MATCH_FINISHED: { match: MatchView };
  ADD_MEMBER: { members: Member[] };
  PROMOTE_MEMBER: { members: Member[] };
  REMOVE_MEMBER: { members: Member[] };
  UPDATE_MEMBER_ADDRESS: { members: Member[] };
  /** One result per inner command, in order (a refusal of one does not stop the others). */
  BATCH: { results: LedgerResult[] };
}

export type LedgerOk<T extends CommandType = CommandType> = T extends CommandType ? { ok: true } & OkPayloads[T] : never;
export type LedgerResult<T extends CommandType = CommandType> = LedgerOk<T> | LedgerError;

export function fail(code: LedgerErrorCode, message: string): LedgerError {
  return { ok: false, code, message };
}
