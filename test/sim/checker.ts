// Safety properties checked as the simulation runs (Raft Fig. 3), incrementally so that
// checking after every step stays O(1) per entry:
//  * election safety      — at most one leader per term;
//  * log matching         — an (index, term) pair always names the same entry with the same
//                           predecessor term, wherever it is persisted; by induction, logs
//                           sharing an (index, term) share the whole prefix;
//  * leader completeness  — a new leader's log holds every entry already applied anywhere;
//  * state-machine safety — no two nodes apply different entries at one index, and nodes
//                           at the same snapshot index have the same application digest;
//  * commitment           — when a leader commits an entry, it is on stable storage at a
//                           majority of the voters (the definition the proofs rely on; it
//                           catches a driver that acknowledges before it syncs).
import { majority, type Entry, type NodeId, type RaftCore } from '../../server/raft/core/index.ts';
import { fnv1a } from './hash.ts';

export class SafetyViolation extends Error {
  constructor(
    readonly property: string,
    detail: string,
  ) {
    super(`${property}: ${detail}`);
  }
}

// Entry objects travel by reference between simulated nodes unless a run serializes
// messages, so the cache mostly hits; identity is still by content.
const ids = new WeakMap<Entry, number>();
function entryId(e: Entry): number {
  let id = ids.get(e);
  if (id === undefined) {
    id = fnv1a(JSON.stringify([e.kind, e.data ?? null, e.config ?? null]));
    ids.set(e, id);
  }
  return id;
}

export class Checker {
  private leaders = new Map<number, NodeId>();
  /** "index:term" → entry hash and predecessor term. */
  private persisted = new Map<string, { id: number; prevTerm: number }>();
  /** Applied entries by index (dense from 1): term and hash. */
  private appliedTerm: number[] = [0];
  private appliedHash: number[] = [0];
  /** Application digest at each snapshot index seen. */
  private snapDigest = new Map<number, string>();
  private lastCommit = new Map<string, number>();
  readonly stats = { leaders: 0, applied: 0, snapshotsChecked: 0, maxTerm: 0 };

  /** A node handed out a Ready as leader of `term`. */
  onLeader(core: RaftCore, term: number): void {
    const prev = this.leaders.get(term);
    if (prev === core.id) return;
    if (prev !== undefined) throw new SafetyViolation('election safety', `term ${term} has leaders ${prev} and ${core.id}`);
    this.leaders.set(term, core.id);
    this.stats.leaders++;
    if (term > this.stats.maxTerm) this.stats.maxTerm = term;
    // Leader completeness: everything applied anywhere must be in the new leader's log.
    const s = core.status();
    const top = this.appliedTerm.length - 1;
    if (top > s.lastIndex) {
      throw new SafetyViolation('leader completeness', `${core.id} leads term ${term} with last index ${s.lastIndex} < applied ${top}`);
    }
    for (let i = s.snapshotIndex + 1; i <= top; i++) {
      const t = core.termAt(i);
      const e = core.entryAt(i);
      if (t !== this.appliedTerm[i] || !e || entryId(e) !== this.appliedHash[i]) {
        throw new SafetyViolation('leader completeness', `${core.id} leads term ${term} but its entry ${i} (t${t}) differs from the applied one (t${this.appliedTerm[i]})`);
      }
    }
  }

  /** A node is about to persist `entries`, the first following an entry of `prevTerm`. */
  onPersist(node: NodeId, entries: readonly Entry[], prevTerm: number | undefined): void {
    let pt = prevTerm;
    for (const e of entries) {
      const key = `${e.index}:${e.term}`;
      const id = entryId(e);
      const seen = this.persisted.get(key);
      if (seen === undefined) {
        this.persisted.set(key, { id, prevTerm: pt ?? -1 });
      } else {
        if (seen.id !== id) throw new SafetyViolation('log matching', `${node} persists a different entry at ${key}`);
        if (pt !== undefined && seen.prevTerm !== -1 && seen.prevTerm !== pt) {
          throw new SafetyViolation('log matching', `${node} has ${key} after term ${pt}, elsewhere after term ${seen.prevTerm}`);
        }
        if (seen.prevTerm === -1 && pt !== undefined) seen.prevTerm = pt;
      }
      pt = e.term;
    }
  }

  /** A node applies `e` (in order). */
  onApply(node: NodeId, e: Entry): void {
    const i = e.index;
    const top = this.appliedTerm.length - 1;
    if (i <= top) {
      if (this.appliedTerm[i] !== e.term || this.appliedHash[i] !== entryId(e)) {
        throw new SafetyViolation('state machine safety', `${node} applies t${e.term} at ${i}, another node applied t${this.appliedTerm[i]}`);
      }
    } else if (i === top + 1) {
      this.appliedTerm.push(e.term);
      this.appliedHash.push(entryId(e));
      this.stats.applied++;
    } else {
      throw new SafetyViolation('state machine safety', `${node} applies ${i} but nothing is known applied after ${top} (gap)`);
    }
  }

  /** A node's application state reached snapshot index `index` with `digest`. */
  onSnapshotState(node: NodeId, index: number, digest: string): void {
    const seen = this.snapDigest.get(index);
    if (seen === undefined) this.snapDigest.set(index, digest);
    else if (seen !== digest) throw new SafetyViolation('state machine safety', `${node} state at ${index} has digest ${digest}, another node ${seen}`);
    this.stats.snapshotsChecked++;
  }

  /**
   * A leader's commit advanced to `index` (term `term`): a majority of `voters` must hold
   * it durably. `durable(id)` answers for one voter. `prevVoters` (the configuration before
   * a change appended meanwhile) is accepted too: the commit may have been counted there.
   */
  onLeaderCommit(
    leader: NodeId,
    index: number,
    term: number,
    voters: readonly NodeId[],
    prevVoters: readonly NodeId[],
    durable: (id: NodeId) => boolean,
  ): void {
    const ok = (vs: readonly NodeId[]) => vs.filter(durable).length >= majority(vs.length);
    if (ok(voters) || ok(prevVoters)) return;
    const holders = voters.filter(durable);
    throw new SafetyViolation('commitment', `${leader} committed ${index}@t${term} but only [${holders.join(',')}] of [${voters.join(',')}] hold it durably`);
  }

  /** Commit index never goes backwards within one incarnation of a node. */
  onCommit(node: NodeId, incarnation: number, commit: number): void {
    const key = `${node}#${incarnation}`;
    const prev = this.lastCommit.get(key) ?? 0;
    if (commit < prev) throw new SafetyViolation('commit monotonicity', `${node} commit went ${prev} → ${commit}`);
    this.lastCommit.set(key, commit);
  }

  /** Highest index known applied anywhere. */
  appliedTop(): number {
    return this.appliedTerm.length - 1;
  }

  /** An entry applied anywhere, if its index is known (term, hash). */
  appliedAt(i: number): { term: number; id: number } | undefined {
    return i < this.appliedTerm.length && i > 0 ? { term: this.appliedTerm[i], id: this.appliedHash[i] } : undefined;
  }
}
