// Turns a match's new events into what this node's own players see (DESIGN §4, §8): every
// node holding a match publishes its updates to the players connected to it.
import { endSummary, handOf, publicView, type MatchState } from '../game/index.ts';
import type { AtualizacaoJogo } from '../../protocol/events.ts';
import type { PlayerBroker } from '../broker/broker.ts';
import type { MatchRuntime } from './runtime.ts';
import type { SignedEvent } from './signing.ts';

export class MatchPublisher {
  constructor(
    private readonly broker: PlayerBroker,
    private readonly turnMs: number,
  ) {}

  view(state: MatchState, lastEvent?: string): AtualizacaoJogo {
    const v = publicView(state);
    return {
      type: 'ATUALIZACAO_JOGO',
      ...v,
      turnDeadline: v.turnStartedAt !== null && v.phase === 'JOGANDO' ? v.turnStartedAt + this.turnMs : null,
      lastEvent,
    };
  }

  /** Publishes the effect of `events`, which produced `rt.state`. */
  published(rt: MatchRuntime, events: readonly SignedEvent[]): void {
    const s = rt.state;
    const handChanged = new Set<string>();
    for (const e of events) {
      if (e.type === 'CHAT') {
        const name = s.players.find((p) => p.id === e.playerId)?.name ?? e.playerId;
        this.broker.sendToMatch(rt.matchId, { type: 'CHAT_RECEBIDO', matchId: rt.matchId, from: e.playerId, fromName: name, text: e.text, eventSeq: e.eventSeq });
      }
      if (e.type === 'HAND_SET' || e.type === 'CARD_PLAYED') handChanged.add(e.playerId);
    }
    const last = events[events.length - 1];
    if (!last || last.type !== 'CHAT') this.broker.sendToMatch(rt.matchId, this.view(s, last?.type));
    for (const p of handChanged) this.sendHand(rt, p);
    const end = endSummary(s);
    if (end && events.some((e) => e.eventSeq === s.eventSeq)) this.broker.sendToMatch(rt.matchId, { type: 'FIM_DE_JOGO', ...end });
  }

  /** Everything a (re)connecting player needs to rebuild its screen. */
  resend(rt: MatchRuntime, playerId: string): void {
    if (!rt.playerIds().includes(playerId) || !this.broker.isConnected(playerId)) return;
    this.sendHand(rt, playerId);
    this.broker.sendToMatch(rt.matchId, this.view(rt.state));
    const end = endSummary(rt.state);
    if (end) this.broker.sendToMatch(rt.matchId, { type: 'FIM_DE_JOGO', ...end });
  }

  private sendHand(rt: MatchRuntime, playerId: string): void {
    if (this.broker.isConnected(playerId)) this.broker.sendToPlayer(playerId, { type: 'MAO', matchId: rt.matchId, hand: handOf(rt.state, playerId) });
  }
}
