// One match as this node holds it: the reducer's state, the signed event log, and this
// node's role in it. All changes to a match go through `serial` so its events apply in
// order even when commands, replication and timers race.
import { applyEvent, initialState, type MatchState, type RuleError } from '../game/index.ts';
import { unwrapEvent, type SignedEvent } from './signing.ts';

/** `watcher`: a third node that relays a match to its locally connected players. */
export type MatchRole = 'host' | 'shadow' | 'watcher';

export class MatchRuntime {
  state: MatchState = initialState();
  readonly events: SignedEvent[] = [];
  /** Nodes (not host/shadow) with players attached, pushed every new event. */
  readonly watchers = new Set<string>();
  /** Host only: when each player was last known connected somewhere (performance.now()). */
  readonly presence = new Map<string, number>();
  /** Host only: forwarded requestIds already executed → their eventSeq (retries are answered, not redone). */
  readonly done = new Map<string, unknown>();
  finishRecorded = false;
  /** This node has told its connected players about the match (PARTIDA_ENCONTRADA). */
  announced = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly matchId: string,
    public role: MatchRole,
  ) {}

  get epoch(): number {
    return this.state.epoch;
  }
  get seq(): number {
    return this.state.eventSeq;
  }
  get finished(): boolean {
    return this.state.phase === 'FINALIZADO';
  }
  playerIds(): string[] {
    return this.state.players.map((p) => p.id);
  }

  /** Runs jobs on this match one at a time, in call order. */
  serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.chain.then(job, job);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The state after `events` (which must follow the current seq), or the first rule error. */
  preview(events: readonly SignedEvent[]): { ok: true; state: MatchState } | RuleError {
    let s = this.state;
    for (const e of events) {
      const bare = unwrapEvent(e); // applyEvent validates it
      if (!bare) return { ok: false, code: 'BAD_EVENT', message: `event ${e.eventSeq} is malformed` };
      const r = applyEvent(s, bare);
      if (!r.ok) return r;
      s = r.state;
    }
    return { ok: true, state: s };
  }

  /** Adopts events already checked with `preview`. */
  commit(events: readonly SignedEvent[], state: MatchState): void {
    this.events.push(...events);
    this.state = state;
  }
}
