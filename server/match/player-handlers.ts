// Player commands that act on the current match (DESIGN §4): JOGAR, CHAT, PRONTO, and
// COMPRAR while the match awaits purchases. Served wherever the player is connected; the
// command runs on the match's host.
import { CommandError, type CommandRouter } from '../players/commands.ts';
import { MatchError } from './context.ts';
import type { MatchService, PurchaseOutcome } from './service.ts';

async function onHost<T>(job: () => Promise<T>): Promise<T> {
  try {
    return await job();
  } catch (err) {
    if (err instanceof MatchError) throw new CommandError(err.code, err.message);
    throw err;
  }
}

export function matchRoutes(router: CommandRouter, matches: () => MatchService | null): void {
  const need = () => {
    const m = matches();
    if (!m) throw new CommandError('UNAVAILABLE', 'matches are not running on this node yet');
    return m;
  };
  router.on('JOGAR', async (playerId, cmd) => {
    const r = await onHost(() => need().playerCommand(playerId, 'JOGAR', { cardId: cmd.cardId }, cmd.requestId));
    return { type: 'OK', requestId: cmd.requestId, command: 'JOGAR', matchId: r.matchId, eventSeq: r.eventSeq };
  });
  router.on('CHAT', async (playerId, cmd) => {
    const r = await onHost(() => need().playerCommand(playerId, 'CHAT', { text: cmd.text }, cmd.requestId));
    return { type: 'OK', requestId: cmd.requestId, command: 'CHAT', matchId: r.matchId, eventSeq: r.eventSeq };
  });
  router.on('PRONTO', async (playerId, cmd) => {
    const r = await onHost(() => need().playerCommand(playerId, 'PRONTO', { cardIds: cmd.cardIds }, cmd.requestId));
    return { type: 'OK', requestId: cmd.requestId, command: 'PRONTO', matchId: r.matchId, eventSeq: r.eventSeq };
  });
}

/** The COMPRAR hook for ledger-handlers: a pack bought inside a match awaiting hands. */
export function matchPurchase(matches: () => MatchService | null) {
  return async (playerId: string, requestId: string): Promise<PurchaseOutcome | null> => {
    const m = matches();
    if (!m || !m.wantsPurchase(playerId)) return null;
    // The host scopes the ledger requestId exactly like an ordinary purchase would.
    const r = await onHost(() => m.playerCommand(playerId, 'COMPRAR', {}, requestId));
    return r.result ?? null;
  };
}
