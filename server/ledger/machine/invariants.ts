// Safety properties the simulator checks after every step (docs/design.md §6). Each violation is
// one human-readable line; an empty list means the state is consistent. O(cards + records).
import { PACK_SIZE, RARITIES } from '../../../protocol/cards.ts';
import { playedMatch } from './archive.ts';
import { CLOSED_TRADES_KEPT, FINISHED_MATCHES_KEPT, PURCHASES_KEPT_PER_PLAYER, type AgeQueue } from './retention.ts';
import { HISTORY_LIMIT, remainingCount, type LedgerState } from './state.ts';
import { rarityAt } from './stock.ts';

const MAX_REPORTS = 50;

export function checkInvariants(state: LedgerState): string[] {
  const out: string[] = [];
  const report = (msg: string) => {
    if (out.length < MAX_REPORTS) out.push(msg);
  };
  checkCards(state, report);
  checkPurchases(state, report);
  checkMatches(state, report);
  checkOffers(state, report);
  checkRetention(state, report);
  if (state.lastApplied < 0 || !Number.isSafeInteger(state.lastApplied)) report(`lastApplied ${state.lastApplied} is invalid`);
  return out;
}

type Report = (msg: string) => void;

/** Conservation and single ownership: each card is exactly once in stock ∪ collections. */
function checkCards(state: LedgerState, report: Report): void {
  const { catalog } = state;
  const remaining = remainingCount(state);
  if (state.sold + remaining !== catalog.total) {
    report(`sold ${state.sold} + remaining ${remaining} != total ${catalog.total}`);
  }
  const seen = new Uint8Array(catalog.total);
  for (const r of RARITIES) {
    for (const i of state.stock[r]) {
      if (!(i >= 0 && i < catalog.total)) {
        report(`stock ${r} holds a card index ${i} outside the catalogue`);
        continue;
      }
      if (seen[i]++) report(`card ${i} is in the stock twice`);
      if (rarityAt(catalog, i) !== r) report(`card ${i} of rarity ${rarityAt(catalog, i)} is in the ${r} stock`);
      if (state.owner[i] !== null) report(`card ${i} is in stock but owned by ${state.owner[i]}`);
    }
  }
  let owned = 0;
  for (const p of state.players.values()) {
    for (const i of p.cards) {
      owned++;
      if (!(i >= 0 && i < catalog.total)) {
        report(`player ${p.id} holds a card index ${i} outside the catalogue`);
        continue;
      }
      if (seen[i]++) report(`card ${i} has two places (second: player ${p.id})`);
      if (state.owner[i] !== p.id) report(`card ${i} is held by ${p.id} but the owner index says ${state.owner[i]}`);
    }
  }
  if (owned !== state.sold) report(`players own ${owned} cards but ${state.sold} were sold`);
  for (let i = 0; i < catalog.total; i++) if (!seen[i]) report(`card ${i} is neither in stock nor owned`);
}

/**
 * No sold card came from two remembered purchases, the rest of the sales are whole packs of
 * forgotten ones, and every purchased card is still owned (cards are never destroyed); one
 * that is not with its buyer must have been traded (checked while the buyer's trades are
 * all remembered, i.e. none was ever forgotten).
 */
function checkPurchases(state: LedgerState, report: Report): void {
  const traded = new Set<number>();
  for (const t of state.trades.values()) {
    traded.add(t.offerCard);
    traded.add(t.wantCard);
  }
  // Fewer closed trades than the limit: none was ever dropped, so every swap is known.
  const tradesComplete = state.closedTrades.size < CLOSED_TRADES_KEPT;
  const fromPurchase = new Set<number>();
  for (const p of state.purchases.values()) {
    if (p.cards.length !== 5) report(`purchase ${p.requestId} has ${p.cards.length} cards`);
    if (p.index > state.lastApplied) report(`purchase ${p.requestId} applied at ${p.index} > lastApplied ${state.lastApplied}`);
    if (!state.players.has(p.playerId)) report(`purchase ${p.requestId} by unknown player ${p.playerId}`);
    for (const c of p.cards) {
      if (fromPurchase.has(c)) report(`card ${c} was sold twice (again in ${p.requestId})`);
      fromPurchase.add(c);
      const owner = state.owner[c];
      if (owner === null || owner === undefined) report(`card ${c} of purchase ${p.requestId} is owned by nobody`);
      else if (owner !== p.playerId && !traded.has(c) && tradesComplete) report(`card ${c} of purchase ${p.requestId} moved to ${owner} without a trade`);
    }
  }
  if (fromPurchase.size > state.sold || (state.sold - fromPurchase.size) % PACK_SIZE !== 0) {
    report(`purchases account for ${fromPurchase.size} cards but ${state.sold} were sold`);
  }
}

