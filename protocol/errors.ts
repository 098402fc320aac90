// Error codes carried by `ERRO {code}` (MQTT) and `{error}` (REST). Documented in docs/protocol.md.

export const ErrorCode = {
  // envelope / transport
  BAD_JSON: 'BAD_JSON',
  BAD_REQUEST: 'BAD_REQUEST',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  INTERNAL: 'INTERNAL',
  UNAVAILABLE: 'UNAVAILABLE',
  NO_LEADER: 'NO_LEADER',
  TIMEOUT: 'TIMEOUT',
  /** Too many commands from one player (ERRO carries `retryAfterMs`); nothing was done. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** A peer JWT whose server_id is not a current member of the cluster (REST 403). */
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  // authentication (REST 401)
  AUTH_MISSING: 'AUTH_MISSING',
  AUTH_MALFORMED: 'AUTH_MALFORMED',
  AUTH_INVALID: 'AUTH_INVALID',
  AUTH_EXPIRED: 'AUTH_EXPIRED',
  AUTH_WRONG_CLUSTER: 'AUTH_WRONG_CLUSTER',
  // player / ledger
  UNKNOWN_PLAYER: 'UNKNOWN_PLAYER',
  TOKEN_MISMATCH: 'TOKEN_MISMATCH',
  ESTOQUE_ESGOTADO: 'ESTOQUE_ESGOTADO',
  CARD_NOT_OWNED: 'CARD_NOT_OWNED',
  CARD_IN_MATCH: 'CARD_IN_MATCH',
  /** TROCA_RECUSADA reason: at acceptance a card of the offer was no longer free to trade. */
  CARD_UNAVAILABLE: 'CARD_UNAVAILABLE',
  UNKNOWN_TRADE: 'UNKNOWN_TRADE',
  NOT_TRADE_PARTY: 'NOT_TRADE_PARTY',
  TRADE_CLOSED: 'TRADE_CLOSED',
  TOO_MANY_OFFERS: 'TOO_MANY_OFFERS',
  SAME_PLAYER: 'SAME_PLAYER',
  DUPLICATE_REQUEST: 'DUPLICATE_REQUEST',
  // matches
  ALREADY_QUEUED: 'ALREADY_QUEUED',
  NOT_QUEUED: 'NOT_QUEUED',
  /** solicitar_oponente whose `origin` is not the caller's JWT server_id. */
  ORIGIN_MISMATCH: 'ORIGIN_MISMATCH',
  PLAYER_IN_MATCH: 'PLAYER_IN_MATCH',
  NOT_IN_MATCH: 'NOT_IN_MATCH',
  NOT_YOUR_TURN: 'NOT_YOUR_TURN',
  CARD_NOT_IN_HAND: 'CARD_NOT_IN_HAND',
  WRONG_PHASE: 'WRONG_PHASE',
  MATCH_FINISHED: 'MATCH_FINISHED',
  STALE_EPOCH: 'STALE_EPOCH',
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  BAD_SEQUENCE: 'BAD_SEQUENCE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorBody {
  error: string;
  message: string;
}
