// Inter-node REST bodies (DESIGN §3). Validated with zod on the receiving side; a bad body
// is `400 BAD_REQUEST`, never a crash.
import { z } from 'zod';

const nodeId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'node id: 1–64 of A–Z a–z 0–9 _ . -');
const url = z.string().url().max(512);
const port = z.number().int().min(1).max(65535);

export const RegisterBody = z.object({ id: nodeId, address: url, mqttPort: port });
export type RegisterBody = z.infer<typeof RegisterBody>;

export const MemberInfo = z.object({ id: nodeId, address: url, mqttPort: port });
export type MemberInfo = z.infer<typeof MemberInfo>;

export const RegisterResponse = z.object({
  clusterId: z.string(),
  members: z.array(MemberInfo),
  leader: nodeId.nullable(),
  /** The cluster's stock size multiplier (fixed at bootstrap; every replica builds the same stock). */
  stockScale: z.number().int().min(1).optional(),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const HeartbeatBody = z.object({
  id: nodeId,
  address: url,
  mqttPort: port.optional(),
  term: z.number().int().min(0),
  leader: nodeId.nullable(),
  /** Sent once by a node that is stopping cleanly, so peers mark it dead at once. */
  leaving: z.boolean().optional(),
});
export type HeartbeatBody = z.infer<typeof HeartbeatBody>;
export const HeartbeatResponse = z.object({ members: z.array(MemberInfo) });

export interface ServerInfo {
  id: string;
  address: string;
  mqttPort: number;
  alive: boolean;
  lastSeenMs: number | null;
  raftRole: string;
}

export interface HealthBody {
  ok: boolean;
  id: string;
  clusterId: string;
  raftRole: string;
}

// ---- Raft (field names from DESIGN §3) --------------------------------------------------
const term = z.number().int().min(0);
const index = z.number().int().min(0);

export const ClusterConfigBody = z.object({ voters: z.array(nodeId), learners: z.array(nodeId) });
export const EntryBody = z.object({
  term,
  index: index.min(1),
  kind: z.enum(['noop', 'command', 'config']),
  data: z.unknown().optional(),
  config: ClusterConfigBody.optional(),
});

export const VoteBody = z.object({
  term,
  candidateId: nodeId,
  lastLogIndex: index,
  lastLogTerm: term,
  preVote: z.boolean().default(false),
});
export const VoteReply = z.object({ term, voteGranted: z.boolean() });

export const AppendBody = z.object({
  term,
  leaderId: nodeId,
  prevLogIndex: index,
  prevLogTerm: term,
  entries: z.array(EntryBody).max(10_000),
  leaderCommit: index,
});
export const AppendReply = z.object({
  term,
  success: z.boolean(),
  matchIndex: index,
  conflictIndex: index.optional(),
});

export const InstallSnapshotBody = z.object({
  term,
  leaderId: nodeId,
  lastIncludedIndex: index,
  lastIncludedTerm: term,
  config: ClusterConfigBody,
  data: z.unknown(),
});
export const InstallSnapshotReply = z.object({ term, matchIndex: index });

// ---- stock --------------------------------------------------------------------------------
export const BuyPackBody = z.object({
  requestId: z.string().min(1).max(128),
  playerId: z.string().min(1).max(128),
  matchId: z.string().min(1).max(128).optional(),
});
export type BuyPackBody = z.infer<typeof BuyPackBody>;
