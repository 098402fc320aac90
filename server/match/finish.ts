// Recording a finished match in the ledger (MATCH_FINISHED, fenced by epoch) so the
// leaderboard counts it and the players' hands are released. Retried until it sticks.
import { endSummary } from '../game/index.ts';
import { getMatch } from '../ledger/machine/index.ts';
import type { MatchContext } from './context.ts';
import type { MatchRuntime } from './runtime.ts';

export async function recordFinish(ctx: MatchContext, rt: MatchRuntime): Promise<void> {
  if (rt.finishRecorded) return;
  const end = endSummary(rt.state);
  if (!end) return;
  rt.finishRecorded = true;
  ctx.metrics.eventLogSize.observe(rt.events.length);
  for (let attempt = 0; attempt < 20 && rt.role === 'host'; attempt++) {
    const ledger = ctx.ledger();
    try {
      if (!ledger) throw new Error('ledger not running');
      const r = await ledger.submit({ type: 'MATCH_FINISHED', matchId: rt.matchId, winnerId: end.winnerId, reason: end.reason, scores: end.scores, epoch: rt.epoch });
      if (!r.ok && r.code === 'STALE_EPOCH') {
        // The ledger moved on: done if the match is closed or another node hosts it now
        // (it will record the result); if it still names this node, record at its epoch.
        const m = getMatch(ctx.replica()!.state, rt.matchId);
        if (m && m.status === 'active' && m.host === ctx.self && m.epoch > rt.epoch) {
          const again = await ledger.submit({ type: 'MATCH_FINISHED', matchId: rt.matchId, winnerId: end.winnerId, reason: end.reason, scores: end.scores, epoch: m.epoch });
          if (!again.ok && again.code !== 'STALE_EPOCH') throw new Error(again.message);
        }
      }
      if (r.ok || r.code === 'STALE_EPOCH' || r.code === 'UNKNOWN_MATCH') {
        ctx.logs.host.info({ matchId: rt.matchId, winner: end.winnerId, reason: end.reason, ok: r.ok }, 'match finished');
        scheduleDrop(ctx, rt);
        return;
      }
    } catch {
      // no leader right now: try again shortly
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  rt.finishRecorded = false; // the reconcile loop will try again
}

/** Keeps a finished match in memory a little while (late subscribers), then lets it go. */
export function scheduleDrop(ctx: MatchContext, rt: MatchRuntime, afterMs = 30_000): void {
  setTimeout(() => {
    if (ctx.runtimes.get(rt.matchId) === rt) ctx.runtimes.delete(rt.matchId);
    void ctx.store.release(rt.matchId).catch(() => undefined);
  }, afterMs).unref();
}
