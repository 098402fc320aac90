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
  /** A committed entry that carries no command (no-op, configuration) was applied. */
  applyOther?(state: S, ctx: ApplyCtx): void;
  /** Broken application invariants (empty when fine). */
  invariants(state: S): string[];
  /** Check invariants after every n-th applied batch per node (default 1); they are also
   *  checked at every snapshot taken or installed and at the end. */
  readonly checkEvery?: number;
  /** Compare replicas' digests at every index that is a multiple of this (default 16). */
  readonly digestEvery?: number;
  digest(state: S): string;
  snapshot(state: S): unknown;
  /** Optional fast path: a snapshot and the digest of the same state in one pass. */
  snapshotWithDigest?(state: S): { data: unknown; digest: string };
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
  /** Applied request ids and their results (thesis §6.3's session table). */
  done: Map<string, number>;
  /** The same table as text, `id=result;…` in order of application. A string is immutable,
   *  so a snapshot shares it for free, and the real storage serialises it (as a whole, on
   *  every snapshot) far faster than an array of pairs. */
  doneText: string;
  /** Commands that changed a counter (each request id once). */
  applications: number;
  /** Sum of all increments applied: must equal the sum of the counters. */
  total: number;
  lastIndex: number;
}
interface KvSnapshot {
  counters: Record<string, number>;
  done: string;
  applications: number;
  total: number;
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
  create: () => ({ counters: {}, done: new Map(), doneText: '', applications: 0, total: 0, lastIndex: 0 }),
  apply(s, data, ctx) {
    if (ctx.index <= s.lastIndex) throw new Error(`counter: applied ${ctx.index} after ${s.lastIndex}`);
    s.lastIndex = ctx.index;
    const c = data as KvCommand;
    const prior = s.done.get(c.requestId);
    if (prior !== undefined) return prior;
    const v = (s.counters[c.key] ?? 0) + c.by;
    s.counters[c.key] = v;
    s.done.set(c.requestId, v);
    s.doneText += `${c.requestId}=${v};`;
    s.applications++;
    s.total += c.by;
    return v;
  },
  invariants(s) {
    // O(keys), cheap enough to run after every applied batch.
    let sum = 0;
    for (const k in s.counters) sum += s.counters[k];
    const errs: string[] = [];
    if (sum !== s.total) errs.push(`counter: counters sum to ${sum} but ${s.total} was added`);
    if (s.done.size !== s.applications) errs.push(`counter: ${s.done.size} request ids but ${s.applications} applications`);
    return errs;
  },
  digest(s) {
    const keys = Object.keys(s.counters).sort();
    return fnv1a(`${s.applications};${s.total};${s.lastIndex};` + keys.map((k) => `${k}=${s.counters[k]}`).join(',')).toString(16);
  },
  snapshot: (s): KvSnapshot => ({ counters: { ...s.counters }, done: s.doneText, applications: s.applications, total: s.total, lastIndex: s.lastIndex }),
  restore: (snap) => {
    const k = snap as KvSnapshot;
    const done = new Map<string, number>();
    for (const pair of k.done.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) done.set(pair.slice(0, eq), Number(pair.slice(eq + 1)));
    }
    return { counters: { ...k.counters }, done, doneText: k.done, applications: k.applications, total: k.total, lastIndex: k.lastIndex };
  },
  nextCommand(rng, history) {
    const retry = history.length > 0 && rng.chance(0.05) ? history[history.length - 1 - rng.int(Math.min(history.length, 200))] : null;
    if (retry && retry.outcome !== 'fail') return retry.command;
    return { type: 'INC', requestId: `r${history.length}`, key: `k${rng.int(8)}`, by: 1 + rng.int(5) } satisfies KvCommand;
  },
  checkAcked(s, acked) {
    const errs: string[] = [];
    for (const op of acked) {
      const c = op.command as KvCommand;
      if (s.done.get(c.requestId) !== op.result) errs.push(`counter: acked ${c.requestId}=${String(op.result)} but replica has ${s.done.get(c.requestId)}`);
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
