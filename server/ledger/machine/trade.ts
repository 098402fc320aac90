// TRADE: an atomic swap of two owned, unlocked cards; idempotent by tradeId.
import { fail, type CommandOf, type LedgerResult } from './commands.ts';
import type { ApplyContext } from './context.ts';
import type { LedgerState, TradeRecord } from './state.ts';
import { cardAt, cardIndexOf } from './stock.ts';

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
  if (cmd.fromPlayerId === cmd.toPlayerId) return fail('SAME_PLAYER', 'a player cannot trade with itself');
  const from = state.players.get(cmd.fromPlayerId);
  const to = state.players.get(cmd.toPlayerId);
  if (!from) return fail('UNKNOWN_PLAYER', `unknown player ${cmd.fromPlayerId}`);
  if (!to) return fail('UNKNOWN_PLAYER', `unknown player ${cmd.toPlayerId}`);

  const offer = cardIndexOf(state.catalog, cmd.offerCardId);
  const want = cardIndexOf(state.catalog, cmd.wantCardId);
  if (offer < 0 || state.owner[offer] !== from.id) return fail('CARD_NOT_OWNED', `${cmd.offerCardId} is not owned by ${from.id}`);
  if (want < 0 || state.owner[want] !== to.id) return fail('CARD_NOT_OWNED', `${cmd.wantCardId} is not owned by ${to.id}`);
  if (state.locked.has(offer)) return fail('CARD_IN_MATCH', `${cmd.offerCardId} is in the hand of an unfinished match`);
  if (state.locked.has(want)) return fail('CARD_IN_MATCH', `${cmd.wantCardId} is in the hand of an unfinished match`);

  from.cards.delete(offer);
  to.cards.delete(want);
  from.cards.add(want);
  to.cards.add(offer);
  state.owner[offer] = to.id;
  state.owner[want] = from.id;
  const rec: TradeRecord = {
    tradeId: cmd.tradeId,
    fromPlayerId: from.id,
    toPlayerId: to.id,
    offerCard: offer,
    wantCard: want,
    index: ctx.index,
  };
  state.trades.set(cmd.tradeId, rec);
  return tradeOk(state, rec);
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
