// Read-only views for the node. They return fresh plain objects, never internal records,
// so a caller cannot mutate replicated state by accident.
import { RARITIES, type Card, type Rarity } from '../../../protocol/cards.ts';
import type { MatchView, Member, TradeView } from './commands.ts';
import { playedMatch } from './archive.ts';
import { remainingCount, type HistoryRecord, type LedgerState, type MatchRecord, type OfferRecord } from './state.ts';
import { cardAt, cardIndexOf } from './stock.ts';

export interface StockStatus {
  total: number;
  remaining: Record<Rarity, number>;
  sold: number;
}

export interface PlayerView {
  id: string;
  name: string;
  /** Needed by the broker to check a CONNECT password; never send it to clients. */
  tokenHash: string;
  wins: number;
  losses: number;
  draws: number;
  cardCount: number;
  activeMatchId: string | null;
}

export interface LeaderboardRow {
  playerId: string;
  name: string;
  wins: number;
  losses: number;
  draws: number;
}

export interface PurchaseView {
  requestId: string;
  playerId: string;
  cards: Card[];
  remaining: number;
  /** Log index that applied it. */
  index: number;
  matchId: string | null;
}

export function stockStatus(state: LedgerState): StockStatus {
  const remaining = { C: 0, U: 0, R: 0, L: 0 };
  for (const r of RARITIES) remaining[r] = state.stock[r].length;
  return { total: state.catalog.total, remaining, sold: state.sold };
}

export function remainingCards(state: LedgerState): number {
  return remainingCount(state);
}

/** The player's cards in the order acquired (oldest first); empty for unknown players. */
export function collectionOf(state: LedgerState, playerId: string): Card[] {
  const p = state.players.get(playerId);
  if (!p) return [];
  return [...p.cards].map((i) => cardAt(state.catalog, i));
}

export function getPlayer(state: LedgerState, playerId: string): PlayerView | null {
  const p = state.players.get(playerId);
  if (!p) return null;
  return {
    id: p.id,
    name: p.name,
    tokenHash: p.tokenHash,
    wins: p.wins,
    losses: p.losses,
    draws: p.draws,
    cardCount: p.cards.size,
    activeMatchId: p.activeMatchId,
  };
}

export function activeMatchOf(state: LedgerState, playerId: string): MatchView | null {
  const id = state.players.get(playerId)?.activeMatchId;
  return id ? getMatch(state, id) : null;
}

