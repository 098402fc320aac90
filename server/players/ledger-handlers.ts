// Player commands served by the ledger: buying packs, the collection, the leaderboard.
import type { CommandRouter } from './commands.ts';
import { CommandError } from './commands.ts';
import { collectionOf, leaderboard, remainingCards, type LedgerResult } from '../ledger/machine/index.ts';
import type { Card } from '../../protocol/cards.ts';
import { LedgerUnavailableError, type LedgerService } from '../ledger/service.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { LedgerCommand } from '../ledger/machine/index.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { LinearizableRead } from '../ledger/read-barrier.ts';

/** How long COLECAO / RANKING wait for a read index before answering UNAVAILABLE. */
export const FRESH_READ_MS = 2000;

export interface LedgerHandlerDeps {
  replica: LedgerReplica;
  ledger: LedgerService;
  metrics: Metrics;
  /**
   * Inside a match awaiting purchases the pack becomes the hand (docs/design.md §4): returns the
   * pack bought that way, or null when this purchase is an ordinary one.
   */
  matchPurchase?: (playerId: string, requestId: string) => Promise<{ cards: Card[]; remaining: number | null } | null>;
  /** A linearizable read barrier (ReadIndex); rejects when it cannot be had in time. */
  read: LinearizableRead;
}

/** What the node tells these handlers about players. */
export interface LedgerSessions {
  /**
   * The player's next COLECAO / RANKING waits for a read index: its session here begins,
   * or its records changed through another node (a match result, a trade accepted there).
   */
  confirmNext(playerId: string): void;
}

/** A player's requestId is scoped to the player, so two players can never collide. */
export const purchaseId = (playerId: string, requestId: string): string => `${playerId}:${requestId}`;

export async function commit(ledger: LedgerService, cmd: LedgerCommand): Promise<LedgerResult> {
  try {
    return await ledger.submit(cmd);
  } catch (err) {
    if (err instanceof LedgerUnavailableError) throw new CommandError(err.code, err.message);
    throw err;
  }
}

export function ledgerCommands(router: CommandRouter, deps: LedgerHandlerDeps): LedgerSessions {
  // Per player: the write sequence (LedgerService.writeSeqOf) a linearizable read has
  // covered. Missing = nothing covered yet in this session. A read for a player whose
  // write finished since waits for a read index (read-your-writes, even when the
  // forwarded write's wait for the local apply gave up, or this node restarted); other
  // reads use the local replica, which only moves forward (monotonic reads).
  const covered = new Map<string, number>();
  /** confirmNext calls per player, so a read that was already in flight does not count. */
  let confirms = 0;
  const confirmedAt = new Map<string, number>();
  const replicaFor = async (playerId: string): Promise<LedgerReplica> => {
    const { replica } = deps;
    const seq = deps.ledger.writeSeqOf(playerId);
    const seen = covered.get(playerId);
    if (seen !== undefined && seen >= seq) return replica;
    const asked = confirmedAt.get(playerId);
    try {
      await deps.read(FRESH_READ_MS);
    } catch (err) {
      throw new CommandError('UNAVAILABLE', `cannot confirm your latest state with the cluster: ${(err as Error).message}`);
    }
    if (confirmedAt.get(playerId) === asked) covered.set(playerId, Math.max(seq, covered.get(playerId) ?? 0));
    return replica;
  };

  router.on('COMPRAR', async (playerId, cmd) => {
    // One ledger requestId per purchase of a player, in a match or not: a reuse is refused.
    const inMatch = await deps.matchPurchase?.(playerId, purchaseId(playerId, cmd.requestId));
    if (inMatch) {
      const remaining = inMatch.remaining ?? remainingCards(deps.replica.state);
      return { type: 'PACOTE_RESULTADO', requestId: cmd.requestId, cards: inMatch.cards, remaining };
    }
    const r = await commit(deps.ledger, { type: 'BUY_PACK', requestId: purchaseId(playerId, cmd.requestId), playerId });
    deps.metrics.purchases.inc({ outcome: r.ok ? 'ok' : r.code });
    if (!r.ok) throw new CommandError(r.code, r.message);
    const ok = r as Extract<LedgerResult<'BUY_PACK'>, { ok: true }>;
    return { type: 'PACOTE_RESULTADO', requestId: cmd.requestId, cards: ok.cards, remaining: ok.remaining };
  });

  router.on('COLECAO', async (playerId, cmd) => {
    const replica = await replicaFor(playerId);
    return { type: 'COLECAO', requestId: cmd.requestId, cards: collectionOf(replica.state, playerId) };
  });

  router.on('RANKING', async (playerId, cmd) => {
    const replica = await replicaFor(playerId);
    return { type: 'RANKING', requestId: cmd.requestId, entries: leaderboard(replica.state, 20) };
  });

  return {
    confirmNext: (playerId) => {
      covered.delete(playerId);
      confirmedAt.set(playerId, ++confirms);
    },
  };
}
