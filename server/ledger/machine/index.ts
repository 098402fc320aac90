// Public API of the ledger state machine (docs/design.md §6). The Raft driver, the simulator and
// the node code against this file only.
export { createLedger, type LedgerConfig, type LedgerState } from './state.ts';
export { applyCommand, markApplied } from './apply.ts';
export type { ApplyContext } from './context.ts';
export { checkInvariants } from './invariants.ts';
export { serializeLedger, serializeLedgerFresh, deserializeLedger, ledgerDigest, SNAPSHOT_VERSION, type LedgerSnapshot } from './snapshot.ts';
export {
  stockStatus,
  remainingCards,
  collectionOf,
  getPlayer,
  activeMatchOf,
  activeMatchesByHost,
  leaderboard,
  getPurchase,
  getMatch,
  members,
  cardById,
  ownerOf,
  lockedBy,
  getTrade,
  pendingTradesFor,
  historyOf,
  playedMatchOf,
  type HistoryView,
  type StockStatus,
  type PlayerView,
  type LeaderboardRow,
  type PurchaseView,
} from './queries.ts';
export {
  ledgerCommandSchema,
  MAX_BATCH,
  type BatchCommand,
  playerNameSchema,
  type LedgerCommand,
  type CommandType,
  type CommandOf,
  type LedgerResult,
  type LedgerOk,
  type LedgerError,
  type LedgerErrorCode,
  type OkPayloads,
  type Member,
  type MatchView,
  type MatchResultView,
  type MatchStatus,
  type TradeStatus,
  type TradeCloseReason,
  type TradeView,
} from './commands.ts';
export { tradeOfferProblem, MAX_PENDING_OFFERS } from './trade.ts';
export { FINISHED_MATCHES_KEPT, CLOSED_TRADES_KEPT, PURCHASES_KEPT_PER_PLAYER } from './retention.ts';
export { CATALOG_VERSION, MAX_STOCK_SCALE, cardPrefix } from './stock.ts';
export { rarityForRoll, availableRarity } from './draw.ts';