/**
 * Active matches and players agree; every card of a hand in an unfinished match is locked
 * to it and owned by its player, and the locks are exactly those cards.
 */
function checkMatches(state: LedgerState, report: Report): void {
  let locks = 0;
  for (const m of state.matches.values()) {
    if (m.epoch < 1) report(`match ${m.matchId} has epoch ${m.epoch}`);
    if (m.status === 'finished') {
      if (!m.result) report(`finished match ${m.matchId} has no result`);
      m.players.forEach((pid) => {
        if (!playedMatch(state, pid, m.matchId) && (state.history.get(pid)?.length ?? 0) < HISTORY_LIMIT) report(`finished match ${m.matchId} is missing from ${pid}'s history`);
      });
    }
    m.players.forEach((pid, seat) => {
      const p = state.players.get(pid);
      if (!p) return report(`match ${m.matchId} names unknown player ${pid}`);
      if (m.status === 'active' && p.activeMatchId !== m.matchId) {
        report(`player ${pid} is in active match ${m.matchId} but points at ${p.activeMatchId}`);
      }
      const hand = m.hands[seat];
      if (!hand || m.status !== 'active') return;
      for (const c of hand) {
        locks++;
        if (state.locked.get(c) !== m.matchId) report(`card ${c} of ${pid}'s hand in ${m.matchId} is not locked to it`);
        if (state.owner[c] !== pid) report(`card ${c} of ${pid}'s hand in ${m.matchId} is owned by ${state.owner[c]}`);
      }
    });
  }
  if (locks !== state.locked.size) report(`${state.locked.size} cards are locked but active hands hold ${locks}`);
  checkMatchPurchases(state, report);
  let pw = 0;
  let pl = 0;
  let pd = 0;
  for (const p of state.players.values()) {
    pw += p.wins;
    pl += p.losses;
    pd += p.draws;
    if (p.activeMatchId !== null) {
      const m = state.matches.get(p.activeMatchId);
      if (!m || m.status !== 'active' || !m.players.includes(p.id)) {
        report(`player ${p.id} points at ${p.activeMatchId}, which is not its active match`);
      }
    }
  }
  // Results are folded into the players: each decisive match gives one win and one loss, a draw two draws.
  if (pw !== pl || pd % 2 !== 0) report(`player stats (W${pw}/L${pl}/D${pd}) are not the sum of whole matches`);
  for (const [pid, list] of state.history) {
    const p = state.players.get(pid);
    if (!p) {
      report(`history kept for unknown player ${pid}`);
      continue;
    }
    if (list.length > HISTORY_LIMIT) report(`player ${pid} keeps ${list.length} history entries (limit ${HISTORY_LIMIT})`);
    const count = (r: string) => list.filter((h) => h.result === r).length;
    if (count('won') > p.wins || count('lost') > p.losses || count('draw') > p.draws) report(`player ${pid}'s history has more results than its stats`);
  }
}

/**
 * A pack bought for a match is that match's hand: the purchase names a match the buyer
 * plays in, and while the match is unfinished the ledger records exactly those cards as
 * the buyer's hand (so they are locked, by the check above). A pack that became a hand
 * any other way (a retried requestId of an ordinary purchase) would show up here.
 */
function checkMatchPurchases(state: LedgerState, report: Report): void {
  for (const p of state.purchases.values()) {
    if (p.matchId === null) continue;
    const m = state.matches.get(p.matchId);
    const seat = m ? m.players.indexOf(p.playerId) : -1;
    if (!m && playedMatch(state, p.playerId, p.matchId)) continue; // finished and archived
    if (!m && (state.history.get(p.playerId)?.length ?? 0) >= HISTORY_LIMIT) continue; // finished, older than the history
    if (!m || seat < 0) {
      report(`purchase ${p.requestId} is for match ${p.matchId}, which ${m ? `${p.playerId} does not play in` : 'does not exist'}`);
      continue;
    }
    if (m.status !== 'active') continue;
    const hand = m.hands[seat];
    const same = hand !== null && hand.length === p.cards.length && p.cards.every((c) => hand.includes(c));
    if (!same) report(`purchase ${p.requestId} is ${p.playerId}'s hand in unfinished match ${m.matchId}, but the ledger records ${hand ? `cards ${hand.join(',')}` : 'no hand'}`);
  }
}

/**
 * Offers are well-formed and agree with the trades and the derived pending index: pending
 * ones are open and indexed under both parties; `done` ones have the matching trade;
 * declined / refused ones carry a fitting reason; nothing is dated after lastApplied.
 */
