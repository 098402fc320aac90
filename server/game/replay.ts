// A finished match's log as a viewer may see it (the REPLAY command): every event, in order,
// but a hand's cards only as each is played — HAND_SET says how many cards, CARD_PLAYED which
// card. Each event comes with the narration of the state it produced, for captions.
import type { Narration, ReplayEvent } from '../../protocol/events.ts';
import { applyEvent, initialState } from './reduce.ts';
import type { MatchEvent, MatchPlayer } from './types.ts';

export interface ReplayView {
  players: MatchPlayer[];
  events: ReplayEvent[];
  narrations: (Narration | null)[];
}

/** Throws if the log does not replay (it was verified before, so that is a corrupt log). */
export function replayView(log: readonly MatchEvent[]): ReplayView {
  let s = initialState();
  const events: ReplayEvent[] = [];
  const narrations: (Narration | null)[] = [];
  for (const e of log) {
    const before = s;
    const r = applyEvent(s, e);
    if (!r.ok) throw new Error(`event ${e.seq} does not replay: ${r.code}`);
    s = r.state;
    const head = { seq: e.seq, at: e.at };
    switch (e.type) {
      case 'MATCH_START':
        events.push({ ...head, type: 'MATCH_START', players: e.players.map((p) => ({ id: p.id, name: p.name })), host: e.host, shadow: e.shadow });
        break;
      case 'HAND_SET':
        events.push({ ...head, type: 'HAND_SET', playerId: e.playerId, count: e.cards.length, source: e.source });
        break;
      case 'CARD_PLAYED': {
        const card = before.hands[e.playerId].find((c) => c.id === e.cardId)!;
        events.push({ ...head, type: 'CARD_PLAYED', playerId: e.playerId, card: { ...card }, auto: e.auto === true });
        break;
      }
      case 'FORFEIT':
        events.push({ ...head, type: 'FORFEIT', playerId: e.playerId, reason: e.reason });
        break;
      case 'CHAT':
        events.push({ ...head, type: 'CHAT', playerId: e.playerId, text: e.text });
        break;
      case 'FAILOVER':
        events.push({ ...head, type: 'FAILOVER', oldHost: e.oldHost, newHost: e.newHost, shadow: e.shadow });
        break;
      case 'ABORT':
        events.push({ ...head, type: 'ABORT', reason: e.reason });
        break;
    }
    narrations.push(e.type === 'CHAT' ? null : (JSON.parse(JSON.stringify(s.narration)) as Narration));
  }
  return { players: s.players.map((p) => ({ id: p.id, name: p.name })), events, narrations };
}
