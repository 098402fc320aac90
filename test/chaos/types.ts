// The chaos campaign's data: the history of client operations (Jepsen style: `invoke`, then
// `ok`, `fail` or `info` when the outcome is unknown) and the final state pulled from every
// peer after healing. The checker (checker.ts) reads nothing else.

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

/**
 * One line of the history file. `process` is the client (a bot's id, or `nemesis`); a
 * process has at most one operation in flight, and `op` links a completion to its invoke.
 * `event` lines are things a client was told without asking (a match found, a match over);
 * the nemesis writes `info` lines for the faults it injects.
 */
export interface HistoryEntry {
  index: number;
  /** ms since the campaign started. */
  time: number;
  process: string;
  type: OpType | 'event';
  f: string;
  op?: number;
  value: Record<string, unknown>;
}

/**
 * Operation values by `f`:
 *  buy      invoke {key, playerId, via: 'rest'|'mqtt', requestId, peer, matchId?}
 *           ok {cards: string[], remaining}   `key` is the ledger's requestId
 *  propose  invoke {requestId, from, to, offer, want}           ok {tradeId}
 *  respond  invoke {tradeId, by, accept, from, to, offer, want} ok {result: 'done'|'declined'}
 *  move     invoke {matchId, playerId, cardId}                  ok {eventSeq}
 *  hand     invoke {matchId, playerId, cardIds}                 ok {eventSeq}  (PRONTO)
 *  queue    invoke {playerId}                                   ok {}
 *  read     invoke {playerId}                                   ok {cards}
 *  event    match-found {matchId, playerId, host, shadow} · match-end {matchId, playerId, winnerId, reason}
 *  fail / info carry {code} or {error}.
 */
export type OpName = 'buy' | 'propose' | 'respond' | 'move' | 'hand' | 'queue' | 'leave' | 'read';

export interface PeerDigest {
  digest: string;
  lastApplied: number;
  violations: string[];
}

export interface PeerStatus {
  total: number;
  remaining: Record<string, number>;
  sold: number;
  leader?: string | null;
  term?: number;
  commitIndex?: number;
}

export interface FinalPeer {
  id: string;
  reachable: boolean;
  error?: string;
  digest?: PeerDigest;
  status?: PeerStatus;
  /** playerId → the card ids this peer's ledger says the player owns (GET /ledger/players/:id/cards). */
  cards?: Record<string, string[]>;
}

export interface LogEvent {
  eventSeq: number;
  type: string;
  playerId?: string;
  cardId?: string;
  signature?: string;
}

/** One copy of a match's event log: what a peer serves at GET /game/:id/log, or keeps on disk. */
export interface FinalMatchLog {
  peer: string;
  source: 'rest' | 'disk';
  role?: string;
  epoch: number;
  host: string;
  shadow: string | null;
  /** The log replays to a finished match (phase FINALIZADO). */
  finished: boolean;
  events: LogEvent[];
}

export interface FinalState {
  peers: FinalPeer[];
  /** matchId → every copy of its log found on the peers. */
  matches: Record<string, FinalMatchLog[]>;
  /** playerId → the active match the ledger still names for it after healing (BEM_VINDO), null if none. */
  activeMatch?: Record<string, string | null>;
}

export interface Violation {
  kind: string;
  message: string;
  [k: string]: unknown;
}

export interface CheckResult {
  violations: Violation[];
  stats: {
    operations: number;
    outcomes: Record<OpType, number>;
    purchases: { ok: number; info: number; fail: number };
    trades: { done: number; info: number };
    moves: { ok: number; info: number };
    matches: number;
    peers: number;
  };
}
