// Inter-node REST bodies (docs/design.md §3). Validated with zod on the receiving side; a bad body
// is `400 BAD_REQUEST`, never a crash.
import { z } from 'zod';

const nodeId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'node id: 1–64 of A–Z a–z 0–9 _ . -');
const url = z.string().url().max(512);
const port = z.number().int().min(1).max(65535);

/** The wire protocol version a peer speaks (protocol/version.ts); absent from peers that predate it. */
const version = z.string().max(80).optional();

export const RegisterBody = z.object({ id: nodeId, address: url, mqttPort: port, version });
export type RegisterBody = z.infer<typeof RegisterBody>;

export const MemberInfo = z.object({ id: nodeId, address: url, mqttPort: port });
export type MemberInfo = z.infer<typeof MemberInfo>;

export const RegisterResponse = z.object({
  clusterId: z.string(),
  members: z.array(MemberInfo),
  leader: nodeId.nullable(),
  /** The cluster's stock size multiplier (fixed at bootstrap; every replica builds the same stock). */
  stockScale: z.number().int().min(1).optional(),
  version,
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
  version,
});
export type HeartbeatBody = z.infer<typeof HeartbeatBody>;
export const HeartbeatResponse = z.object({ members: z.array(MemberInfo), version });
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

/** Operator: remove a peer that is gone for good (Raft config change + REMOVE_MEMBER). */
export const RemoveMemberBody = z.object({ id: nodeId });
export type RemoveMemberBody = z.infer<typeof RemoveMemberBody>;
export const RemoveMemberResponse = z.object({ removed: nodeId, voters: z.array(nodeId), learners: z.array(nodeId) });
export type RemoveMemberResponse = z.infer<typeof RemoveMemberResponse>;

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
  /** The wire protocol's semver (protocol/version.ts). */
  version: string;
}

// ---- Raft (field names from docs/design.md §3) --------------------------------------------------
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
  /** Leadership transfer (thesis §3.10): the leader asked for this election (TimeoutNow). */
  transfer: z.boolean().optional(),
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

/** Leadership transfer (thesis §3.10): the leader tells an up-to-date voter to campaign now. */
export const TimeoutNowBody = z.object({ term, leaderId: nodeId });

export const InstallSnapshotBody = z.object({
  term,
  leaderId: nodeId,
  lastIncludedIndex: index,
  lastIncludedTerm: term,
  config: ClusterConfigBody,
  data: z.unknown(),
});
/**
 * InstallSnapshot in chunks (docs/protocol.md): `chunk` is base64 of bytes [offset, offset+n)
 * of the snapshot's serialised data (`total` bytes, CRC-32 `checksum`); `done` on the last.
 */
export const InstallSnapshotChunkBody = z.object({
  term,
  leaderId: nodeId,
  lastIncludedIndex: index,
  lastIncludedTerm: term,
  config: ClusterConfigBody,
  offset: z.number().int().min(0),
  total: z.number().int().min(0),
  checksum: z.number().int().min(0).max(0xffff_ffff),
  // 512 KiB of bytes at most (the receiver's limit), as base64.
  chunk: z.string().max(700_000).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'chunk must be base64'),
  done: z.boolean(),
});
/** `next`: on a chunk that is not the last, the offset the follower wants next. */
export const InstallSnapshotReply = z.object({ term, matchIndex: index, next: z.number().int().min(0).optional() });

// ---- stock --------------------------------------------------------------------------------
export const BuyPackBody = z.object({
  requestId: z.string().min(1).max(128),
  playerId: z.string().min(1).max(128),
  matchId: z.string().min(1).max(128).optional(),
});
export type BuyPackBody = z.infer<typeof BuyPackBody>;

// ---- matches (docs/design.md §3, §8) ----------------------------------------------------------------
const matchId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'matchId: 1–128 of A–Z a–z 0–9 . _ -');
const playerId = z.string().min(1).max(128);

