// Trades. Two ways to swap two owned, unlocked cards atomically:
//  * a direct TRADE (no offer): both sides agreed elsewhere; idempotent by tradeId;
//  * with consent: TRADE_OFFER records a pending proposal, then the recipient either
//    accepts it (a TRADE with the offer's tradeId and `byPlayerId`) or either side closes
//    it with TRADE_DECLINE. Accepting re-checks ownership and match locks at apply time:
//    if a card changed hands or is in an unfinished match's hand, the offer is closed as
//    `refused` with that code — the one refusal that changes state (see docs).
// Hand privacy: an offer is never refused because the card it asks for sits in the other
// player's hand (that would tell the proposer the opponent's hand); the lock is checked
// when the offer is accepted, and players are told only "a card is not available"
// (server/players/trade-notifier.ts). Closed offers and completed trades are kept only for
// the last CLOSED_TRADES_KEPT of them (archive.ts), so trades cannot grow the ledger
// without bound.
import { retainClosedTrade } from './archive.ts';
import { fail, type CommandOf, type LedgerError, type LedgerResult, type TradeCloseReason } from './commands.ts';
import type { ApplyContext } from './context.ts';
import { touched, type LedgerState, type OfferRecord, type TradeRecord } from './state.ts';
import { cardAt, cardIndexOf } from './stock.ts';

/** Pending offers one player may have made at a time (bounds the state a player can grow). */
export const MAX_PENDING_OFFERS = 50;


type Parties = Pick<CommandOf<'TRADE'>, 'fromPlayerId' | 'toPlayerId' | 'offerCardId' | 'wantCardId'>;

export function trade(state: LedgerState, cmd: CommandOf<'TRADE'>, ctx: ApplyContext): LedgerResult<'TRADE'> {
  const done = state.trades.get(cmd.tradeId);
  if (done) {
    const same =
      done.fromPlayerId === cmd.fromPlayerId &&
      done.toPlayerId === cmd.toPlayerId &&
      cardAt(state.catalog, done.offerCard).id === cmd.offerCardId &&
      cardAt(state.catalog, done.wantCard).id === cmd.wantCardId;
    return same ? tradeOk(state, done) : fail('DUPLICATE_REQUEST', `tradeId ${cmd.tradeId} was used for another trade`);
  }
  const offer = state.offers.get(cmd.tradeId);
  if (offer) return acceptOffer(state, offer, cmd, ctx);
  // An accept names an offer; one that is gone (closed long ago and forgotten) must not
  // turn into a direct swap the proposer never agreed to.
  if (cmd.byPlayerId !== undefined) return fail('UNKNOWN_TRADE', `no trade offer ${cmd.tradeId} (unknown, or closed long ago)`);

  const problem = swapProblem(state, cmd);
  if (problem) return problem;
  const offerCard = cardIndexOf(state.catalog, cmd.offerCardId);
  const wantCard = cardIndexOf(state.catalog, cmd.wantCardId);
  const rec = swap(state, cmd.tradeId, offerCard, wantCard, cmd, ctx);
  retainClosedTrade(state, rec.tradeId, ctx.index);
  return tradeOk(state, rec);
}

export function tradeOffer(state: LedgerState, cmd: CommandOf<'TRADE_OFFER'>, ctx: ApplyContext): LedgerResult<'TRADE_OFFER'> {
  const problem = tradeOfferProblem(state, cmd);
  if (problem) return problem;
  const existing = state.offers.get(cmd.tradeId);
  if (existing) return offerOk(state, existing); // a retry of the same offer
  const rec: OfferRecord = {
    tradeId: cmd.tradeId,
    fromPlayerId: cmd.fromPlayerId,
    toPlayerId: cmd.toPlayerId,
    offerCard: cardIndexOf(state.catalog, cmd.offerCardId),
    wantCard: cardIndexOf(state.catalog, cmd.wantCardId),
    status: 'pending',
    reason: null,
    createdAt: ctx.index,
    closedAt: null,
  };
  state.offers.set(rec.tradeId, rec);
  indexPending(state, rec);
  return offerOk(state, rec);
}

/**
 * Why TRADE_OFFER would be refused right now, or null (also null for a retry of the same
 * offer). Pure: nodes call it to refuse bad input before it reaches the log.
 */