function checkOffers(state: LedgerState, report: Report): void {
  const inQueue = new Set(state.closedTrades.values());
  let indexed = 0;
  for (const o of state.offers.values()) {
    const where = `offer ${o.tradeId}`;
    for (const p of [o.fromPlayerId, o.toPlayerId]) if (!state.players.has(p)) report(`${where} names unknown player ${p}`);
    if (o.fromPlayerId === o.toPlayerId) report(`${where} is between ${o.fromPlayerId} and itself`);
    for (const c of [o.offerCard, o.wantCard]) if (!(c >= 0 && c < state.catalog.total)) report(`${where} names card index ${c} outside the catalogue`);
    if (o.createdAt > state.lastApplied) report(`${where} created at ${o.createdAt} > lastApplied ${state.lastApplied}`);
    const pending = (p: string) => state.pendingOffers.get(p)?.has(o.tradeId) ?? false;
    if (o.status === 'pending') {
      indexed += 2;
      if (o.reason !== null || o.closedAt !== null) report(`pending ${where} has a reason or close index`);
      if (!pending(o.fromPlayerId) || !pending(o.toPlayerId)) report(`pending ${where} is missing from the pending index`);
      if (state.trades.has(o.tradeId)) report(`pending ${where} already has a trade record`);
      continue;
    }
    if (pending(o.fromPlayerId) || pending(o.toPlayerId)) report(`${o.status} ${where} is still in the pending index`);
    if (o.closedAt === null || o.closedAt < o.createdAt || o.closedAt > state.lastApplied) report(`${o.status} ${where} has close index ${o.closedAt}`);
    const t = state.trades.get(o.tradeId);
    if (!inQueue.has(o.tradeId)) report(`${o.status} ${where} is not in the closed-trade queue`);
    if (o.status === 'done') {
      if (o.reason !== null) report(`done ${where} has reason ${o.reason}`);
      if (!t || t.fromPlayerId !== o.fromPlayerId || t.toPlayerId !== o.toPlayerId || t.offerCard !== o.offerCard || t.wantCard !== o.wantCard) {
        report(`done ${where} has no matching trade record`);
      }
      continue;
    }
    if (t) report(`${o.status} ${where} has a trade record`);
    const fits = o.status === 'declined' ? o.reason === 'DECLINED' || o.reason === 'CANCELLED' : o.reason === 'CARD_NOT_OWNED' || o.reason === 'CARD_IN_MATCH';
    if (!fits) report(`${o.status} ${where} has reason ${o.reason}`);
  }
  let entries = 0;
  for (const [p, ids] of state.pendingOffers) {
    if (ids.size === 0) report(`pending index holds an empty set for ${p}`);
    for (const id of ids) {
      entries++;
      const o = state.offers.get(id);
      if (!o || o.status !== 'pending' || (o.fromPlayerId !== p && o.toPlayerId !== p)) report(`pending index lists ${id} under ${p} wrongly`);
    }
  }
  if (entries !== indexed) report(`pending index has ${entries} entries, pending offers need ${indexed}`);
}

/**
 * The bounded kinds stay bounded and their age queues name exactly the records kept:
 * finished matches, closed offers plus direct trades, and each player's purchases.
 */
function checkRetention(state: LedgerState, report: Report): void {
  const finished = [...state.matches.values()].filter((m) => m.status === 'finished').map((m) => m.matchId);
  sameIds('finished-match queue', state.finished, finished, FINISHED_MATCHES_KEPT, report);
  const closed = [...state.offers.values()].filter((o) => o.status !== 'pending').map((o) => o.tradeId);
  for (const t of state.trades.values()) if (!state.offers.has(t.tradeId)) closed.push(t.tradeId);
  sameIds('closed-trade queue', state.closedTrades, closed, CLOSED_TRADES_KEPT, report);
  const byPlayer = new Map<string, string[]>();
  for (const p of state.purchases.values()) byPlayer.set(p.playerId, [...(byPlayer.get(p.playerId) ?? []), p.requestId]);
  for (const [pid, q] of state.purchasesOf) if (q.size > 0 && !byPlayer.has(pid)) report(`purchase queue of ${pid} names purchases that are gone`);
  for (const [pid, ids] of byPlayer) {
    const q = state.purchasesOf.get(pid);
    if (!q) report(`purchases of ${pid} have no queue`);
    else sameIds(`purchase queue of ${pid}`, q, ids, PURCHASES_KEPT_PER_PLAYER, report);
  }
}

function sameIds(what: string, q: AgeQueue, ids: string[], limit: number, report: Report): void {
  const queued = [...q.values()];
  const a = new Set(queued);
  if (a.size !== queued.length || a.size !== ids.length || ids.some((id) => !a.has(id))) {
    report(`${what} holds ${queued.length} ids for ${ids.length} records`);
  }
  if (q.size > limit && !q.oneGroup()) report(`${what} keeps ${q.size} records (limit ${limit})`);
}
