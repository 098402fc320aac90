// The Raft core's vocabulary. The core is synchronous and pure: the driver feeds it
// tick() and step(message) and collects a Ready batch (what to persist, send, apply).
// Wire shapes of the requests follow docs/design.md §3 so the HTTP transport maps 1:1.

export type NodeId = string;

/** Voting configuration. Learners receive the log but never vote or count for quorum. */
export interface ClusterConfig {
  voters: NodeId[];
  learners: NodeId[];
}

/**
 * A log entry. `noop` is appended by every new leader; `config` entries carry the full
 * new configuration and take effect as soon as they are appended (single-server change,
 * Raft thesis §4.1); `command` entries carry an opaque application command (the ledger's).
 */
export interface Entry {
  term: number;
  index: number;
  kind: 'noop' | 'command' | 'config';
  data?: unknown;
  config?: ClusterConfig;
}

export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

export interface SnapshotMeta {
  lastIncludedIndex: number;
  lastIncludedTerm: number;
  config: ClusterConfig;
}

export interface Snapshot extends SnapshotMeta {
  /** Serialized application state (opaque to the core). */
  data: unknown;
}

// ---- messages -------------------------------------------------------------------------
// Every *request* stepped into a core yields exactly one *response* to `from` in a Ready,
// carrying the request's `rid`, so an HTTP transport can answer the request with it
// (except TimeoutNow, which is one-way).

interface Base {
  from: NodeId;
  to: NodeId;
  term: number;
  /** Correlation id, chosen by the sender's driver, echoed in the response. */
  rid?: number;
}

export interface VoteRequest extends Base {
  type: 'vote';
  candidateId: NodeId;
  lastLogIndex: number;
  lastLogTerm: number;
  preVote: boolean;
  /**
   * Leadership transfer (thesis §3.10): the candidate campaigns because the leader told it
   * to (TimeoutNow), so voters grant it even while they still hear that leader.
   */
  transfer?: boolean;
}
export interface VoteResponse extends Base {
  type: 'voteResp';
  voteGranted: boolean;
  preVote: boolean;
}
export interface AppendRequest extends Base {
  type: 'append';
  leaderId: NodeId;
  prevLogIndex: number;
  prevLogTerm: number;
  entries: Entry[];
  leaderCommit: number;
  /**
   * ReadIndex round this append was sent in (set while a round is in flight). Not on the
   * wire: an HTTP transport copies it from the request onto the answer it got back.
   */
  readCtx?: number;
}
export interface AppendResponse extends Base {
  type: 'appendResp';
  success: boolean;
  /**
   * On success the follower's last index covered by this append (it may be higher than
   * prevLogIndex + entries.length: the follower's commit index when the append fell inside
   * its committed prefix). On failure the rejected prevLogIndex, which lets the leader tell
   * a stale (reordered, duplicated) rejection from a fresh one.
   */
  matchIndex: number;
  /** On failure: first index the leader should retry from (absent when the term was stale). */
  conflictIndex?: number;
  /** The request's readCtx, echoed: this peer still took the sender for its leader then. */
  readCtx?: number;
}
export interface SnapshotRequest extends Base {
  type: 'snapshot';
  leaderId: NodeId;
  snapshot: Snapshot;
}
export interface SnapshotResponse extends Base {
  type: 'snapshotResp';
  /** Index now covered by the follower's state (the snapshot's last index on success). */
  matchIndex: number;
}

/**
 * Leadership transfer (thesis §3.10): the leader tells an up-to-date voter to start an
 * election at once. One-way: it has no response.
 */
export interface TimeoutNowRequest extends Base {
  type: 'timeoutNow';
  leaderId: NodeId;
}

export type RaftMessage =
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | SnapshotRequest
  | SnapshotResponse
  | TimeoutNowRequest;

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader' | 'learner';

export interface SoftState {
  leader: NodeId | null;
  role: Role;
}

/**
 * The answer to a `readIndex(ctx)` request: once this node has applied `index`, a read of
 * its state machine is linearizable. `index: null` means the read failed (leadership was
 * lost before a majority confirmed it); the caller retries elsewhere or reports an error.
 */
export interface ReadState {
  ctx: number;
  index: number | null;
}

/**
 * One batch of work for the driver. Order of duties (see docs/architecture/raft.md):
 * 1. persist `snapshot` (if any), then `entries` (truncating any conflicting suffix first:
 *    the first entry's index says where), then `hardState`; fsync if `mustSync`;
 * 2. only then send `messages` (responses included);
 * 3. apply `committed` in order to the state machine (after installing `snapshot`);
 * 4. call `advance()`.
 * Only one Ready is outstanding at a time: ready() returns null until advance(). Steps and
 * proposals made in between accumulate into the next Ready (group commit).
 */
export interface Ready {
  softState: SoftState;
  hardState: HardState | null;
  entries: Entry[];
  snapshot: Snapshot | null;
  committed: Entry[];
  messages: RaftMessage[];
  mustSync: boolean;
  /** Answers to readIndex() calls; they depend on nothing being persisted. */
  readStates: ReadState[];
}
