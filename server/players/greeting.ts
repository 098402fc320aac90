// The greeting of a player that subscribed to its events topic: BEM_VINDO (with the match it
// is in, if any), then the trade offers awaiting its answer. The greeting names the player's
// match (or says there is none), so it is a linearizable read: it waits for a read index,
// retrying while the player stays; a late greeting is announced with ERRO UNAVAILABLE, never
// replaced by a stale one.
import { readWhenCurrent, type LinearizableRead } from '../ledger/read-barrier.ts';
import type { PlayerEvent } from '../../protocol/events.ts';
import type { LedgerSessions } from './ledger-handlers.ts';

/** How long each attempt of the greeting's read barrier may wait (then it retries). */
const GREETING_BARRIER_MS = 1500;

export interface GreetingDeps {
  nodeId: string;
  broker: { isConnected(playerId: string): boolean; sendToPlayer(playerId: string, event: PlayerEvent): void };
  read: LinearizableRead;
  /** Attaches a (re)connected player to its match; answers the match id, if any. */
  matches: { connected(playerId: string): string | undefined };
  nameOf: (playerId: string) => string;
  sessions: LedgerSessions;
  /** Repeats the pending trade offers to the player (TROCA_PROPOSTA). */
  trades: { greet(playerId: string): void };
}

export function playerGreeting(d: GreetingDeps): (playerId: string) => void {
  return (p) => {
    d.sessions.confirmNext(p);
    const late = (err: Error) => d.broker.sendToPlayer(p, { type: 'ERRO', code: 'UNAVAILABLE', message: `greeting delayed: ${err.message}` });
    void readWhenCurrent(d.read, GREETING_BARRIER_MS, () => d.broker.isConnected(p), late).then((current) => {
      if (!current) return;
      const activeMatchId = d.matches.connected(p);
      d.broker.sendToPlayer(p, { type: 'BEM_VINDO', playerId: p, name: d.nameOf(p), node: d.nodeId, ...(activeMatchId ? { activeMatchId } : {}) });
      d.trades.greet(p);
    });
  };
}
