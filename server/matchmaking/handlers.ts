// Player commands of matchmaking: ENTRAR_FILA and SAIR_FILA.
import type { CommandRouter } from '../players/commands.ts';
import type { Matchmaker } from './matchmaker.ts';

export function matchmakingCommands(router: CommandRouter, mm: Matchmaker): void {
  router.on('ENTRAR_FILA', (playerId, cmd) => mm.join(playerId, cmd.requestId));
  router.on('SAIR_FILA', (playerId, cmd) => mm.leave(playerId, cmd.requestId));
}
