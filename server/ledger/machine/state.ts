// The ledger's in-memory state. Cards are catalogue indices (numbers); `owner` and
// `locked` are indexes derived from players and matches, kept in step by every command
// and rebuilt when a snapshot is loaded.
import { RARITIES, type Rarity } from '../../../protocol/cards.ts';
import type { Member, MatchStatus, TradeCloseReason, TradeStatus } from './commands.ts';
import { AgeQueue } from './retention.ts';
import { buildCatalog, initialStock, type Catalog } from './stock.ts';

export interface PlayerRecord {
  id: string;
  name: string;
  tokenHash: string;
  wins: number;
  losses: number;
  draws: number;
  /** Owned cards, in the order they were acquired. */
  cards: Set<number>;
  activeMatchId: string | null;
  /** Log index of the REGISTER_PLAYER that created it. */
  registeredAt: number;
}

export interface PurchaseRecord {
  requestId: string;
  playerId: string;
  cards: number[];
  /** Stock left right after this purchase (returned again on a retry). */
  remaining: number;
  index: number;
  matchId: string | null;
}

export interface TradeRecord {
  tradeId: string;
  fromPlayerId: string;
  toPlayerId: string;
  offerCard: number;
  wantCard: number;
  index: number;
}

/** A TRADE_OFFER and what became of it. A `done` offer also has a TradeRecord. */
export interface OfferRecord {
  tradeId: string;
  fromPlayerId: string;
  toPlayerId: string;
  offerCard: number;
  wantCard: number;
  status: TradeStatus;
  reason: TradeCloseReason | null;
  createdAt: number;
  closedAt: number | null;
}

export interface MatchRecord {
  matchId: string;
  players: [string, string];
  host: string;
  shadow: string | null;
  seed: string;
  epoch: number;
  status: MatchStatus;
  /** Cards locked in each player's hand, aligned with `players`. */
  hands: [number[] | null, number[] | null];
  result: { winnerId: string | null; reason: string; scores: [number, number] } | null;
  createdAt: number;
  finishedAt: number | null;
}

/** One finished match as one player saw it (the per-player history, newest last). */
export interface HistoryRecord {
  matchId: string;
  opponentId: string;
  result: 'won' | 'lost' | 'draw';
  reason: string;
  /** Tricks: this player's, then the opponent's. */
  tricks: [number, number];
  /** When it ended (ms, stamped by the match host into MATCH_FINISHED), null if not sent. */
  at: number | null;
}

/** How many finished matches each player's history keeps (the oldest drop off). */
export const HISTORY_LIMIT = 50;

export interface LedgerState {
  readonly clusterId: string;
  readonly stockScale: number;
  readonly catalog: Catalog;
  /** Unsold cards per rarity. Order matters (draws index into it): snapshots keep it. */
  stock: Record<Rarity, number[]>;
  sold: number;
  players: Map<string, PlayerRecord>;
  /** Each player's last PURCHASES_KEPT_PER_PLAYER purchases, by requestId (retries answer from it). */
  purchases: Map<string, PurchaseRecord>;
  /** Recent completed swaps (direct TRADEs and accepted offers), by tradeId. */
  trades: Map<string, TradeRecord>;
  /** Pending TRADE_OFFERs and the last CLOSED_TRADES_KEPT closed ones, by tradeId. */
  offers: Map<string, OfferRecord>;
  /** Active matches and the last FINISHED_MATCHES_KEPT finished ones, in creation order. */
  matches: Map<string, MatchRecord>;
  /** playerId → its last HISTORY_LIMIT finished matches, oldest first. */
  history: Map<string, HistoryRecord[]>;
  members: Map<string, Member>;
  lastApplied: number;
  lastAppliedTerm: number;
  /** Derived: card index → owning playerId, null while in stock. */
  owner: (string | null)[];
  /** Derived: card index → matchId of the unfinished match whose hand holds it. */
  locked: Map<number, string>;
  /** Derived: playerId → tradeIds of pending offers it is a party of (either side). */
  pendingOffers: Map<string, Set<string>>;
  /** Derived: retained finished matches by finishedAt (retention.ts). */
  finished: AgeQueue;
  /** Derived: retained closed offers and direct trades by the index that closed them. */
  closedTrades: AgeQueue;
  /** Derived: playerId → its retained purchases by index. */
  purchasesOf: Map<string, AgeQueue>;
  /**
   * Players whose snapshot part (record, purchases, history) changed since the last
   * serializeLedger, which re-encodes only those (snapshot.ts). Every change to a player's
   * record, purchases or history marks it (`touched`).
   */
  dirty: Set<string>;
}

export interface LedgerConfig {
  clusterId: string;
  stockScale: number;
  members: Member[];
}

export function createLedger(config: LedgerConfig): LedgerState {
  const catalog = buildCatalog(config.clusterId, config.stockScale);
  const members = new Map<string, Member>();
  for (const m of config.members) members.set(m.id, { id: m.id, address: m.address, mqttPort: m.mqttPort, voter: m.voter });
  return {
    clusterId: config.clusterId,
    stockScale: config.stockScale,
    catalog,
    stock: initialStock(catalog),
    sold: 0,
    players: new Map(),
    purchases: new Map(),
    trades: new Map(),
    offers: new Map(),
    matches: new Map(),
    history: new Map(),
    members,
    lastApplied: 0,
    lastAppliedTerm: 0,
    owner: new Array<string | null>(catalog.total).fill(null),
    locked: new Map(),
    pendingOffers: new Map(),
    finished: new AgeQueue(),
    closedTrades: new AgeQueue(),
    purchasesOf: new Map(),
    dirty: new Set(),
  };
}

/** Marks players whose record, purchases or history just changed (see `dirty`). */
export function touched(state: LedgerState, ...playerIds: string[]): void {
  for (const id of playerIds) state.dirty.add(id);
}

export function remainingCount(state: LedgerState): number {
  let n = 0;
  for (const r of RARITIES) n += state.stock[r].length;
  return n;
}