/** A signed game event as replicated; its content is checked by the match reducer. */
export const SignedEventBody = z
  .object({ matchId, epoch: z.number().int().min(1), eventSeq: z.number().int().min(1), type: z.string().max(32), signature: z.string().min(1).max(128) })
  .passthrough();

export const GameStartBody = z.object({
  matchId,
  epoch: z.number().int().min(1),
  host: nodeId,
  shadow: nodeId.nullable(),
  players: z.array(z.object({ id: playerId, name: z.string().max(64) })).length(2),
  events: z.array(SignedEventBody).min(1).max(10_000),
});
export type GameStartBody = z.infer<typeof GameStartBody>;

export const GameEventBody = z.object({
  matchId,
  epoch: z.number().int().min(1),
  playerId,
  type: z.enum(['JOGAR', 'CHAT', 'COMPRAR', 'PRONTO', 'FORFEIT', 'ATTACH']),
  data: z.record(z.string(), z.unknown()).default({}),
  /** Lets the host answer a retried forward instead of executing it twice. */
  requestId: z.string().min(1).max(200).optional(),
  signature: z.string().min(1).max(128),
});
export type GameEventBody = z.infer<typeof GameEventBody>;

export const GameReplicateBody = z.object({
  matchId,
  epoch: z.number().int().min(1),
  fromSeq: z.number().int().min(1),
  events: z.array(SignedEventBody).min(1).max(1000),
  stateHash: z.string().min(1).max(128),
});
export type GameReplicateBody = z.infer<typeof GameReplicateBody>;

/** Host → watcher nodes (Trinca extension): new events of a match a third node relays. */
export const GameNotifyBody = z.object({
  matchId,
  epoch: z.number().int().min(1),
  fromSeq: z.number().int().min(1),
  events: z.array(SignedEventBody).min(1).max(1000),
});
export type GameNotifyBody = z.infer<typeof GameNotifyBody>;

/** Node → host (Trinca extension): players of the host's matches connected to the sender. */
export const GamePresenceBody = z.object({ players: z.array(playerId).max(10_000) });
export type GamePresenceBody = z.infer<typeof GamePresenceBody>;

// ---- matchmaking (docs/design.md §3, §8; docs/protocol.md "Matchmaking") ------------------------
const reqId = z.string().min(1).max(128);

/** A peer offers its waiting player; the answering node may reserve one of its own. */
export const SolicitarOponenteBody = z.object({
  requestId: reqId,
  playerId,
  playerName: z.string().min(1).max(64),
  /** The asking node; must equal the caller's JWT server_id. */
  origin: nodeId,
});
export type SolicitarOponenteBody = z.infer<typeof SolicitarOponenteBody>;

export const SolicitarOponenteResponse = z.object({
  partida_encontrada: z.boolean(),
  /** The match id to create (chosen by the answering node, which reserved the opponent). */
  sala_id: matchId.optional(),
  oponente_id: playerId.optional(),
  oponente_nome: z.string().min(1).max(64).optional(),
  /** The answering node (where the opponent is connected); it becomes the match's shadow. */
  servidor_host: nodeId.optional(),
});
export type SolicitarOponenteResponse = z.infer<typeof SolicitarOponenteResponse>;

/** Commit (the ledger recorded the match) or release a reservation made by solicitar_oponente. */
export const ConfirmarPartidaBody = z.object({
  /** The requestId of the solicitar_oponente that made the reservation. */
  requestId: reqId,
  sala_id: matchId,
  commit: z.boolean(),
});
export type ConfirmarPartidaBody = z.infer<typeof ConfirmarPartidaBody>;

export const ConfirmarPartidaResponse = z.object({
  /** `unknown`: no such reservation from this origin (never made, or forgotten long ago). */
  status: z.enum(['committed', 'released', 'expired', 'unknown']),
});
export type ConfirmarPartidaResponse = z.infer<typeof ConfirmarPartidaResponse>;
