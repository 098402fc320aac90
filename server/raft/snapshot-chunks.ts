// InstallSnapshot in chunks (Raft thesis §5.3, hashicorp/raft): the leader serialises the
// snapshot once, sends it in bounded pieces (so each fits a peer-link frame and no single
// body grows with the ledger), and the follower assembles them in order and installs only a
// complete snapshot whose checksum matches. Pure apart from the CRC: no clock, no I/O.
import { crc32 } from 'node:zlib';
import type { ClusterConfig, NodeId, Snapshot } from './core/types.ts';

/** Bytes of serialised snapshot per chunk: 256 KiB (≈ 342 KiB of base64), well under a 1 MiB frame. */
export const SNAPSHOT_CHUNK_BYTES = 256 * 1024;
/** Largest chunk a follower accepts (a sender may use a smaller size, never a larger one). */
export const MAX_CHUNK_BYTES = 512 * 1024;
/** Largest snapshot a follower assembles (the old one-body limit). */
export const MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024;

/** What identifies one snapshot transfer; every chunk of it repeats these. */
export interface ChunkHeader {
  term: number;
  leaderId: NodeId;
  lastIncludedIndex: number;
  lastIncludedTerm: number;
  config: ClusterConfig;
  /** Length of the whole serialised snapshot data, in bytes. */
  total: number;
  /** CRC-32 of the whole serialised snapshot data. */
  checksum: number;
}

export interface Chunk extends ChunkHeader {
  /** Byte offset of this chunk in the serialised data. */
  offset: number;
  bytes: Buffer;
  /** The last chunk: offset + bytes.length === total. */
  done: boolean;
}

/** The snapshot's data serialised (JSON), with its checksum. */
export interface SerialisedSnapshot {
  bytes: Buffer;
  checksum: number;
}

const serialised = new WeakMap<Snapshot, SerialisedSnapshot>();

/**
 * Serialises a snapshot's data once per snapshot object: the core hands out the same object
 * for every follower and every resend, so a lagging follower does not cost a new
 * JSON.stringify of the whole ledger each time.
 */
export function serialiseSnapshot(s: Snapshot): SerialisedSnapshot {
  let out = serialised.get(s);
  if (!out) {
    const bytes = Buffer.from(JSON.stringify(s.data ?? null));
    out = { bytes, checksum: crc32(bytes) };
    serialised.set(s, out);
  }
  return out;
}

/** The chunk starting at `offset` (a chunk is at most `size` bytes; an empty snapshot is one empty chunk). */
export function chunkAt(header: Omit<ChunkHeader, 'total' | 'checksum'>, ser: SerialisedSnapshot, offset: number, size = SNAPSHOT_CHUNK_BYTES): Chunk {
  const total = ser.bytes.length;
  const end = Math.min(total, offset + size);
  return { ...header, total, checksum: ser.checksum, offset, bytes: ser.bytes.subarray(offset, end), done: end === total };
}

/** What the follower makes of one chunk. */
export type ChunkOutcome =
  /** Kept (or a duplicate of what is kept): send the chunk at `next`. */
  | { kind: 'partial'; next: number }
  /** The last chunk arrived and the checksum matches: install `data`. */
  | { kind: 'complete'; header: ChunkHeader; data: unknown }
  /** Refused (bad sizes, checksum mismatch, unreadable data): nothing kept; start again at 0. */
  | { kind: 'refused'; reason: string };

interface Assembly {
  header: ChunkHeader;
  parts: Buffer[];
  received: number;
}

const sameTransfer = (a: ChunkHeader, b: ChunkHeader) =>
  a.term === b.term && a.leaderId === b.leaderId && a.lastIncludedIndex === b.lastIncludedIndex && a.lastIncludedTerm === b.lastIncludedTerm && a.total === b.total && a.checksum === b.checksum;

/**
 * Follower side: one transfer in assembly per sender. Chunks must come in order; a
 * duplicate of a chunk already kept is ignored and a gap (a lost chunk) is answered with
 * the offset the follower needs, so the sender resumes from there. A chunk of a different
 * transfer at offset 0 replaces the one in assembly (the leader started over, or has a
 * newer snapshot); at another offset it is answered with 0.
 */
export class SnapshotAssembler {
  private readonly inProgress = new Map<NodeId, Assembly>();

  constructor(private readonly limits: { maxChunkBytes: number; maxSnapshotBytes: number } = { maxChunkBytes: MAX_CHUNK_BYTES, maxSnapshotBytes: MAX_SNAPSHOT_BYTES }) {}

  add(from: NodeId, c: Chunk): ChunkOutcome {
    const problem = this.check(c);
    if (problem) {
      this.inProgress.delete(from);
      return { kind: 'refused', reason: problem };
    }
    let a = this.inProgress.get(from);
    if (!a || !sameTransfer(a.header, c)) {
      if (c.offset !== 0) return { kind: 'partial', next: 0 };
      a = { header: headerOf(c), parts: [], received: 0 };
      this.inProgress.set(from, a);
    }
    if (c.offset !== a.received) return { kind: 'partial', next: a.received };
    a.parts.push(Buffer.from(c.bytes));
    a.received += c.bytes.length;
    if (!c.done) return { kind: 'partial', next: a.received };
    this.inProgress.delete(from);
    const bytes = Buffer.concat(a.parts, a.received);
    if (crc32(bytes) !== a.header.checksum) return { kind: 'refused', reason: 'snapshot checksum mismatch: a chunk was corrupted' };
    let data: unknown;
    try {
      data = JSON.parse(bytes.toString('utf8'));
    } catch {
      return { kind: 'refused', reason: 'snapshot data is not JSON' };
    }
    return { kind: 'complete', header: a.header, data };
  }

  /** Bytes held for unfinished transfers (for tests and metrics). */
  heldBytes(): number {
    let n = 0;
    for (const a of this.inProgress.values()) n += a.received;
    return n;
  }

  /** Drops what `from` was sending (it left the cluster, or the transfer is moot). */
  forget(from: NodeId): void {
    this.inProgress.delete(from);
  }

  private check(c: Chunk): string | null {
    if (c.total > this.limits.maxSnapshotBytes) return `snapshot of ${c.total} bytes is over the ${this.limits.maxSnapshotBytes}-byte limit`;
    if (c.bytes.length > this.limits.maxChunkBytes) return `chunk of ${c.bytes.length} bytes is over the ${this.limits.maxChunkBytes}-byte limit`;
    if (c.offset + c.bytes.length > c.total) return 'chunk runs past the snapshot\'s total size';
    if (c.done !== (c.offset + c.bytes.length === c.total)) return 'done must be set exactly on the chunk that ends the snapshot';
    if (!c.done && c.bytes.length === 0) return 'an empty chunk must be the last one';
    return null;
  }
}

function headerOf(c: Chunk): ChunkHeader {
  return { term: c.term, leaderId: c.leaderId, lastIncludedIndex: c.lastIncludedIndex, lastIncludedTerm: c.lastIncludedTerm, config: c.config, total: c.total, checksum: c.checksum };
}
