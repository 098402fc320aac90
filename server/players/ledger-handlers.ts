// Player commands served by the ledger: buying packs, the collection, the leaderboard.
import type { CommandRouter } from './commands.ts';
import { CommandError } from './commands.ts';
import { collectionOf, leaderboard, remainingCards, type LedgerResult } from '../ledger/machine/index.ts';
import type { Card } from '../../protocol/cards.ts';
import { LedgerUnavailableError, type LedgerService } from '../ledger/service.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { LedgerCommand } from '../ledger/machine/index.ts';
import type { Metrics } from '../metrics/metrics.ts';

export interface LedgerHandlerDeps {
  replica: () => LedgerReplica | null;
  ledger: () => LedgerService | null;
  metrics: Metrics;
  /**
   * Inside a match awaiting purchases the pack becomes the hand (docs/design.md §4): returns the
   * pack bought that way, or null when this purchase is an ordinary one.
   */
  matchPurchase?: (playerId: string, requestId: string) => Promise<{ cards: Card[]; remaining: number | null } | null>;
}

/** A player's requestId is scoped to the player, so two players can never collide. */
export const purchaseId = (playerId: string, requestId: string): string => `${playerId}:${requestId}`;

export async function commit(ledger: LedgerService | null, cmd: LedgerCommand): Promise<LedgerResult> {
  if (!ledger) throw new CommandError('UNAVAILABLE', 'the ledger is not running yet');
  try {
    return await ledger.submit(cmd);
  } catch (err) {
    if (err instanceof LedgerUnavailableError) throw new CommandError(err.code, err.message);
    throw err;
  }
}

export function ledgerRoutes(router: CommandRouter, deps: LedgerHandlerDeps): void {
  router.on('COMPRAR', async (playerId, cmd) => {
    const inMatch = await deps.matchPurchase?.(playerId, cmd.requestId);
    if (inMatch) {
      const remaining = inMatch.remaining ?? remainingCards(deps.replica()!.state);
      return { type: 'PACOTE_RESULTADO', requestId: cmd.requestId, cards: inMatch.cards, remaining };
    }
    const r = await commit(deps.ledger(), { type: 'BUY_PACK', requestId: purchaseId(playerId, cmd.requestId), playerId });
    deps.metrics.purchases.inc({ outcome: r.ok ? 'ok' : r.code });
    if (!r.ok) throw new CommandError(r.code, r.message);
    const ok = r as Extract<LedgerResult<'BUY_PACK'>, { ok: true }>;
    return { type: 'PACOTE_RESULTADO', requestId: cmd.requestId, cards: ok.cards, remaining: ok.remaining };
  });

  router.on('COLECAO', (playerId, cmd) => {
    const replica = deps.replica();
    if (!replica) throw new CommandError('UNAVAILABLE', 'the ledger is not running yet');
    return { type: 'COLECAO', requestId: cmd.requestId, cards: collectionOf(replica.state, playerId) };
  });

  router.on('RANKING', (_playerId, cmd) => {
    const replica = deps.replica();
    if (!replica) throw new CommandError('UNAVAILABLE', 'the ledger is not running yet');
    return { type: 'RANKING', requestId: cmd.requestId, entries: leaderboard(replica.state, 20) };
  });
}
