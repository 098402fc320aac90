// Raft messages over the REST endpoints of docs/design.md §3. Requests become POSTs; the HTTP
// response is turned back into the matching response message for the sender's core. A
// snapshot travels as a series of chunk POSTs (snapshot-chunks.ts) and comes back as one answer.
import type { AppendRequest, RaftMessage, SnapshotRequest, SnapshotResponse, TimeoutNowRequest, VoteRequest } from './core/types.ts';
import { PeerRefusedError, type PeerClient } from '../http/peer-client.ts';
import { chunkAt, serialiseSnapshot, SNAPSHOT_CHUNK_BYTES, type Chunk } from './snapshot-chunks.ts';

export const RAFT_PATHS = {
  vote: '/eleicao/solicitar_voto',
  append: '/eleicao/declarar_lider',
  snapshot: '/raft/install_snapshot',
  timeoutNow: '/raft/timeout_now',
} as const;

export type RaftRequest = VoteRequest | AppendRequest | SnapshotRequest | TimeoutNowRequest;

export function requestBody(m: RaftRequest): unknown {
  switch (m.type) {
    case 'vote':
      return { term: m.term, candidateId: m.candidateId, lastLogIndex: m.lastLogIndex, lastLogTerm: m.lastLogTerm, preVote: m.preVote, ...(m.transfer ? { transfer: true } : {}) };
    case 'timeoutNow':
      return { term: m.term, leaderId: m.leaderId };
    case 'append':
      return { term: m.term, leaderId: m.leaderId, prevLogIndex: m.prevLogIndex, prevLogTerm: m.prevLogTerm, entries: m.entries, leaderCommit: m.leaderCommit };
    case 'snapshot':
      // The whole snapshot in one body: still accepted by the endpoint, no longer sent.
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

/** The body of one InstallSnapshot chunk (protocol/rest.ts InstallSnapshotChunkBody). */
export function chunkBody(c: Chunk): unknown {
  return {
    term: c.term,
    leaderId: c.leaderId,
    lastIncludedIndex: c.lastIncludedIndex,
    lastIncludedTerm: c.lastIncludedTerm,
    config: c.config,
    offset: c.offset,
    total: c.total,
    checksum: c.checksum,
    chunk: c.bytes.toString('base64'),
    done: c.done,
  };
}

export interface ChunkReply {
  term: number;
  matchIndex: number;
  /** Present while the follower wants more: the offset of the chunk to send next. */
  next?: number;
}

/**
 * Sends snapshot `m` chunk by chunk through `post`, one chunk in flight, resuming wherever
 * the follower says it needs (a lost chunk is sent again, a duplicate costs nothing).
 * Returns the follower's final answer, its refusal in a newer term, or null when the
 * transfer failed (the core resends the snapshot on its own schedule).
 */
export async function sendSnapshotChunks(post: (body: unknown) => Promise<ChunkReply>, m: SnapshotRequest, chunkBytes = SNAPSHOT_CHUNK_BYTES): Promise<SnapshotResponse | null> {
  const ser = serialiseSnapshot(m.snapshot);
  const s = m.snapshot;
  const header = { term: m.term, leaderId: m.leaderId, lastIncludedIndex: s.lastIncludedIndex, lastIncludedTerm: s.lastIncludedTerm, config: s.config };
  const chunks = Math.max(1, Math.ceil(ser.bytes.length / chunkBytes));
  let offset = 0;
  // Every chunk once, plus some resends; a follower that keeps asking for more is broken.
  for (let sends = 0; sends < 2 * chunks + 4; sends++) {
    const r = await post(chunkBody(chunkAt(header, ser, offset, chunkBytes)));
    if (r.next === undefined || r.term > m.term) return { type: 'snapshotResp', from: m.to, to: m.from, term: r.term, matchIndex: r.matchIndex };
    if (!Number.isInteger(r.next) || r.next < 0 || r.next >= ser.bytes.length) return null;
    offset = r.next;
  }
  return null;
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
  m: RaftRequest,
  timeoutMs: number,
): Promise<RaftMessage | null> {
  const body = m.type === 'snapshot' ? undefined : requestBody(m);
  try {
    switch (m.type) {
      case 'vote':
        return responseFrom(m, await client.post<VoteReply>(address, RAFT_PATHS.vote, body, { timeoutMs }));
      case 'append':
        return responseFrom(m, await client.post<AppendReply>(address, RAFT_PATHS.append, body, { timeoutMs }));
      case 'timeoutNow':
        // One-way: the answer only says it arrived.
        await client.post<unknown>(address, RAFT_PATHS.timeoutNow, body, { timeoutMs });
        return null;
      case 'snapshot': {
        const opts = { timeoutMs: Math.max(timeoutMs, 10_000) };
        try {
          return await sendSnapshotChunks((b) => client.post<ChunkReply>(address, RAFT_PATHS.snapshot, b, opts), m);
        } catch (err) {
          // A peer from before chunking refuses the first chunk with "400 data: …" (the
          // chunk form has no `data`): it still takes the one-body form, as long as the
          // snapshot fits its body limit.
          if (!(err instanceof PeerRefusedError && err.status === 400 && err.detail.startsWith('data:'))) throw err;
          return responseFrom(m, await client.post<SnapshotReply>(address, RAFT_PATHS.snapshot, requestBody(m), opts));
        }
      }
    }
  } catch {
    // Lost like a dropped packet: the core retries on its own schedule.
    return null;
  }
}
