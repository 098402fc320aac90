// The match reducer: state × event → state, pure (boardgame.io style). A match's log
// replayed from initialState() always gives the same state and the same stateHash.
import { HAND_SIZE, type Card } from '../../protocol/cards.ts';
import { checkEvent, seatOf } from './check.ts';
import { firstLeader, trickWinner } from './rules.ts';
import type { Narration } from '../../protocol/narration.ts';
import type { MatchEvent, MatchState, PlayedCard, RuleError } from './types.ts';

export const TRICKS_PER_MATCH = HAND_SIZE;

export function initialState(): MatchState {
  return {
    matchId: '',
    players: [],
    phase: 'AGUARDANDO_COMPRA',
    hands: {},
    handSource: {},
    round: 0,
    leader: null,
    turn: null,
    table: [],
    scores: {},
    tricks: [],
    result: null,
    eventSeq: 0,
    epoch: 0,
    host: '',
    shadow: null,
    seed: '',
    turnStartedAt: null,
    lastEventAt: null,
    narration: { key: 'MATCH_CREATED', params: {} },
  };
}

/** Applies a legal event, or says why it is not legal (the state is then unchanged). */
export function applyEvent(state: MatchState, event: MatchEvent): { ok: true; state: MatchState } | RuleError {
  const err = checkEvent(state, event);
  return err ?? { ok: true, state: step(state, event) };
}

/**
 * The next state after an event `validateCommand` just produced for `state`: that check was
 * this event's one check, so the host does not run it a second time.
 */
export function applyValidated(state: MatchState, event: MatchEvent): MatchState {
  return step(state, event);
}

/** Pure reducer. An illegal event returns `state` itself, unchanged: use applyEvent to know. */
export function reduce(state: MatchState, event: MatchEvent): MatchState {
  return checkEvent(state, event) ? state : step(state, event);
}

/** Folds a whole log; throws on the first illegal event (a corrupt or forged log). */
export function replay(events: readonly MatchEvent[], from: MatchState = initialState()): MatchState {
  let s = from;
  for (const e of events) {
    const r = applyEvent(s, e);
    if (!r.ok) throw new Error(`illegal event seq ${String((e as { seq?: unknown }).seq)}: ${r.code}: ${r.message}`);
    s = r.state;
  }
  return s;
}

function otherPlayer(s: MatchState, id: string): string {
  return s.players[1 - seatOf(s, id)].id;
}

function copyCard(c: Card): Card {
  return { id: c.id, name: c.name, suit: c.suit, value: c.value, rarity: c.rarity };
}

function step(prev: MatchState, e: MatchEvent): MatchState {
  const s: MatchState = { ...prev, eventSeq: e.seq, lastEventAt: e.at };
  switch (e.type) {
    case 'MATCH_START': {
      const players = e.players.map((p) => ({ id: p.id, name: p.name }));
      const leader = firstLeader(e.seed, e.players);
      return {
        ...s,
        matchId: e.matchId,
        players,
        phase: 'AGUARDANDO_COMPRA',
        round: 1,
        leader,
        scores: { [players[0].id]: 0, [players[1].id]: 0 },
        epoch: e.epoch,
        host: e.host,
        shadow: e.shadow,
        seed: e.seed,
        narration: { key: 'MATCH_CREATED', params: {} },
      };
    }
    case 'HAND_SET': {
      const hands = { ...s.hands, [e.playerId]: e.cards.map(copyCard) };
      const handSource = { ...s.handSource, [e.playerId]: e.source };
      if (Object.keys(hands).length < 2) return { ...s, hands, handSource, narration: { key: 'HAND_SET', params: { player: e.playerId } } };
      return {
        ...s,
        hands,
        handSource,
        phase: 'JOGANDO',
        turn: s.leader,
        turnStartedAt: e.at,
        narration: { key: 'HANDS_READY', params: { leader: s.leader! } },
      };
    }
    case 'CARD_PLAYED':
      return playCard(s, e.playerId, e.cardId, e.auto === true, e.at);
    case 'FORFEIT': {
      const winnerId = otherPlayer(s, e.playerId);
      return finish(s, { winnerId, reason: e.reason }, { key: 'FORFEIT', params: { player: e.playerId, reason: e.reason, winner: winnerId } });
    }
    case 'CHAT':
      return s;
    case 'FAILOVER': {
      const moved = e.newHost !== e.oldHost;
      return {
        ...s,
        host: e.newHost,
        shadow: e.shadow,
        epoch: e.epoch,
        // The outage was nobody's fault: the player on turn gets a fresh timer.
        turnStartedAt: s.phase === 'JOGANDO' ? e.at : s.turnStartedAt,
        narration: moved
          ? { key: 'FAILOVER', params: { from: e.oldHost, to: e.newHost, shadow: e.shadow } }
          : { key: 'SHADOW_CHANGED', params: { shadow: e.shadow } },
      };
    }
    case 'ABORT':
      return finish(s, { winnerId: null, reason: e.reason }, { key: 'ABORT', params: { reason: e.reason } });
  }
}

function playCard(s: MatchState, playerId: string, cardId: string, auto: boolean, at: number): MatchState {
  const hand = s.hands[playerId];
  const card = hand.find((c) => c.id === cardId)!;
  const hands = { ...s.hands, [playerId]: hand.filter((c) => c.id !== cardId) };
  const table: PlayedCard[] = [...s.table, { playerId, card }];
  const played = { player: playerId, card: copyCard(card), auto };
  if (table.length < 2) {
    const next = otherPlayer(s, playerId);
    return { ...s, hands, table, turn: next, turnStartedAt: at, narration: { key: 'CARD_PLAYED', params: { ...played, next } } };
  }

  const winnerId = trickWinner(table[0], table[1]);
  const scores = winnerId ? { ...s.scores, [winnerId]: s.scores[winnerId] + 1 } : s.scores;
  const tricks = [...s.tricks, { round: s.round, leader: s.leader!, cards: table, winnerId }];
  const after = { ...s, hands, table: [], scores, tricks };
  if (s.round >= TRICKS_PER_MATCH) return finishByTricks(after, { ...played, round: s.round, trickWinner: winnerId });
  // The trick's winner leads next; after a dead-even trick the same leader leads again.
  const leader = winnerId ?? s.leader!;
  const narration: Narration = winnerId
    ? { key: 'TRICK_WON', params: { ...played, round: s.round, winner: winnerId } }
    : { key: 'TRICK_TIED', params: { ...played, round: s.round, leader } };
  return { ...after, round: s.round + 1, leader, turn: leader, turnStartedAt: at, narration };
}

type LastPlay = { player: string; card: PlayedCard['card']; auto: boolean; round: number; trickWinner: string | null };

function finishByTricks(s: MatchState, last: LastPlay): MatchState {
  const [a, b] = s.players;
  const sa = s.scores[a.id];
  const sb = s.scores[b.id];
  if (sa === sb) return finish(s, { winnerId: null, reason: 'EMPATE' }, { key: 'MATCH_DRAW', params: { ...last, tricks: sa } });
  const [w, hi, lo] = sa > sb ? [a, sa, sb] : [b, sb, sa];
  return finish(s, { winnerId: w.id, reason: 'VITORIA' }, { key: 'MATCH_WON', params: { ...last, winner: w.id, won: hi, lost: lo } });
}

function finish(s: MatchState, result: MatchState['result'], narration: Narration): MatchState {
  return { ...s, phase: 'FINALIZADO', turn: null, turnStartedAt: null, result, narration };
}
