// Match records: who plays, who hosts (epoch-fenced), which cards are locked in hands,
// and the result that feeds the leaderboard. A finished match is folded into its players
// (wins/losses/draws and the bounded history) and stays in `matches` only while it is
// among the last FINISHED_MATCHES_KEPT finished (archive.ts); commands about one that is
// gone are told MATCH_FINISHED when its players' history still names it.
import { HAND_SIZE } from '../../../protocol/cards.ts';
import { playedMatch, retainFinishedMatch } from './archive.ts';
import { fail, type CommandOf, type LedgerResult } from './commands.ts';
import type { ApplyContext } from './context.ts';
import { handRefusal } from './purchase.ts';
import { matchView } from './queries.ts';
import { HISTORY_LIMIT, touched, type LedgerState, type MatchRecord } from './state.ts';
import { cardAt, cardIndexOf } from './stock.ts';

export function matchCreated(
  state: LedgerState,
  cmd: CommandOf<'MATCH_CREATED'>,
  ctx: ApplyContext,
): LedgerResult<'MATCH_CREATED'> {
  const [a, b] = cmd.players;
  const existing = state.matches.get(cmd.matchId);
  if (existing) {
    if (existing.players[0] === a && existing.players[1] === b) return { ok: true, match: matchView(state, existing) };
    return fail('MATCH_CONFLICT', `match ${cmd.matchId} already exists with other players`);
  }
  // A late retry of a match that finished and left memory must not start it again.
  if (playedMatch(state, a, cmd.matchId)) return fail('MATCH_FINISHED', `match ${cmd.matchId} is finished`);
  if (a === b) return fail('SAME_PLAYER', 'a player cannot play itself');
  const pa = state.players.get(a);
  const pb = state.players.get(b);
  if (!pa) return fail('UNKNOWN_PLAYER', `unknown player ${a}`);
  if (!pb) return fail('UNKNOWN_PLAYER', `unknown player ${b}`);
  for (const p of [pa, pb]) {
    if (p.activeMatchId !== null) return fail('PLAYER_IN_MATCH', `player ${p.id} is already in match ${p.activeMatchId}`);
  }
  const m = {
    matchId: cmd.matchId,
    players: [a, b] as [string, string],
    host: cmd.host,
    shadow: cmd.shadow,
    seed: cmd.seed,
    epoch: 1,
    status: 'active' as const,
    hands: [null, null] as [number[] | null, number[] | null],
    result: null,
    createdAt: ctx.index,
    finishedAt: null,
  };
  state.matches.set(m.matchId, m);
  pa.activeMatchId = m.matchId;
  pb.activeMatchId = m.matchId;
  touched(state, a, b);
  return { ok: true, match: matchView(state, m) };
}

export function matchHand(state: LedgerState, cmd: CommandOf<'MATCH_HAND'>): LedgerResult<'MATCH_HAND'> {
  const m = state.matches.get(cmd.matchId);
  if (m && m.status === 'active' && cmd.epoch !== undefined && cmd.epoch !== m.epoch) {
    return fail('STALE_EPOCH', `match ${m.matchId} is at epoch ${m.epoch}, not ${cmd.epoch}`);
  }
  const seat = m ? m.players.indexOf(cmd.playerId) : -1;
  const ids = cmd.cardIds;
  const indices = ids.map((id) => cardIndexOf(state.catalog, id));
  // Idempotent: the same hand again (a retried proposal) is a success that changes nothing.
  const current = m && seat >= 0 ? m.hands[seat] : null;
  if (m && m.status === 'active' && current && sameSet(current, indices)) {
    return { ok: true, matchId: m.matchId, playerId: cmd.playerId, cards: current.map((i) => cardAt(state.catalog, i)) };
  }
  const refusal = handRefusal(state, m, cmd.matchId, cmd.playerId);
  if (refusal) return refusal;
  if (ids.length !== HAND_SIZE || new Set(ids).size !== HAND_SIZE) return fail('BAD_HAND', `a hand is ${HAND_SIZE} distinct cards`);
  for (let k = 0; k < ids.length; k++) {
    const i = indices[k];
    if (i < 0 || state.owner[i] !== cmd.playerId) return fail('CARD_NOT_OWNED', `${ids[k]} is not owned by ${cmd.playerId}`);
    if (state.locked.has(i)) return fail('CARD_IN_MATCH', `${ids[k]} is in the hand of an unfinished match`);
  }
  m!.hands[seat] = indices;
  for (const i of indices) state.locked.set(i, m!.matchId);
  return { ok: true, matchId: m!.matchId, playerId: cmd.playerId, cards: indices.map((i) => cardAt(state.catalog, i)) };
}