export function tradeOfferProblem(state: LedgerState, cmd: Omit<CommandOf<'TRADE_OFFER'>, 'type'>): LedgerError | null {
  const existing = state.offers.get(cmd.tradeId);
  if (existing) {
    const same =
      existing.fromPlayerId === cmd.fromPlayerId &&
      existing.toPlayerId === cmd.toPlayerId &&
      cardAt(state.catalog, existing.offerCard).id === cmd.offerCardId &&
      cardAt(state.catalog, existing.wantCard).id === cmd.wantCardId;
    return same ? null : fail('DUPLICATE_REQUEST', `tradeId ${cmd.tradeId} was used for another offer`);
  }
  if (state.trades.has(cmd.tradeId)) return fail('DUPLICATE_REQUEST', `tradeId ${cmd.tradeId} was used for another trade`);
  // The wanted card's lock is not looked at: see "Hand privacy" above.
  const problem = swapProblem(state, cmd, { wantLock: false });
  if (problem) return problem;
  let open = 0;
  for (const id of state.pendingOffers.get(cmd.fromPlayerId) ?? []) if (state.offers.get(id)?.fromPlayerId === cmd.fromPlayerId) open++;
  if (open >= MAX_PENDING_OFFERS) return fail('TOO_MANY_OFFERS', `${cmd.fromPlayerId} already has ${open} pending offers`);
  return null;
}

export function tradeDecline(state: LedgerState, cmd: CommandOf<'TRADE_DECLINE'>, ctx: ApplyContext): LedgerResult<'TRADE_DECLINE'> {
  const offer = state.offers.get(cmd.tradeId);
  if (!offer) return fail('UNKNOWN_TRADE', `no trade offer ${cmd.tradeId}`);
  if (cmd.byPlayerId !== offer.toPlayerId && cmd.byPlayerId !== offer.fromPlayerId) {
    return fail('NOT_TRADE_PARTY', `${cmd.byPlayerId} is not a party of trade ${cmd.tradeId}`);
  }
  const reason = cmd.byPlayerId === offer.toPlayerId ? 'DECLINED' : 'CANCELLED';
  if (offer.status === 'declined' && offer.reason === reason) return declineOk(offer, reason); // a retry
  if (offer.status !== 'pending') return fail('TRADE_CLOSED', `trade ${cmd.tradeId} is already ${describeClosed(offer)}`);
  close(state, offer, 'declined', reason, ctx);
  return declineOk(offer, reason);
}

/** Accepting a pending offer (TRADE whose tradeId names an offer). */
function acceptOffer(state: LedgerState, offer: OfferRecord, cmd: CommandOf<'TRADE'>, ctx: ApplyContext): LedgerResult<'TRADE'> {
  const same =
    offer.fromPlayerId === cmd.fromPlayerId &&
    offer.toPlayerId === cmd.toPlayerId &&
    cardAt(state.catalog, offer.offerCard).id === cmd.offerCardId &&
    cardAt(state.catalog, offer.wantCard).id === cmd.wantCardId;
  if (!same) return fail('DUPLICATE_REQUEST', `tradeId ${cmd.tradeId} names another offer`);
  if (cmd.byPlayerId !== offer.toPlayerId) return fail('NOT_TRADE_PARTY', `only ${offer.toPlayerId} can accept trade ${offer.tradeId}`);
  if (offer.status === 'refused' && (offer.reason === 'CARD_NOT_OWNED' || offer.reason === 'CARD_IN_MATCH')) {
    return refusedAccept(offer, offer.reason); // a retry: the same answer as the first time
  }
  if (offer.status !== 'pending') return fail('TRADE_CLOSED', `trade ${offer.tradeId} is already ${describeClosed(offer)}`);
  const problem = swapProblem(state, cmd);
  if (problem) {
    // The players and card ids were valid when offered, so only ownership or a lock changed.
    const reason = problem.code === 'CARD_IN_MATCH' ? 'CARD_IN_MATCH' : 'CARD_NOT_OWNED';
    close(state, offer, 'refused', reason, ctx);
    return refusedAccept(offer, reason);
  }
  close(state, offer, 'done', null, ctx);
  return tradeOk(state, swap(state, offer.tradeId, offer.offerCard, offer.wantCard, cmd, ctx));
}

/**
 * Why `from` cannot give `offerCardId` for `to`'s `wantCardId` right now, or null.
 * `wantLock: false` skips the lock on the wanted card (an offer must not reveal it).
 */
