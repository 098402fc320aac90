// What this node's own players see of a match (docs/design.md §4, §8), in the order a client can act
// on: a player's own MAO (when its hand changed) comes before the ATUALIZACAO_JOGO of the
// same eventSeq, and both carry that eventSeq. Only events that are safe (durable here, and
// stored by the shadow when this node hosts) are ever shown.
import { endSummary, handOf, publicView, type MatchState } from '../../game/index.ts';
import type { SignedEvent } from '../signing.ts';
import type { MatchReplica } from './replica.ts';
import { current } from './roles.ts';
import type { Publish } from './types.ts';

export function updateOf(state: MatchState, turnMs: number, lastEvent?: string): Publish & { to: 'match' } {
  const v = publicView(state);
  return {
    to: 'match',
    matchId: state.matchId,
    event: {
      type: 'ATUALIZACAO_JOGO',
      ...v,
      turnDeadline: v.turnStartedAt !== null && v.phase === 'JOGANDO' ? v.turnStartedAt + turnMs : null,
      lastEvent,
    },
  };
}

function handOfPlayer(m: MatchReplica, s: MatchState, playerId: string): Publish {
  return { to: 'player', playerId, event: { type: 'MAO', matchId: m.matchId, hand: handOf(s, playerId), eventSeq: s.eventSeq } };
}

function end(s: MatchState): Publish[] {
  const e = endSummary(s);
  return e ? [{ to: 'match', matchId: s.matchId, event: { type: 'FIM_DE_JOGO', ...e } }] : [];
}

/** Everything a (re)connecting or newly told player needs to rebuild its screen. */
export function fullView(m: MatchReplica, playerId: string, turnMs: number, announce: boolean): Publish[] {
  const s = m.shown;
  if (s.eventSeq === 0) return [];
  const out: Publish[] = [];
  if (announce) {
    const other = s.players.find((p) => p.id !== playerId);
    const cur = current(m);
    out.push({
      to: 'player',
      playerId,
      event: { type: 'PARTIDA_ENCONTRADA', matchId: m.matchId, opponentId: other?.id ?? '', opponentName: other?.name ?? '', host: cur?.host ?? s.host, shadow: cur?.shadow ?? s.shadow ?? '' },
    });
  }
  out.push(handOfPlayer(m, s, playerId), updateOf(s, turnMs), ...end(s));
  return out;
}

/**
 * The publishes for `events`, just shown (m.shown is the state after them), for the local
 * players `here`. A player not yet told about the match gets the full view instead.
 */
export function publishShown(m: MatchReplica, events: readonly SignedEvent[], here: readonly string[], turnMs: number): Publish[] {
  if (events.length === 0 || here.length === 0) return [];
  const s = m.shown;
  const out: Publish[] = [];
  const told: string[] = [];
  for (const p of here) {
    if (m.announced.has(p)) told.push(p);
    else {
      m.announced.add(p);
      out.push(...fullView(m, p, turnMs, true));
    }
  }
  if (told.length === 0) return out;
  const handChanged = new Set<string>();
  for (const e of events) {
    if (e.type === 'CHAT') {
      const name = s.players.find((p) => p.id === e.playerId)?.name ?? e.playerId;
      out.push({ to: 'match', matchId: m.matchId, event: { type: 'CHAT_RECEBIDO', matchId: m.matchId, from: e.playerId, fromName: name, text: e.text, eventSeq: e.eventSeq } });
    }
    if ((e.type === 'HAND_SET' || e.type === 'CARD_PLAYED') && told.includes(e.playerId)) handChanged.add(e.playerId);
  }
  for (const p of handChanged) out.push(handOfPlayer(m, s, p));
  const last = events[events.length - 1];
  if (last.type !== 'CHAT') out.push(updateOf(s, turnMs, last.type));
  if (s.phase === 'FINALIZADO' && events.some((e) => e.eventSeq === s.eventSeq)) out.push(...end(s));
  return out;
}
