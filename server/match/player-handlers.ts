// Player commands that act on the current match (docs/design.md §4): JOGAR, CHAT, PRONTO, and
// COMPRAR while the match awaits hands. Served wherever the player is connected: the core
// forwards a move to the host; a hand goes through the ledger.
import { CommandError, type CommandRouter } from '../players/commands.ts';
import { MatchError, type MatchService, type PurchaseOutcome } from './service.ts';

async function asCommand<T>(job: () => Promise<T>): Promise<T> {
  try {
    return await job();
  } catch (err) {
    if (err instanceof MatchError) throw new CommandError(err.code, err.message);
    throw err;
  }
}

export function matchCommands(router: CommandRouter, matches: MatchService): void {
  router.on('JOGAR', async (playerId, cmd) => {
    const r = await asCommand(() => matches.playerCommand(playerId, 'JOGAR', { cardId: cmd.cardId }, cmd.requestId));
    return { type: 'OK', requestId: cmd.requestId, command: 'JOGAR', matchId: r.matchId, eventSeq: r.eventSeq };
  });
  router.on('CHAT', async (playerId, cmd) => {
    const r = await asCommand(() => matches.playerCommand(playerId, 'CHAT', { text: cmd.text }, cmd.requestId));
    return { type: 'OK', requestId: cmd.requestId, command: 'CHAT', matchId: r.matchId, eventSeq: r.eventSeq };
  });
  router.on('PRONTO', async (playerId, cmd) => {
    const matchId = matches.activeMatchOf(playerId);
    if (!matchId) throw new CommandError('NOT_IN_MATCH', 'you are not in a match');
    const r = await asCommand(() => matches.setHand(playerId, matchId, { type: 'PRONTO', cardIds: cmd.cardIds }));
    return { type: 'OK', requestId: cmd.requestId, command: 'PRONTO', matchId, ...(r.eventSeq !== null ? { eventSeq: r.eventSeq } : {}) };
  });
}

/** The COMPRAR hook for ledger-handlers: a pack bought inside a match awaiting hands. */
export function matchPurchase(matches: MatchService) {
  return async (playerId: string, requestId: string): Promise<PurchaseOutcome | null> => {
    const matchId = matches.wantsPurchase(playerId);
    if (!matchId) return null;
    const r = await asCommand(() => matches.setHand(playerId, matchId, { type: 'COMPRAR', requestId }));
    return r.result;
  };
}
