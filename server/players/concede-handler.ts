// DESISTIR: the player concedes its current match; the host records a FORFEIT (reason
// DESISTENCIA) and the opponent wins. Runs wherever the match is hosted.
import { CommandError, type CommandRouter } from './commands.ts';

export interface ConcedeTarget {
  playerCommand(playerId: string, type: 'FORFEIT', data: { reason: string }, requestId: string): Promise<{ matchId: string; eventSeq: number }>;
}

export function concedeCommands(router: CommandRouter, matches: ConcedeTarget): void {
  router.on('DESISTIR', async (playerId, cmd) => {
    try {
      const r = await matches.playerCommand(playerId, 'FORFEIT', { reason: 'DESISTENCIA' }, cmd.requestId);
      return { type: 'OK', requestId: cmd.requestId, command: 'DESISTIR', matchId: r.matchId, eventSeq: r.eventSeq };
    } catch (err) {
      // The match layer's refusals carry a code (NOT_IN_MATCH, MATCH_FINISHED…): pass it on.
      const code = (err as { code?: unknown }).code;
      if (!(err instanceof CommandError) && typeof code === 'string') throw new CommandError(code, (err as Error).message);
      throw err;
    }
  });
}