function swapProblem(state: LedgerState, t: Parties, check: { wantLock: boolean } = { wantLock: true }): LedgerError | null {
  if (t.fromPlayerId === t.toPlayerId) return fail('SAME_PLAYER', 'a player cannot trade with itself');
  if (!state.players.has(t.fromPlayerId)) return fail('UNKNOWN_PLAYER', `unknown player ${t.fromPlayerId}`);
  if (!state.players.has(t.toPlayerId)) return fail('UNKNOWN_PLAYER', `unknown player ${t.toPlayerId}`);
  const offer = cardIndexOf(state.catalog, t.offerCardId);
  const want = cardIndexOf(state.catalog, t.wantCardId);
  if (offer < 0 || state.owner[offer] !== t.fromPlayerId) return fail('CARD_NOT_OWNED', `${t.offerCardId} is not owned by ${t.fromPlayerId}`);
  if (want < 0 || state.owner[want] !== t.toPlayerId) return fail('CARD_NOT_OWNED', `${t.wantCardId} is not owned by ${t.toPlayerId}`);
  if (state.locked.has(offer)) return fail('CARD_IN_MATCH', `${t.offerCardId} is in the hand of an unfinished match`);
  if (check.wantLock && state.locked.has(want)) return fail('CARD_IN_MATCH', `${t.wantCardId} is in the hand of an unfinished match`);
  return null;
}

/** Moves the two cards (already checked) and records the trade. */
function swap(state: LedgerState, tradeId: string, offer: number, want: number, t: Parties, ctx: ApplyContext): TradeRecord {
  const from = state.players.get(t.fromPlayerId)!;
  const to = state.players.get(t.toPlayerId)!;
  from.cards.delete(offer);
  to.cards.delete(want);
  from.cards.add(want);
  to.cards.add(offer);
  state.owner[offer] = to.id;
  state.owner[want] = from.id;
  touched(state, from.id, to.id);
  const rec: TradeRecord = { tradeId, fromPlayerId: from.id, toPlayerId: to.id, offerCard: offer, wantCard: want, index: ctx.index };
  state.trades.set(tradeId, rec);
  return rec;
}

function close(state: LedgerState, offer: OfferRecord, status: 'done' | 'declined' | 'refused', reason: TradeCloseReason | null, ctx: ApplyContext): void {
  offer.status = status;
  offer.reason = reason;
  offer.closedAt = ctx.index;
  for (const p of [offer.fromPlayerId, offer.toPlayerId]) {
    const set = state.pendingOffers.get(p);
    set?.delete(offer.tradeId);
    if (set && set.size === 0) state.pendingOffers.delete(p);
  }
  retainClosedTrade(state, offer.tradeId, ctx.index);
}

/** Adds a pending offer to the derived per-player index (also used when loading a snapshot). */
export function indexPending(state: LedgerState, offer: OfferRecord): void {
  for (const p of [offer.fromPlayerId, offer.toPlayerId]) {
    let set = state.pendingOffers.get(p);
    if (!set) state.pendingOffers.set(p, (set = new Set()));
    set.add(offer.tradeId);
  }
}

function refusedAccept(offer: OfferRecord, reason: 'CARD_NOT_OWNED' | 'CARD_IN_MATCH'): LedgerError {
  const why = reason === 'CARD_IN_MATCH' ? 'is in the hand of an unfinished match' : 'changed hands';
  return fail(reason, `trade ${offer.tradeId} refused: a card of it ${why} since it was offered`);
}

function describeClosed(offer: OfferRecord): string {
  return offer.reason ? `${offer.status} (${offer.reason})` : offer.status;
}

function tradeOk(state: LedgerState, t: TradeRecord): LedgerResult<'TRADE'> {
  return {
    ok: true,
    tradeId: t.tradeId,
    fromPlayerId: t.fromPlayerId,
    toPlayerId: t.toPlayerId,
    offerCard: cardAt(state.catalog, t.offerCard),
    wantCard: cardAt(state.catalog, t.wantCard),
  };
}

function offerOk(state: LedgerState, o: OfferRecord): LedgerResult<'TRADE_OFFER'> {
  return {
    ok: true,
    tradeId: o.tradeId,
    fromPlayerId: o.fromPlayerId,
    toPlayerId: o.toPlayerId,
    offerCard: cardAt(state.catalog, o.offerCard),
    wantCard: cardAt(state.catalog, o.wantCard),
  };
}

function declineOk(o: OfferRecord, reason: 'DECLINED' | 'CANCELLED'): LedgerResult<'TRADE_DECLINE'> {
  return { ok: true, tradeId: o.tradeId, fromPlayerId: o.fromPlayerId, toPlayerId: o.toPlayerId, reason };
}
