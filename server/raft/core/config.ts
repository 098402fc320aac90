// Cluster membership: single-server changes (Raft thesis §4.1). A config entry carries
// the whole new configuration and takes effect as soon as it is appended to a log, so the
// configuration in force is the one of the last config entry in the log (or the
// snapshot's). Truncating the log reverts to the previous one.
import type { ClusterConfig, Entry, NodeId } from './types.ts';

export interface ConfigChange {
  /** `addLearner`: new node receives the log; `promote`: learner becomes a voter;
   *  `remove`: voter or learner leaves. Node ids must never be reused. */
  op: 'addLearner' | 'promote' | 'remove';
  id: NodeId;
}

export function cloneConfig(c: ClusterConfig): ClusterConfig {
  return { voters: [...c.voters], learners: [...c.learners] };
}

export function isVoter(c: ClusterConfig, id: NodeId): boolean {
  return c.voters.includes(id);
}

export function isLearner(c: ClusterConfig, id: NodeId): boolean {
  return c.learners.includes(id);
}

export function isMember(c: ClusterConfig, id: NodeId): boolean {
  return isVoter(c, id) || isLearner(c, id);
}

/** Every member except `self`: the nodes a leader replicates to. */
export function peersOf(c: ClusterConfig, self: NodeId): NodeId[] {
  return [...c.voters, ...c.learners].filter((id) => id !== self);
}

/** The configuration after `change`, or a reason why the change is invalid. */
export function applyChange(c: ClusterConfig, change: ConfigChange): ClusterConfig | string {
  const { op, id } = change;
  switch (op) {
    case 'addLearner':
      if (isMember(c, id)) return `${id} is already a member`;
      return { voters: [...c.voters], learners: [...c.learners, id] };
    case 'promote':
      if (!isLearner(c, id)) return `${id} is not a learner`;
      return { voters: [...c.voters, id], learners: c.learners.filter((x) => x !== id) };
    case 'remove':
      if (!isMember(c, id)) return `${id} is not a member`;
      if (c.voters.length === 1 && c.voters[0] === id) return 'cannot remove the last voter';
      return { voters: c.voters.filter((x) => x !== id), learners: c.learners.filter((x) => x !== id) };
  }
}

/**
 * The configuration as of every log index beyond the snapshot: the snapshot's config plus
 * the config entries of the log, kept as a short stack so appends, truncations and
 * compactions are O(number of config entries), never O(log).
 */
export class ConfigHistory {
  private base: ClusterConfig;
  private changes: { index: number; config: ClusterConfig }[] = [];

  constructor(base: ClusterConfig) {
    this.base = cloneConfig(base);
  }

  current(): ClusterConfig {
    const n = this.changes.length;
    return n > 0 ? this.changes[n - 1].config : this.base;
  }

  /** Index of the last config entry in the log (0 when the config comes from the snapshot). */
  lastChangeIndex(): number {
    const n = this.changes.length;
    return n > 0 ? this.changes[n - 1].index : 0;
  }

  /** Config in force at `index` (the last config entry at or before it). */
  at(index: number): ClusterConfig {
    for (let i = this.changes.length - 1; i >= 0; i--) {
      if (this.changes[i].index <= index) return this.changes[i].config;
    }
    return this.base;
  }

  onAppend(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.kind === 'config' && e.config) this.changes.push({ index: e.index, config: cloneConfig(e.config) });
    }
  }

  /** The log lost every entry from `index` on: forget their configs. */
  onTruncate(index: number): void {
    while (this.changes.length > 0 && this.changes[this.changes.length - 1].index >= index) this.changes.pop();
  }

  /** Entries up to `index` were folded into a snapshot. */
  onCompact(index: number): void {
    this.base = this.at(index);
    this.changes = this.changes.filter((c) => c.index > index);
  }

  /** The whole log was replaced by a snapshot carrying `config`. */
  reset(config: ClusterConfig): void {
    this.base = cloneConfig(config);
    this.changes = [];
  }
}
