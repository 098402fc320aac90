// Election decisions as pure functions, so each paper rule reads in one place.
import type { NodeId, VoteRequest } from './types.ts';

/** A fresh election timeout in [min, 2*min) ticks, from the injected random source. */
export function randomizedTimeout(min: number, random: () => number): number {
  const r = random();
  // Clamp a misbehaving source (r == 1) into range instead of trusting it.
  return min + Math.min(min - 1, Math.max(0, Math.floor(r * min)));
}

/**
 * CheckQuorum's lease (thesis §4.2.3): a node that heard from a live leader less than an
 * election timeout ago ignores (pre)vote requests, so a partitioned node that comes back
 * cannot depose a healthy leader. The leader itself is always in its own lease while it
 * holds a quorum.
 */
export function inLease(checkQuorum: boolean, leader: NodeId | null, electionElapsed: number, electionTicks: number): boolean {
  return checkQuorum && leader !== null && electionElapsed < electionTicks;
}

export interface VoterState {
  term: number;
  vote: NodeId | null;
  leader: NodeId | null;
}

/**
 * May we grant `m`, log freshness aside? A real vote: only one per term (we already voted
 * for this candidate, or for nobody and know no leader). A pre-vote: any candidate for a
 * future term, since granting it changes nothing we persist.
 */
export function canVote(s: VoterState, m: VoteRequest): boolean {
  if (s.vote === m.from) return true;
  if (s.vote === null && s.leader === null) return true;
  return m.preVote && m.term > s.term;
}
