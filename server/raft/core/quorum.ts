// Majority arithmetic as small pure functions (etcd's quorum package). Only voters are
// ever passed in: learners neither vote nor count towards a commit.
import type { NodeId } from './types.ts';

/** Votes needed to win among `n` voters. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The highest index matched by a majority of `voters` (`match(id)` gives each voter's
 * matched index). With no voters nothing can be committed, so 0.
 */
export function committedIndex(voters: readonly NodeId[], match: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return 0;
  const idx = voters.map(match);
  idx.sort((a, b) => b - a);
  // Sorted descending, the majority-th value is matched by at least a majority.
  return idx[majority(n) - 1];
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Tally of an election among `voters`; votes from non-voters are ignored. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const need = majority(voters.length);
  let granted = 0;
  let rejected = 0;
  for (const v of voters) {
    const g = votes.get(v);
    if (g === true) granted++;
    else if (g === false) rejected++;
  }
  if (granted >= need) return 'won';
  if (rejected > voters.length - need) return 'lost';
  return 'pending';
}

/** True when a majority of `voters` is in `active`. */
export function hasQuorum(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return false;
  let n = 0;
  for (const v of voters) if (active(v)) n++;
  return n >= majority(voters.length);
}
