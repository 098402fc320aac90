// BUY_PACK: idempotent by requestId, all-or-nothing, deterministic on every replica. The
// requestId is remembered for the player's last PURCHASES_KEPT_PER_PLAYER purchases
// (archive.ts): a retry of one of them gets the first answer (docs/protocol.md).
import { PACK_SIZE } from '../../../protocol/cards.ts';
import { fail, type CommandOf, type LedgerError, type LedgerResult } from './commands.ts';
import { playedMatch, retainPurchase } from './archive.ts';
import type { ApplyContext } from './context.ts';
import { drawPack } from './draw.ts';
import { seededRng } from './rng.ts';
import { remainingCount, touched, type LedgerState, type MatchRecord } from './state.ts';
import { cardAt } from './stock.ts';

export function buyPack(state: LedgerState, cmd: CommandOf<'BUY_PACK'>, ctx: ApplyContext): LedgerResult<'BUY_PACK'> {
  const done = state.purchases.get(cmd.requestId);
  if (done) {
    // A retry (client, node or new leader): the first result again, nothing sold (thesis §6.3).
    if (done.playerId !== cmd.playerId) return fail('DUPLICATE_REQUEST', `requestId ${cmd.requestId} belongs to another player`);
    // A retry is the same purchase: a pack bought for no match (or another one) must not
    // be handed back as this match's hand, which the ledger would never have recorded.
    if (done.matchId !== (cmd.matchId ?? null)) {
      const was = done.matchId === null ? 'outside any match' : `for match ${done.matchId}`;
      return fail('DUPLICATE_REQUEST', `requestId ${cmd.requestId} was already used for a purchase ${was}`);
    }
    return { ok: true, cards: done.cards.map((i) => cardAt(state.catalog, i)), remaining: done.remaining };
  }
  const player = state.players.get(cmd.playerId);
  if (!player) return fail('UNKNOWN_PLAYER', `unknown player ${cmd.playerId}`);

  let match: MatchRecord | null = null;
  let seat = -1;
  if (cmd.matchId !== undefined) {
    const m = state.matches.get(cmd.matchId);
    const refusal = handRefusal(state, m, cmd.matchId, cmd.playerId);
    if (refusal) return refusal;
    match = m!;
    seat = match.players.indexOf(cmd.playerId);
  }

  if (remainingCount(state) < PACK_SIZE) return fail('ESTOQUE_ESGOTADO', 'fewer than 5 cards left in stock');

  // requestId in the seed too, so two purchases never share a draw even if a driver ever
  // applied several commands under one log index.
  const cards = drawPack(state.stock, seededRng(`${state.clusterId}#${ctx.index}#${cmd.requestId}`));
  for (const c of cards) {
    state.owner[c] = player.id;
    player.cards.add(c);
  }
  state.sold += cards.length;
  const remaining = remainingCount(state);
  const rec = { requestId: cmd.requestId, playerId: player.id, cards, remaining, index: ctx.index, matchId: cmd.matchId ?? null };
  state.purchases.set(rec.requestId, rec);
  retainPurchase(state, rec);
  touched(state, player.id);
  if (match) {
    match.hands[seat] = cards.slice();
    for (const c of cards) state.locked.set(c, match.matchId);
  }
  return { ok: true, cards: cards.map((i) => cardAt(state.catalog, i)), remaining };
}

/** Why `playerId` cannot set a hand in match `m` now, or null if it can. */
export function handRefusal(state: LedgerState, m: MatchRecord | undefined, matchId: string, playerId: string): LedgerError | null {
  if (!m) {
    if (playedMatch(state, playerId, matchId)) return fail('MATCH_FINISHED', `match ${matchId} is finished`);
    return fail('UNKNOWN_MATCH', `unknown match ${matchId}`);
  }
  if (m.status !== 'active') return fail('MATCH_FINISHED', `match ${matchId} is finished`);
  const seat = m.players.indexOf(playerId);
  if (seat < 0) return fail('NOT_IN_MATCH', `player ${playerId} is not in match ${matchId}`);
  if (m.hands[seat] !== null) return fail('HAND_ALREADY_SET', `player ${playerId} already has a hand in ${matchId}`);
  return null;
}