function sameSet(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a);
  return b.every((x) => s.has(x));
}

export function matchFailover(state: LedgerState, cmd: CommandOf<'MATCH_FAILOVER'>): LedgerResult<'MATCH_FAILOVER'> {
  const m = state.matches.get(cmd.matchId);
  if (!m) return fail('UNKNOWN_MATCH', `unknown match ${cmd.matchId}`);
  if (m.status !== 'active') return fail('MATCH_FINISHED', `match ${m.matchId} is finished`);
  // Compare-and-set on the epoch: of two nodes racing to take over, exactly one wins.
  if (cmd.expectedEpoch !== m.epoch) return fail('STALE_EPOCH', `match ${m.matchId} is at epoch ${m.epoch}, not ${cmd.expectedEpoch}`);
  m.epoch += 1;
  m.host = cmd.host;
  m.shadow = cmd.shadow;
  return { ok: true, match: matchView(state, m) };
}

export function matchFinished(
  state: LedgerState,
  cmd: CommandOf<'MATCH_FINISHED'>,
  ctx: ApplyContext,
): LedgerResult<'MATCH_FINISHED'> {
  const m = state.matches.get(cmd.matchId);
  if (!m) {
    const named = [...Object.keys(cmd.scores), ...(cmd.winnerId ? [cmd.winnerId] : [])];
    if (named.some((p) => playedMatch(state, p, cmd.matchId))) return fail('MATCH_FINISHED', `match ${cmd.matchId} is finished`);
    return fail('UNKNOWN_MATCH', `unknown match ${cmd.matchId}`);
  }
  // Idempotent: the first recorded result stands; repeats (or a late rival) just read it.
  if (m.status === 'finished') return { ok: true, match: matchView(state, m) };
  if (cmd.epoch !== undefined && cmd.epoch !== m.epoch) {
    return fail('STALE_EPOCH', `match ${m.matchId} is at epoch ${m.epoch}, not ${cmd.epoch}`);
  }
  if (cmd.winnerId !== null && !m.players.includes(cmd.winnerId)) {
    return fail('NOT_IN_MATCH', `winner ${cmd.winnerId} is not in match ${m.matchId}`);
  }
  for (const k of Object.keys(cmd.scores)) {
    if (!m.players.includes(k)) return fail('BAD_COMMAND', `scores name ${k}, who is not in match ${m.matchId}`);
  }
  const scores: [number, number] = [cmd.scores[m.players[0]] ?? 0, cmd.scores[m.players[1]] ?? 0];
  if (scores[0] + scores[1] > HAND_SIZE) return fail('BAD_COMMAND', `at most ${HAND_SIZE} tricks are played`);

  m.status = 'finished';
  m.result = { winnerId: cmd.winnerId, reason: cmd.reason, scores };
  m.finishedAt = ctx.index;
  for (const id of m.players) {
    const p = state.players.get(id);
    if (!p) continue; // players are never deleted; kept defensive for hand-built states
    if (cmd.winnerId === null) p.draws += 1;
    else if (cmd.winnerId === id) p.wins += 1;
    else p.losses += 1;
    if (p.activeMatchId === m.matchId) p.activeMatchId = null;
    touched(state, id);
  }
  for (const h of m.hands) if (h) for (const i of h) state.locked.delete(i);
  recordHistory(state, m, cmd.at ?? null);
  const view = matchView(state, m);
  retainFinishedMatch(state, m);
  return { ok: true, match: view };
}

/** Appends a finished match to both players' bounded histories (also used to rebuild them). */
export function recordHistory(state: LedgerState, m: MatchRecord, at: number | null): void {
  if (!m.result) return;
  const { winnerId, reason, scores } = m.result;
  m.players.forEach((id, seat) => {
    const list = state.history.get(id) ?? [];
    list.push({
      matchId: m.matchId,
      opponentId: m.players[1 - seat],
      result: winnerId === null ? 'draw' : winnerId === id ? 'won' : 'lost',
      reason,
      tricks: [scores[seat], scores[1 - seat]],
      at,
    });
    if (list.length > HISTORY_LIMIT) list.splice(0, list.length - HISTORY_LIMIT);
    state.history.set(id, list);
    touched(state, id);
  });
}
