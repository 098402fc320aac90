// DESISTIR: the player concedes its current match; the host records a FORFEIT (reason
// DESISTENCIA) and the opponent wins. Runs wherever the match is hosted.
import { CommandError, type CommandRouter } from './commands.ts';

export interface ConcedeTarget {
  playerCommand(playerId: string, type: 'FORFEIT', data: { reason: string }, requestId: string): Promise<{ matchId: string; eventSeq: number }>;
}

export function concedeRoutes(router: CommandRouter, matches: () => ConcedeTarget | null): void {
  router.on('DESISTIR', async (playerId, cmd) => {
    const m = matches();
    if (!m) throw new CommandError('UNAVAILABLE', 'matches are not running on this node yet');
    try {
      const r = await m.playerCommand(playerId, 'FORFEIT', { reason: 'DESISTENCIA' }, cmd.requestId);
      return { type: 'OK', requestId: cmd.requestId, command: 'DESISTIR', matchId: r.matchId, eventSeq: r.eventSeq };
    } catch (err) {
      // The match layer's refusals carry a code (NOT_IN_MATCH, MATCH_FINISHED…): pass it on.
      const code = (err as { code?: unknown }).code;
      if (!(err instanceof CommandError) && typeof code === 'string') throw new CommandError(code, (err as Error).message);
      throw err;
    }
  });
}
