// Card trades: proposals we send (PROPOR_TROCA) and receive (TROCA_PROPOSTA), and their
// outcome (TROCA_CONCLUIDA / TROCA_RECUSADA, sent to both players).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Card } from '../../../protocol/cards.ts';
import { CommandFailed, type IncomingEvent } from '../lib/protocol.ts';
import { useConnectionStore } from './connection.ts';

export type TradeStatus = 'pending' | 'sending' | 'done' | 'declined' | 'failed';

export interface IncomingTrade {
  tradeId: string;
  fromPlayerId: string;
  offerCard: Card;
  wantCard: Card;
  status: TradeStatus;
  reason?: string;
}

export interface OutgoingTrade {
  requestId: string | null;
  tradeId: string | null;
  toPlayerId: string;
  offerCardId: string;
  wantCardId: string;
  /** Known once the node confirms the offer (TROCA_ENVIADA). */
  offerCard?: Card;
  wantCard?: Card;
  status: TradeStatus;
  reason?: string;
  at: number;
}

export const useTradesStore = defineStore('trades', () => {
  const connection = useConnectionStore();
  const incoming = ref<IncomingTrade[]>([]);
  const outgoing = ref<OutgoingTrade[]>([]);
  const error = ref<string | null>(null);

  const pendingIncoming = computed(() => incoming.value.filter((t) => t.status === 'pending' || t.status === 'sending'));

  async function propose(toPlayerId: string, offerCardId: string, wantCardId: string): Promise<void> {
    error.value = null;
    const entry: OutgoingTrade = { requestId: null, tradeId: null, toPlayerId, offerCardId, wantCardId, status: 'sending', at: Date.now() };
    outgoing.value = [entry, ...outgoing.value].slice(0, 30);
    const mine = () => outgoing.value.find((t) => t.at === entry.at && t.offerCardId === offerCardId && t.wantCardId === wantCardId);
    try {
      const r = await connection.request({ type: 'PROPOR_TROCA', toPlayerId, offerCardId, wantCardId });
      const t = mine();
      if (!t) return;
      t.requestId = ('requestId' in r ? r.requestId : undefined) ?? null;
      const id = (r as { tradeId?: unknown }).tradeId;
      if (typeof id === 'string') t.tradeId = id;
      if (r.type === 'TROCA_ENVIADA') {
        t.offerCard = r.offerCard;
        t.wantCard = r.wantCard;
      }
      if (r.type === 'TROCA_CONCLUIDA') t.status = 'done';
      else if (r.type === 'TROCA_RECUSADA') {
        t.status = 'declined';
        t.reason = r.reason;
      } else if (t.status === 'sending') t.status = 'pending';
    } catch (err) {
      const t = mine();
      if (t) {
        t.status = 'failed';
        t.reason = err instanceof CommandFailed ? err.code : (err as Error).message;
      }
      error.value = err instanceof CommandFailed ? `${err.code}: ${err.message}` : (err as Error).message;
    }
  }

  async function respond(tradeId: string, accept: boolean): Promise<void> {
    const t = incoming.value.find((x) => x.tradeId === tradeId);
    if (!t || t.status !== 'pending') return;
    t.status = 'sending';
    error.value = null;
    try {
      await connection.request({ type: 'RESPONDER_TROCA', tradeId, accept });
      if (t.status === 'sending') t.status = accept ? 'done' : 'declined';
    } catch (err) {
      t.status = 'failed';
      t.reason = err instanceof CommandFailed ? err.code : (err as Error).message;
      error.value = err instanceof CommandFailed ? `${err.code}: ${err.message}` : (err as Error).message;
    }
  }

  /** Withdraws one of our own pending offers (RESPONDER_TROCA accept=false from the proposer). */
  async function cancel(tradeId: string): Promise<void> {
    const t = outgoing.value.find((x) => x.tradeId === tradeId);
    if (!t || t.status !== 'pending') return;
    error.value = null;
    try {
      await connection.request({ type: 'RESPONDER_TROCA', tradeId, accept: false });
    } catch (err) {
      error.value = err instanceof CommandFailed ? `${err.code}: ${err.message}` : (err as Error).message;
    }
  }

  /** The outgoing trade an outcome refers to: by tradeId, by requestId, else the oldest still waiting. */
  function outgoingFor(tradeId: string, requestId?: string): OutgoingTrade | undefined {
    return (
      outgoing.value.find((t) => t.tradeId === tradeId) ??
      (requestId ? outgoing.value.find((t) => t.requestId === requestId) : undefined) ??
      [...outgoing.value].reverse().find((t) => !t.tradeId && (t.status === 'pending' || t.status === 'sending'))
    );
  }

  function settle(tradeId: string, status: 'done' | 'declined', reason?: string, requestId?: string): void {
    const inc = incoming.value.find((t) => t.tradeId === tradeId);
    if (inc) {
      inc.status = status;
      inc.reason = reason;
      return;
    }
    const out = outgoingFor(tradeId, requestId);
    if (out) {
      out.tradeId = tradeId;
      out.status = status;
      out.reason = reason;
    }
  }

  function handleEvent(e: IncomingEvent): void {
    switch (e.type) {
      case 'TROCA_PROPOSTA':
        if (!incoming.value.some((t) => t.tradeId === e.tradeId)) {
          incoming.value = [{ tradeId: e.tradeId, fromPlayerId: e.fromPlayerId, offerCard: e.offerCard, wantCard: e.wantCard, status: 'pending' as const }, ...incoming.value].slice(0, 30);
        }
        break;
      case 'TROCA_CONCLUIDA':
        settle(e.tradeId, 'done', undefined, e.requestId);
        break;
      case 'TROCA_RECUSADA':
        settle(e.tradeId, 'declined', e.reason, e.requestId);
        break;
    }
  }

  connection.onEvent(handleEvent);

  return { incoming, outgoing, pendingIncoming, error, propose, respond, cancel, handleEvent };
});
