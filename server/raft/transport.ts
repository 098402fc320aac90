// Raft messages over the REST endpoints of docs/design.md §3. Requests become POSTs; the HTTP
// response is turned back into the matching response message for the sender's core.
import type { AppendRequest, RaftMessage, SnapshotRequest, VoteRequest } from './core/types.ts';
import type { PeerClient } from '../http/peer-client.ts';

export const RAFT_PATHS = {
  vote: '/eleicao/solicitar_voto',
  append: '/eleicao/declarar_lider',
  snapshot: '/raft/install_snapshot',
} as const;

export function requestBody(m: VoteRequest | AppendRequest | SnapshotRequest): unknown {
  switch (m.type) {
    case 'vote':
      return { term: m.term, candidateId: m.candidateId, lastLogIndex: m.lastLogIndex, lastLogTerm: m.lastLogTerm, preVote: m.preVote };
    case 'append':
      return { term: m.term, leaderId: m.leaderId, prevLogIndex: m.prevLogIndex, prevLogTerm: m.prevLogTerm, entries: m.entries, leaderCommit: m.leaderCommit };
    case 'snapshot':
      return {
        term: m.term,
        leaderId: m.leaderId,
        lastIncludedIndex: m.snapshot.lastIncludedIndex,
        lastIncludedTerm: m.snapshot.lastIncludedTerm,
        config: m.snapshot.config,
        data: m.snapshot.data,
      };
  }
}

interface VoteReply { term: number; voteGranted: boolean }
interface AppendReply { term: number; success: boolean; matchIndex: number; conflictIndex?: number }
interface SnapshotReply { term: number; matchIndex: number }

/**
 * The response message for the local core, built from the body the peer answered `m` with.
 * An answer is by construction the answer to that very request, so it echoes the request's
 * ReadIndex round (not on the wire).
 */
export function responseFrom(m: VoteRequest | AppendRequest | SnapshotRequest, r: VoteReply | AppendReply | SnapshotReply): RaftMessage {
  // Plain literals: V8 (Node 20) builds `{ ...base, more }` on a slow path, ~100x slower.
  switch (m.type) {
    case 'vote': {
      const v = r as VoteReply;
      return { type: 'voteResp', from: m.to, to: m.from, term: v.term, voteGranted: v.voteGranted, preVote: m.preVote };
    }
    case 'append': {
      const a = r as AppendReply;
      const resp: RaftMessage = { type: 'appendResp', from: m.to, to: m.from, term: a.term, success: a.success, matchIndex: a.matchIndex, conflictIndex: a.conflictIndex };
      if (m.readCtx !== undefined) resp.readCtx = m.readCtx;
      return resp;
    }
    case 'snapshot':
      return { type: 'snapshotResp', from: m.to, to: m.from, term: r.term, matchIndex: (r as SnapshotReply).matchIndex };
  }
}

/** Sends one request and returns the response message for the local core, or null on failure. */
export async function sendRequest(
  client: PeerClient,
  address: string,
  m: VoteRequest | AppendRequest | SnapshotRequest,
  timeoutMs: number,
): Promise<RaftMessage | null> {
  const body = requestBody(m);
  try {
    switch (m.type) {
      case 'vote':
        return responseFrom(m, await client.post<VoteReply>(address, RAFT_PATHS.vote, body, { timeoutMs }));
      case 'append':
        return responseFrom(m, await client.post<AppendReply>(address, RAFT_PATHS.append, body, { timeoutMs }));
      case 'snapshot':
        return responseFrom(m, await client.post<SnapshotReply>(address, RAFT_PATHS.snapshot, body, { timeoutMs: Math.max(timeoutMs, 10_000) }));
    }
  } catch {
    // Lost like a dropped packet: the core retries on its own schedule.
    return null;
  }
}
