// Player commands of matchmaking: ENTRAR_FILA and SAIR_FILA.
import { CommandError, type CommandRouter } from '../players/commands.ts';
import type { Matchmaker } from './matchmaker.ts';

/** `get` answers null until the node's matches capability runs. */
export function matchmakingRoutes(router: CommandRouter, get: () => Matchmaker | null): void {
  const need = (): Matchmaker => {
    const mm = get();
    if (!mm) throw new CommandError('UNAVAILABLE', 'matchmaking is not running on this node yet');
    return mm;
  };
  router.on('ENTRAR_FILA', (playerId, cmd) => need().join(playerId, cmd.requestId));
  router.on('SAIR_FILA', (playerId, cmd) => need().leave(playerId, cmd.requestId));
}
