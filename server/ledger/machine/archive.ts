// What the ledger forgets, and when: every record kind kept only for late readers and
// retried commands goes through one of these, so pruning is the same on every replica and
// on a state loaded from a snapshot (retention.ts explains why that holds).
import type { HistoryRecord, LedgerState, MatchRecord, PurchaseRecord } from './state.ts';
import { AgeQueue, CLOSED_TRADES_KEPT, FINISHED_MATCHES_KEPT, PURCHASES_KEPT_PER_PLAYER } from './retention.ts';

/** A match just finished: it stays readable until FINISHED_MATCHES_KEPT newer ones finished. */
export function retainFinishedMatch(state: LedgerState, m: MatchRecord): void {
  state.finished.push(m.matchId, m.finishedAt ?? state.lastApplied);
  state.finished.trim(FINISHED_MATCHES_KEPT, (id) => state.matches.delete(id));
}

/** An offer closed or a direct trade was made at `at`: both records of the tradeId go together later. */
export function retainClosedTrade(state: LedgerState, tradeId: string, at: number): void {
  state.closedTrades.push(tradeId, at);
  state.closedTrades.trim(CLOSED_TRADES_KEPT, (id) => dropTrade(state, id));
}

/** A purchase was recorded: the player's oldest ones beyond PURCHASES_KEPT_PER_PLAYER go. */
export function retainPurchase(state: LedgerState, p: PurchaseRecord): void {
  let q = state.purchasesOf.get(p.playerId);
  if (!q) state.purchasesOf.set(p.playerId, (q = new AgeQueue()));
  q.push(p.requestId, p.index);
  q.trim(PURCHASES_KEPT_PER_PLAYER, (id) => state.purchases.delete(id));
}

function dropTrade(state: LedgerState, tradeId: string): void {
  state.trades.delete(tradeId);
  const o = state.offers.get(tradeId);
  if (o && o.status !== 'pending') state.offers.delete(tradeId);
}

/**
 * Rebuilds the queues of a state whose record maps were just loaded, and trims them as the
 * commands would have: a snapshot written by older code (which kept everything) loads to
 * the state this code would have reached.
 */
export function rebuildRetention(state: LedgerState): void {
  const finished = [...state.matches.values()].filter((m) => m.status === 'finished');
  state.finished = AgeQueue.of(finished.map((m) => ({ id: m.matchId, at: m.finishedAt ?? 0 })));
  state.finished.trim(FINISHED_MATCHES_KEPT, (id) => state.matches.delete(id));

  const closed: { id: string; at: number }[] = [];
  for (const o of state.offers.values()) if (o.status !== 'pending') closed.push({ id: o.tradeId, at: o.closedAt ?? 0 });
  for (const t of state.trades.values()) if (!state.offers.has(t.tradeId)) closed.push({ id: t.tradeId, at: t.index });
  state.closedTrades = AgeQueue.of(closed);
  state.closedTrades.trim(CLOSED_TRADES_KEPT, (id) => dropTrade(state, id));

  const byPlayer = new Map<string, PurchaseRecord[]>();
  for (const p of state.purchases.values()) {
    const list = byPlayer.get(p.playerId);
    if (list) list.push(p);
    else byPlayer.set(p.playerId, [p]);
  }
  state.purchasesOf = new Map();
  for (const [playerId, list] of byPlayer) {
    const q = AgeQueue.of(list.map((p) => ({ id: p.requestId, at: p.index })));
    q.trim(PURCHASES_KEPT_PER_PLAYER, (id) => state.purchases.delete(id));
    state.purchasesOf.set(playerId, q);
  }
}

/** The player's history entry for `matchId` (a finished match, possibly no longer in `matches`). */
export function playedMatch(state: LedgerState, playerId: string, matchId: string): HistoryRecord | null {
  const list = state.history.get(playerId);
  if (!list) return null;
  for (let i = list.length - 1; i >= 0; i--) if (list[i].matchId === matchId) return list[i];
  return null;
}
