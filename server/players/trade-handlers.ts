// Player commands for trades with consent (docs/design.md §4, docs/protocol.md "Trades"):
//   PROPOR_TROCA    → TRADE_OFFER in the ledger → reply TROCA_ENVIADA {requestId, tradeId};
//                     the recipient, wherever it is connected, gets TROCA_PROPOSTA.
//   RESPONDER_TROCA → TRADE (accept) or TRADE_DECLINE → both players get TROCA_CONCLUIDA or
//                     TROCA_RECUSADA (trade-notifier.ts); refusals are ERRO {code}.
// Input that is wrong on its face (unknown trade, not your trade, a card you do not own) is
// refused from this node's replica before anything reaches the log. No answer tells whether
// a card sits in another player's hand: an offer for one is made like any other, and an
// accept that fails for it says only CARD_UNAVAILABLE (docs/security.md "Hand privacy").
import { createHash } from 'node:crypto';
import { CommandError, type CommandRouter } from './commands.ts';
import { commit } from './ledger-handlers.ts';
import { TradeNotifier, outcome, publicReason, type TradeOutbox } from './trade-notifier.ts';
import { MAX_PENDING_OFFERS, getTrade, lockedBy, ownerOf, pendingTradesFor, type LedgerResult, type LedgerState } from '../ledger/machine/index.ts';
import type { LedgerService } from '../ledger/service.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { TrocaEnviada } from '../../protocol/events.ts';

export interface TradeHandlerDeps {
  replica: LedgerReplica;
  ledger: LedgerService;
  broker: TradeOutbox;
}

/**
 * A trade's id: a UUID derived from the proposer and its requestId, so a PROPOR_TROCA
 * retried with the same requestId (lost reply, other peer) names the same offer and the
 * ledger answers it from its idempotency table instead of making a second offer.
 */
export function tradeIdFor(playerId: string, requestId: string): string {
  const h = createHash('sha256').update(`trinca-trade\0${playerId}\0${requestId}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Registers PROPOR_TROCA and RESPONDER_TROCA; returns the notifier to attach to the replica. */
export function tradeCommands(router: CommandRouter, deps: TradeHandlerDeps): TradeNotifier {
  const notifier = new TradeNotifier(deps.broker);
  const state = (): LedgerState => deps.replica.state;

  router.on('PROPOR_TROCA', async (playerId, cmd): Promise<TrocaEnviada> => {
    const s = state();
    const tradeId = tradeIdFor(playerId, cmd.requestId);
    if (!getTrade(s, tradeId)) {
      // The proposer's own side is checked here (its own cards are fresh on its node). The
      // other player's side goes to the ledger, which decides: this replica may lag.
      if (cmd.toPlayerId === playerId) throw new CommandError('SAME_PLAYER', 'you cannot trade with yourself');
      if (ownerOf(s, cmd.offerCardId) !== playerId) throw new CommandError('CARD_NOT_OWNED', `you do not own ${cmd.offerCardId}`);
      if (lockedBy(s, cmd.offerCardId)) throw new CommandError('CARD_IN_MATCH', `${cmd.offerCardId} is in the hand of an unfinished match`);
      const open = pendingTradesFor(s, playerId).filter((t) => t.fromPlayerId === playerId).length;
      if (open >= MAX_PENDING_OFFERS) throw new CommandError('TOO_MANY_OFFERS', `you already have ${open} pending offers`);
    }
    const r = await commit(deps.ledger, {
      type: 'TRADE_OFFER',
      tradeId,
      fromPlayerId: playerId,
      toPlayerId: cmd.toPlayerId,
      offerCardId: cmd.offerCardId,
      wantCardId: cmd.wantCardId,
    });
    if (!r.ok) throw new CommandError(r.code, r.message);
    const ok = r as Extract<LedgerResult<'TRADE_OFFER'>, { ok: true }>;
    return { type: 'TROCA_ENVIADA', requestId: cmd.requestId, tradeId: ok.tradeId, toPlayerId: ok.toPlayerId, offerCard: ok.offerCard, wantCard: ok.wantCard };
  });

  router.on('RESPONDER_TROCA', async (playerId, cmd) => {
    const t = getTrade(state(), cmd.tradeId);
    if (!t) throw new CommandError('UNKNOWN_TRADE', `no trade ${cmd.tradeId}`);
    if (playerId !== t.toPlayerId && playerId !== t.fromPlayerId) throw new CommandError('NOT_TRADE_PARTY', 'that trade is not yours');
    if (cmd.accept && playerId !== t.toPlayerId) throw new CommandError('NOT_TRADE_PARTY', 'only the player the offer was made to can accept it');
    const reason = playerId === t.toPlayerId ? 'DECLINED' : 'CANCELLED';
    if (t.status !== 'pending') {
      // A retry after a lost reply gets the same outcome; anything else is too late.
      const same = cmd.accept ? t.status === 'done' : t.status === 'declined' && t.reason === reason;
      if (same) return outcome(t, cmd.requestId);
      const why = publicReason(t.reason);
      throw new CommandError('TRADE_CLOSED', `trade ${t.tradeId} is already ${t.status}${why ? ` (${why})` : ''}`);
    }
    const ticket = notifier.expectOutcome(t.tradeId, playerId, cmd.requestId, cmd.accept, reason);
    let r: LedgerResult;
    try {
      r = await commit(
        deps.ledger,
        cmd.accept
          ? { type: 'TRADE', tradeId: t.tradeId, fromPlayerId: t.fromPlayerId, toPlayerId: t.toPlayerId, offerCardId: t.offerCard.id, wantCardId: t.wantCard.id, byPlayerId: playerId }
          : { type: 'TRADE_DECLINE', tradeId: t.tradeId, byPlayerId: playerId },
      );
    } finally {
      notifier.settle(ticket);
    }
    if (!r.ok && cmd.accept && (r.code === 'CARD_IN_MATCH' || r.code === 'CARD_NOT_OWNED')) {
      throw new CommandError('CARD_UNAVAILABLE', `trade ${t.tradeId} refused: a card of it is not available any more`);
    }
    if (!r.ok) throw new CommandError(r.code, r.message);
    if (ticket.delivered) return; // the notifier's TROCA_CONCLUIDA / TROCA_RECUSADA carried our requestId
    const after = getTrade(state(), t.tradeId);
    return after && after.status !== 'pending' ? outcome(after, cmd.requestId) : outcome({ ...t, status: cmd.accept ? 'done' : 'declined', reason: cmd.accept ? null : reason }, cmd.requestId);
  });

  return notifier;
}
