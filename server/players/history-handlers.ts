// HISTORICO (the player's finished matches, from the ledger) and REPLAY (a finished match's
// log as this node holds and verified it, hands hidden until played: server/game/replay.ts).
import { CommandError, type CommandRouter } from './commands.ts';
import { getMatch, historyOf, playedMatchOf } from '../ledger/machine/index.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import { matchEventSchema, replayView, type MatchEvent } from '../game/index.ts';

export interface HistoryHandlerDeps {
  nodeId: string;
  replica: LedgerReplica;
  /** The match's signed log as verified by this node (MatchService.log); rejects when not held here. */
  matchLog: (matchId: string) => Promise<{ events: readonly unknown[] }>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), ms)))]).finally(() => clearTimeout(timer));
}

export function historyCommands(router: CommandRouter, deps: HistoryHandlerDeps): void {
  const state = () => deps.replica.state;

  router.on('HISTORICO', async (playerId, cmd) => {
    const entries = historyOf(state(), playerId);
    // A result recorded without its date (MATCH_FINISHED.at): the last event of the match's log
    // has it when this node holds the log. Best effort, bounded.
    await Promise.allSettled(
      entries
        .filter((e) => e.at === null)
        .slice(0, 10)
        .map(async (e) => {
          const log = await withTimeout(deps.matchLog(e.matchId), 1000);
          const last = log.events[log.events.length - 1] as { at?: unknown } | undefined;
          if (typeof last?.at === 'number') e.at = last.at;
        }),
    );
    return { type: 'HISTORICO', requestId: cmd.requestId, entries };
  });

  router.on('REPLAY', async (playerId, cmd) => {
    const m = getMatch(state(), cmd.matchId);
    // The ledger keeps the records of recent finished matches only; older ones are in the
    // players' histories. A stranger learns nothing, not even whether the match exists.
    const played = m ? m.players.includes(playerId) : playedMatchOf(state(), playerId, cmd.matchId) !== null;
    if (!played) throw new CommandError('NOT_IN_MATCH', `you did not play match ${cmd.matchId}`);
    if (m && m.status !== 'finished') throw new CommandError('MATCH_NOT_FINISHED', 'a match can be replayed once it is over');
    let log: { events: readonly unknown[] };
    try {
      log = await deps.matchLog(cmd.matchId);
    } catch {
      throw new CommandError('REPLAY_UNAVAILABLE', `node ${deps.nodeId} holds no log of match ${cmd.matchId}`);
    }
    const events: MatchEvent[] = [];
    for (const e of log.events) {
      const parsed = matchEventSchema.safeParse(e); // drops the envelope (signature, epoch…)
      if (!parsed.success) throw new CommandError('CORRUPT_LOG', `the log of match ${cmd.matchId} is malformed`);
      events.push(parsed.data);
    }
    let view: ReturnType<typeof replayView>;
    try {
      view = replayView(events);
    } catch (err) {
      throw new CommandError('CORRUPT_LOG', (err as Error).message);
    }
    return { type: 'REPLAY', requestId: cmd.requestId, matchId: cmd.matchId, node: deps.nodeId, ...view };
  });
}
