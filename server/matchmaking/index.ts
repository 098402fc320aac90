// Matchmaking as the node composes it: the driver over HTTP peers and the cluster's
// liveness view, plus the replica hook that takes matched players out of the queue.
import { Matchmaker, type MatchmakingTiming } from './matchmaker.ts';
import { HttpPeerTransport } from './transport.ts';
import type { MatchCreator } from '../match/contract.ts';
import type { Membership } from '../cluster/membership.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { LedgerCommand, LedgerResult } from '../ledger/machine/index.ts';
import type { Logger } from '../log.ts';

export { Matchmaker } from './matchmaker.ts';
export { matchmakingRestRouter } from './routes.ts';
export { matchmakingCommands } from './handlers.ts';

export interface MatchmakingDeps {
  selfId: string;
  matches: MatchCreator;
  client: PeerClient;
  membership: Membership;
  nameOf: (playerId: string) => string;
  log: Logger;
  timing?: Partial<MatchmakingTiming>;
}

export function createMatchmaking(d: MatchmakingDeps): Matchmaker {
  const mm = new Matchmaker({
    selfId: d.selfId,
    matches: d.matches,
    transport: new HttpPeerTransport(d.client, (id) => d.membership.get(id)?.address),
    alivePeers: () => d.membership.others().filter((m) => d.membership.isAlive(m.id)).map((m) => m.id),
    nameOf: d.nameOf,
    log: d.log,
    timing: d.timing,
  });
  mm.start();
  return mm;
}

/** For `replica.onApplied`: a recorded match takes its players out of this node's queue. */
export function matchmakingOnApplied(mm: Matchmaker, cmd: LedgerCommand, result: LedgerResult): void {
  if (cmd.type === 'MATCH_CREATED' && result.ok) mm.matchRecorded(cmd.matchId, cmd.players);
}