/** Most wins first, then fewest losses, most draws, name, id (a total, stable order). */
export function leaderboard(state: LedgerState, limit = 10): LeaderboardRow[] {
  const rows: LeaderboardRow[] = [];
  for (const p of state.players.values()) {
    rows.push({ playerId: p.id, name: p.name, wins: p.wins, losses: p.losses, draws: p.draws });
  }
  rows.sort(
    (a, b) =>
      b.wins - a.wins ||
      a.losses - b.losses ||
      b.draws - a.draws ||
      cmp(a.name, b.name) ||
      cmp(a.playerId, b.playerId),
  );
  return rows.slice(0, Math.max(0, limit));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function getPurchase(state: LedgerState, requestId: string): PurchaseView | null {
  const p = state.purchases.get(requestId);
  if (!p) return null;
  return {
    requestId: p.requestId,
    playerId: p.playerId,
    cards: p.cards.map((i) => cardAt(state.catalog, i)),
    remaining: p.remaining,
    index: p.index,
    matchId: p.matchId,
  };
}

export function getMatch(state: LedgerState, matchId: string): MatchView | null {
  const m = state.matches.get(matchId);
  return m ? matchView(state, m) : null;
}

export function matchView(state: LedgerState, m: MatchRecord): MatchView {
  const [a, b] = m.players;
  const ids = (h: number[] | null) => (h ? h.map((i) => cardAt(state.catalog, i).id) : null);
  return {
    matchId: m.matchId,
    players: [a, b],
    host: m.host,
    shadow: m.shadow,
    seed: m.seed,
    epoch: m.epoch,
    status: m.status,
    hands: { [a]: ids(m.hands[0]), [b]: ids(m.hands[1]) },
    result: m.result
      ? { winnerId: m.result.winnerId, reason: m.result.reason, scores: { [a]: m.result.scores[0], [b]: m.result.scores[1] } }
      : null,
    createdAt: m.createdAt,
    finishedAt: m.finishedAt,
  };
}

/** The card with this id, whether sold or not; null if no such card exists here. */
export function cardById(state: LedgerState, cardId: string): Card | null {
  const i = cardIndexOf(state.catalog, cardId);
  return i < 0 ? null : cardAt(state.catalog, i);
}

/** Owner of a card id: a playerId, null while unsold or unknown. */
export function ownerOf(state: LedgerState, cardId: string): string | null {
  const i = cardIndexOf(state.catalog, cardId);
  return i < 0 ? null : state.owner[i];
}

/** The matchId whose unfinished hand holds this card, or null. */
export function lockedBy(state: LedgerState, cardId: string): string | null {
  const i = cardIndexOf(state.catalog, cardId);
  return i < 0 ? null : (state.locked.get(i) ?? null);
}

/**
 * A trade by id: an offer (any status) or a direct TRADE (status `done`, created and
 * closed at its own index). Null when the id was never used.
 */
export function getTrade(state: LedgerState, tradeId: string): TradeView | null {
  const o = state.offers.get(tradeId);
  if (o) return offerView(state, o);
  const t = state.trades.get(tradeId);
  if (!t) return null;
  return {
    tradeId: t.tradeId,
    fromPlayerId: t.fromPlayerId,
    toPlayerId: t.toPlayerId,
    offerCard: cardAt(state.catalog, t.offerCard),
    wantCard: cardAt(state.catalog, t.wantCard),
    status: 'done',
    reason: null,
    createdAt: t.index,
    closedAt: t.index,
  };
}

/**
 * Pending offers the player is a party of, either side (filter on `toPlayerId` for the
 * ones awaiting its answer), oldest first.
 */
export function pendingTradesFor(state: LedgerState, playerId: string): TradeView[] {
  const ids = state.pendingOffers.get(playerId);
  if (!ids) return [];
  const out: TradeView[] = [];
  for (const id of ids) {
    const o = state.offers.get(id);
    if (o) out.push(offerView(state, o));
  }
  return out.sort((a, b) => a.createdAt - b.createdAt);
}

function offerView(state: LedgerState, o: OfferRecord): TradeView {
  return {
    tradeId: o.tradeId,
    fromPlayerId: o.fromPlayerId,
    toPlayerId: o.toPlayerId,
    offerCard: cardAt(state.catalog, o.offerCard),
    wantCard: cardAt(state.catalog, o.wantCard),
    status: o.status,
    reason: o.reason,
    createdAt: o.createdAt,
    closedAt: o.closedAt,
  };
}

export function members(state: LedgerState): Member[] {
  return [...state.members.values()].map((m) => ({ ...m }));
}

/** Unfinished matches per hosting node (for the cluster view), found through the players in them. */
export function activeMatchesByHost(state: LedgerState): Map<string, number> {
  const seen = new Set<string>();
  const out = new Map<string, number>();
  for (const p of state.players.values()) {
    const id = p.activeMatchId;
    if (!id || seen.has(id)) continue;
    seen.add(id);
    const m = state.matches.get(id);
    if (m && m.status === 'active') out.set(m.host, (out.get(m.host) ?? 0) + 1);
  }
  return out;
}

export interface HistoryView {
  matchId: string;
  opponentId: string;
  /** The opponent's current name. */
  opponentName: string;
  result: 'won' | 'lost' | 'draw';
  reason: string;
  tricks: [number, number];
  at: number | null;
}

/** The player's finished matches, newest first (at most HISTORY_LIMIT). */
export function historyOf(state: LedgerState, playerId: string, limit = 50): HistoryView[] {
  const list = state.history.get(playerId) ?? [];
  return list
    .slice(-limit)
    .reverse()
    .map((h) => historyView(state, h));
}

/**
 * A finished match as `playerId` played it, from its history: also for a match that has
 * left `matches` (getMatch null). Null when the player did not play it, it is not finished,
 * or it is older than the player's last HISTORY_LIMIT matches.
 */
export function playedMatchOf(state: LedgerState, playerId: string, matchId: string): HistoryView | null {
  const h = playedMatch(state, playerId, matchId);
  return h ? historyView(state, h) : null;
}

function historyView(state: LedgerState, h: HistoryRecord): HistoryView {
  return {
    matchId: h.matchId,
    opponentId: h.opponentId,
    opponentName: state.players.get(h.opponentId)?.name ?? h.opponentId,
    result: h.result,
    reason: h.reason,
    tricks: [h.tricks[0], h.tricks[1]],
    at: h.at,
  };
}
