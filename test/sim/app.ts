// The application replicated by the simulated cluster, as a pluggable interface, plus a
// tiny built-in one (an idempotent counter map). The ledger adapter lives in ledger-app.ts.
import { fnv1a } from './hash.ts';
import type { Rng } from './rng.ts';

export interface ApplyCtx {
  index: number;
  term: number;
}

/** A client operation the simulator recorded (Jepsen-style history). */
export interface ClientOp {
  id: number;
  command: unknown;
  /** 'ok' after the proposing leader applied it; 'fail' when it definitely was not
   *  applied (its slot went to another entry); 'info' when unknown (the node crashed). */
  outcome: 'pending' | 'ok' | 'fail' | 'info';
  result?: unknown;
  index?: number;
  term?: number;
}

export interface SimApp<S = unknown> {
  readonly name: string;
  create(members: string[]): S;
  /** Apply a committed command in log order; returns the result a client would get. */
  apply(state: S, data: unknown, ctx: ApplyCtx): unknown;
  /** Broken application invariants (empty when fine). */
  invariants(state: S): string[];
  digest(state: S): string;
  snapshot(state: S): unknown;
  restore(snap: unknown): S;
  /** The next client command; may reuse an earlier op's idempotency key (a retry). */
  nextCommand(rng: Rng, history: readonly ClientOp[]): unknown;
  /** Checks of acknowledged operations against one replica's final state. */
  checkAcked(state: S, acked: readonly ClientOp[]): string[];
  /** Checks across the whole history (e.g. a retried request got the same answer). */
  checkHistory(history: readonly ClientOp[]): string[];
}

// ---- built-in: idempotent counters ---------------------------------------------------

interface KvState {
  counters: Record<string, number>;
  /** requestId → result: a retried request returns the first answer (thesis §6.3). */
  done: Record<string, number>;
  applied: number;
  lastIndex: number;
}
interface KvCommand {
  type: 'INC';
  requestId: string;
  key: string;
  by: number;
}

export const counterApp: SimApp<KvState> = {
  name: 'counter',
  create: () => ({ counters: {}, done: {}, applied: 0, lastIndex: 0 }),
  apply(s, data, ctx) {
    if (ctx.index <= s.lastIndex) throw new Error(`counter: applied ${ctx.index} after ${s.lastIndex}`);
    s.lastIndex = ctx.index;
    const c = data as KvCommand;
    const prior = s.done[c.requestId];
    if (prior !== undefined) return prior;
    const v = (s.counters[c.key] ?? 0) + c.by;
    s.counters[c.key] = v;
    s.done[c.requestId] = v;
    s.applied++;
    return v;
  },
  invariants(s) {
    const n = Object.keys(s.done).length;
    return n === s.applied ? [] : [`counter: ${n} request ids but ${s.applied} applications`];
  },
  digest(s) {
    const keys = Object.keys(s.counters).sort();
    return fnv1a(`${s.applied};${s.lastIndex};` + keys.map((k) => `${k}=${s.counters[k]}`).join(',')).toString(16);
  },
  snapshot: (s) => JSON.parse(JSON.stringify(s)),
  restore: (snap) => JSON.parse(JSON.stringify(snap)) as KvState,
  nextCommand(rng, history) {
    const retry = history.length > 0 && rng.chance(0.05) ? rng.pick(history) : null;
    if (retry && retry.outcome !== 'fail') return retry.command;
    return { type: 'INC', requestId: `r${history.length}`, key: `k${rng.int(8)}`, by: 1 + rng.int(5) } satisfies KvCommand;
  },
  checkAcked(s, acked) {
    const errs: string[] = [];
    for (const op of acked) {
      const c = op.command as KvCommand;
      if (s.done[c.requestId] !== op.result) errs.push(`counter: acked ${c.requestId}=${String(op.result)} but replica has ${s.done[c.requestId]}`);
    }
    return errs;
  },
  checkHistory(history) {
    const first = new Map<string, unknown>();
    const errs: string[] = [];
    for (const op of history) {
      if (op.outcome !== 'ok') continue;
      const id = (op.command as KvCommand).requestId;
      if (first.has(id) && first.get(id) !== op.result) errs.push(`counter: ${id} answered ${String(first.get(id))} then ${String(op.result)}`);
      else first.set(id, op.result);
    }
    return errs;
  },
};
