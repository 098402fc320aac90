// Trade notifications from the applied log (docs/design.md §4). Every node applies every committed
// entry, so each node tells the players connected to IT: the recipient of a new offer gets
// TROCA_PROPOSTA; both parties get TROCA_CONCLUIDA or TROCA_RECUSADA when the offer closes.
// Which entry created or closed a trade is read from the ledger (`createdAt` / `closedAt`
// equal to the entry's index), so a retried command that the ledger answers from its
// idempotency table notifies nobody twice.
import { getTrade, pendingTradesFor, type LedgerCommand, type TradeView } from '../ledger/machine/index.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { PlayerEvent, TrocaConcluida, TrocaProposta, TrocaRecusada } from '../../protocol/events.ts';

/** What the notifier needs from the broker. */
export interface TradeOutbox {
  isConnected(playerId: string): boolean;
  sendToPlayer(playerId: string, event: PlayerEvent): void;
}

/** A local RESPONDER_TROCA waiting for its outcome (see `expectOutcome`). */
export interface OutcomeTicket {
  tradeId: string;
  playerId: string;
  requestId: string;
  status: 'done' | 'declined';
  reason: 'DECLINED' | 'CANCELLED' | null;
  delivered: boolean;
}

export class TradeNotifier {
  private replica: LedgerReplica | null = null;
  /** Entries at or below this index were applied before this process started: no notices. */
  private quietUpTo = 0;
  private readonly tickets = new Map<string, OutcomeTicket[]>();
  /**
   * Trades already notified at `noticeIndex`: the commands of one BATCH entry share its
   * index, so a command and its retry in one batch would otherwise both match createdAt or
   * closedAt. Entries apply in index order, so one index's set is enough.
   */
  private noticeIndex = 0;
  private readonly noticed = new Set<string>();

  constructor(private readonly out: TradeOutbox) {}

  /**
   * Starts listening to the replica. `replayedUpTo` is the commit index this node knew when
   * it started (RaftNode.status().commit before start()): re-applying those entries after a
   * restart must not notify again.
   */
  attach(replica: LedgerReplica, replayedUpTo: number): void {
    this.replica = replica;
    this.quietUpTo = replayedUpTo;
    replica.onApplied((cmd, _result, entry) => this.applied(cmd, entry.index));
  }

  /** A player (re)connected to this node: repeat the offers still awaiting its answer. */
  greet(playerId: string): void {
    const state = this.replica?.state;
    if (!state) return;
    for (const t of pendingTradesFor(state, playerId)) if (t.toPlayerId === playerId) this.out.sendToPlayer(playerId, proposal(t));
  }

  /**
   * Called by the RESPONDER_TROCA handler before it commits: if this node delivers the
   * outcome the player asked for (`done` for an accept; `declined` by it for a decline),
   * that event carries the command's requestId and is its reply. `settle` tells whether
   * that happened (else the handler replies itself).
   */
  expectOutcome(tradeId: string, playerId: string, requestId: string, accept: boolean, reason: 'DECLINED' | 'CANCELLED'): OutcomeTicket {
    const ticket: OutcomeTicket = { tradeId, playerId, requestId, status: accept ? 'done' : 'declined', reason: accept ? null : reason, delivered: false };
    const list = this.tickets.get(tradeId) ?? [];
    list.push(ticket);
    this.tickets.set(tradeId, list);
    return ticket;
  }

  /** Forgets the ticket; true if its outcome was already delivered with its requestId. */
  settle(ticket: OutcomeTicket): boolean {
    const list = this.tickets.get(ticket.tradeId);
    if (list) {
      const rest = list.filter((t) => t !== ticket);
      if (rest.length > 0) this.tickets.set(ticket.tradeId, rest);
      else this.tickets.delete(ticket.tradeId);
    }
    return ticket.delivered;
  }

  /** The replica applied `cmd` at `index` (exposed for tests). */
  applied(cmd: LedgerCommand, index: number): void {
    if (index <= this.quietUpTo || !this.replica) return;
    if (cmd.type !== 'TRADE_OFFER' && cmd.type !== 'TRADE' && cmd.type !== 'TRADE_DECLINE') return;
    const t = getTrade(this.replica.state, cmd.tradeId);
    if (!t) return;
    if (index !== this.noticeIndex) {
      this.noticeIndex = index;
      this.noticed.clear();
    }
    if (cmd.type === 'TRADE_OFFER') {
      if (t.createdAt !== index || !this.firstNotice(`offer ${t.tradeId}`)) return;
      if (this.out.isConnected(t.toPlayerId)) this.out.sendToPlayer(t.toPlayerId, proposal(t));
      return;
    }
    if (t.closedAt !== index || !this.firstNotice(`close ${t.tradeId}`)) return; // refused without closing it, or a retry
    for (const playerId of [t.fromPlayerId, t.toPlayerId]) {
      if (!this.out.isConnected(playerId)) continue;
      const ticket = this.tickets.get(t.tradeId)?.find((k) => k.playerId === playerId && !k.delivered && k.status === t.status && k.reason === t.reason);
      if (ticket) ticket.delivered = true;
      this.out.sendToPlayer(playerId, outcome(t, ticket?.requestId));
    }
  }

  private firstNotice(key: string): boolean {
    if (this.noticed.has(key)) return false;
    this.noticed.add(key);
    return true;
  }
}

export function proposal(t: TradeView): TrocaProposta {
  return { type: 'TROCA_PROPOSTA', tradeId: t.tradeId, fromPlayerId: t.fromPlayerId, offerCard: t.offerCard, wantCard: t.wantCard };
}

/** TROCA_CONCLUIDA for a done trade, else TROCA_RECUSADA with the reason players may see. */
export function outcome(t: TradeView, requestId?: string): TrocaConcluida | TrocaRecusada {
  const rid = requestId ? { requestId } : {};
  if (t.status === 'done') return { type: 'TROCA_CONCLUIDA', tradeId: t.tradeId, ...rid };
  return { type: 'TROCA_RECUSADA', tradeId: t.tradeId, reason: publicReason(t.reason) ?? t.status.toUpperCase(), ...rid };
}

/**
 * The ledger knows why an accepted offer was refused (a card changed hands, or sits in an
 * unfinished match's hand); players are told only that a card is not available, so an
 * offer cannot be used to find out what is in another player's hand.
 */
export function publicReason(reason: TradeView['reason']): string | null {
  return reason === 'CARD_IN_MATCH' || reason === 'CARD_NOT_OWNED' ? 'CARD_UNAVAILABLE' : reason;
}
