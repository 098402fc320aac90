// Handlers for the commands a node serves itself: profile and latency probe.
import type { CommandRouter } from './commands.ts';
import type { PlayerDirectory } from './directory.ts';

export interface PlayerHandlerDeps {
  nodeId: string;
  directory: PlayerDirectory;
}

export function playerCommands(router: CommandRouter, deps: PlayerHandlerDeps): void {
  router.on('PING', (_p, cmd) => ({ type: 'PONG', requestId: cmd.requestId, t: cmd.t, node: deps.nodeId }));
  router.on('PERFIL', async (playerId, cmd) => {
    // The same name again writes nothing (a client re-sending its profile on every connect
    // would otherwise grow the log for nothing).
    if (deps.directory.nameOf(playerId) !== cmd.name) await deps.directory.setName(playerId, cmd.name);
    return { type: 'PERFIL', requestId: cmd.requestId, name: cmd.name };
  });
}
