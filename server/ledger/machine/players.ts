// REGISTER_PLAYER (trust on first use) and SET_NAME.
import { fail, type CommandOf, type LedgerResult } from './commands.ts';
import type { ApplyContext } from './context.ts';
import { touched, type LedgerState } from './state.ts';

export function registerPlayer(
  state: LedgerState,
  cmd: CommandOf<'REGISTER_PLAYER'>,
  ctx: ApplyContext,
): LedgerResult<'REGISTER_PLAYER'> {
  const existing = state.players.get(cmd.playerId);
  if (existing) {
    if (existing.tokenHash !== cmd.tokenHash) return fail('TOKEN_MISMATCH', `player ${cmd.playerId} is registered with another token`);
    // Same token: a retried or repeated CONNECT. The name is not changed here (SET_NAME does).
    return { ok: true, playerId: existing.id, name: existing.name, created: false };
  }
  state.players.set(cmd.playerId, {
    id: cmd.playerId,
    name: cmd.name,
    tokenHash: cmd.tokenHash,
    wins: 0,
    losses: 0,
    draws: 0,
    cards: new Set(),
    activeMatchId: null,
    registeredAt: ctx.index,
  });
  return { ok: true, playerId: cmd.playerId, name: cmd.name, created: true };
}

export function setName(state: LedgerState, cmd: CommandOf<'SET_NAME'>): LedgerResult<'SET_NAME'> {
  const p = state.players.get(cmd.playerId);
  if (!p) return fail('UNKNOWN_PLAYER', `unknown player ${cmd.playerId}`);
  p.name = cmd.name;
  touched(state, p.id);
  return { ok: true, playerId: p.id, name: p.name };
}
