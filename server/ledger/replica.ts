// The ledger as Raft's state machine on this node: applies committed entries in log
// order, snapshots and restores, and answers local (possibly slightly stale) reads.
import {
  applyCommand,
  createLedger,
  deserializeLedger,
  markApplied,
  serializeLedger,
  type BatchCommand,
  type LedgerCommand,
  type LedgerResult,
  type LedgerState,
} from './machine/index.ts';
import type { Entry } from '../raft/core/types.ts';
import type { StateMachine } from '../raft/raft-node.ts';

export class LedgerReplica implements StateMachine<LedgerResult> {
  state: LedgerState;
  private readonly listeners: ((cmd: LedgerCommand, result: LedgerResult, entry: Entry) => void)[] = [];

  constructor(
    readonly clusterId: string,
    readonly stockScale: number,
  ) {
    this.state = createLedger({ clusterId, stockScale, members: [] });
  }

  /** Observers of applied commands (membership table, matches, player notifications). */
  onApplied(fn: (cmd: LedgerCommand, result: LedgerResult, entry: Entry) => void): void {
    this.listeners.push(fn);
  }

  apply(entry: Entry): LedgerResult | null {
    const ctx = { index: entry.index, term: entry.term };
    if (entry.kind === 'noop' || entry.data === undefined) {
      markApplied(this.state, ctx);
      return null;
    }
    const cmd = entry.data as LedgerCommand | BatchCommand;
    // Observers see each command of a batch with its own result, right after it applied, as
    // if it had an entry of its own (sharing the batch's index).
    const result = applyCommand(this.state, cmd, ctx, (inner, r) => {
      for (const l of this.listeners) l(inner as LedgerCommand, r, entry);
    });
    if (!(cmd.type === 'BATCH' && result.ok)) for (const l of this.listeners) l(cmd as LedgerCommand, result, entry);
    return result;
  }

  snapshot(): unknown {
    return serializeLedger(this.state);
  }

  restore(data: unknown): void {
    const checked = typeof data === 'object' && data !== null ? validated.get(data) : undefined;
    if (checked) validated.delete(data as object);
    this.state = checked ?? deserializeLedger(data);
    for (const l of this.restoreListeners) l();
  }

  private readonly restoreListeners: (() => void)[] = [];
  onRestore(fn: () => void): void {
    this.restoreListeners.push(fn);
  }

  /**
   * Whether snapshot data from a peer would restore (checked before the core accepts it).
   * The state it loaded is kept for `restore` of the same data, so an InstallSnapshot is
   * decoded once, not twice.
   */
  static validSnapshot(data: unknown, clusterId: string): boolean {
    try {
      const state = deserializeLedger(data);
      if (state.clusterId !== clusterId) return false;
      if (typeof data === 'object' && data !== null) validated.set(data, state);
      return true;
    } catch {
      return false;
    }
  }
}

/** Snapshot data checked by validSnapshot → the state it loaded (taken once by restore). */
const validated = new WeakMap<object, LedgerState>();
