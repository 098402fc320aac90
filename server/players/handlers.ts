// Handlers for the commands a node serves itself: profile and latency probe.
import type { CommandRouter } from './commands.ts';
import type { PlayerDirectory } from './directory.ts';

export interface PlayerHandlerDeps {
  nodeId: string;
  directory: PlayerDirectory;
}

export function playerRoutes(router: CommandRouter, deps: PlayerHandlerDeps): void {
  router.on('PING', (_p, cmd) => ({ type: 'PONG', requestId: cmd.requestId, t: cmd.t, node: deps.nodeId }));
  router.on('PERFIL', async (playerId, cmd) => {
    await deps.directory.setName(playerId, cmd.name);
    return { type: 'PERFIL', requestId: cmd.requestId, name: cmd.name };
  });
}
