// InstallSnapshot in chunks (thesis §5.3): the sender's loop (transport.ts) against the
// follower's assembler, over an in-memory "wire" that can lose, duplicate or corrupt a chunk.
import { describe, expect, it } from 'vitest';
import { InstallSnapshotBody, InstallSnapshotChunkBody } from '../../protocol/rest.ts';
import { parseBody, type HttpError } from '../http/errors.ts';
import { PeerRefusedError, type PeerClient } from '../http/peer-client.ts';
import { RAFT_PATHS, sendRequest, sendSnapshotChunks, type ChunkReply } from './transport.ts';
import { chunkAt, serialiseSnapshot, SnapshotAssembler, SNAPSHOT_CHUNK_BYTES, type Chunk } from './snapshot-chunks.ts';
import type { Snapshot, SnapshotRequest } from './core/types.ts';

/** Snapshot data whose JSON is about `bytes` long, with enough variety to notice a misplaced chunk. */
function bigData(bytes: number): unknown {
  const rows: string[] = [];
  for (let i = 0, n = 0; n < bytes; i++) {
    const r = `row-${i}-${(i * 2654435761) % 1_000_003}`;
    rows.push(r);
    n += r.length + 3;
  }
  return { rows };
}

function request(data: unknown): SnapshotRequest {
  const snapshot: Snapshot = { lastIncludedIndex: 42, lastIncludedTerm: 3, config: { voters: ['a', 'b', 'c'], learners: [] }, data };
  return { type: 'snapshot', from: 'a', to: 'b', term: 3, leaderId: 'a', snapshot };
}

/**
 * The follower end of the wire, as routes.ts does it: the body is validated by the real
 * schema, assembled, and "installed" (recorded) only when complete. `tamper` may drop (null),
 * duplicate (two bodies) or alter a chunk body by its sequence number.
 */
function follower(tamper: (seq: number, body: Record<string, unknown>) => Record<string, unknown>[] = (_s, b) => [b]) {
  const asm = new SnapshotAssembler();
  const installed: unknown[] = [];
  const sent: number[] = [];
  let seq = 0;
  const post = async (raw: unknown): Promise<ChunkReply> => {
    const bodies = tamper(seq++, raw as Record<string, unknown>);
    if (bodies.length === 0) throw new Error('lost');
    let reply: ChunkReply | null = null;
    for (const body of bodies) {
      const c = InstallSnapshotChunkBody.parse(body);
      sent.push(c.offset);
      const out = asm.add('a', { ...c, bytes: Buffer.from(c.chunk, 'base64') });
      if (out.kind === 'refused') throw new Error(`400 ${out.reason}`);
      if (out.kind === 'partial') reply = { term: 3, matchIndex: 0, next: out.next };
      else {
        installed.push(out.data);
        reply = { term: 3, matchIndex: out.header.lastIncludedIndex };
      }
    }
    return reply!;
  };
  return { asm, installed, sent, post };
}

const CHUNK = 64 * 1024;

describe('InstallSnapshot in chunks (thesis §5.3)', () => {
  it('a snapshot larger than one chunk travels in bounded chunks and is installed once, whole, at the end', async () => {
    const m = request(bigData(3.5 * CHUNK));
    const total = serialiseSnapshot(m.snapshot).bytes.length;
    expect(total).toBeGreaterThan(3 * CHUNK);
    const f = follower((seq, b) => {
      // Nothing is installed before the last chunk.
      if (seq < 3) expect(f.installed).toHaveLength(0);
      return [b];
    });
    const resp = await sendSnapshotChunks(f.post, m, CHUNK);
    expect(resp).toEqual({ type: 'snapshotResp', from: 'b', to: 'a', term: 3, matchIndex: 42 });
    expect(f.sent).toEqual([0, CHUNK, 2 * CHUNK, 3 * CHUNK]);
    expect(f.installed).toEqual([m.snapshot.data]);
    expect(f.asm.heldBytes()).toBe(0);
  });

  it('the default chunk keeps every body far below the 1 MiB frame and body limit', () => {
    const m = request(bigData(3 * SNAPSHOT_CHUNK_BYTES));
    const ser = serialiseSnapshot(m.snapshot);
    const c = chunkAt({ term: 3, leaderId: 'a', lastIncludedIndex: 42, lastIncludedTerm: 3, config: m.snapshot.config }, ser, 0);
    expect(c.bytes.length).toBe(SNAPSHOT_CHUNK_BYTES);
    expect(c.done).toBe(false);
    const body = JSON.stringify({ ...c, bytes: undefined, chunk: c.bytes.toString('base64') });
    expect(body.length).toBeLessThan(512 * 1024);
  });

  it('a lost chunk: the follower keeps what came in order and the sender resumes where it asks', async () => {
    const m = request(bigData(3.5 * CHUNK));
    // The second chunk is lost in flight (its POST fails); the sender's next try is the third,
    // which is out of order: the follower answers with the offset it still needs.
    let lostOnce = false;
    const f = follower((_seq, b) => {
      if (b.offset === CHUNK && !lostOnce) {
        lostOnce = true;
        return [];
      }
      return [b];
    });
    // A failed POST fails the whole send (sendRequest turns it into a lost message): the
    // core sends the snapshot again later...
    await expect(sendSnapshotChunks(f.post, m, CHUNK)).rejects.toThrow('lost');
    expect(f.installed).toHaveLength(0);
    expect(f.asm.heldBytes()).toBe(CHUNK);
    // ...and the retry starts at 0, which the follower treats as a duplicate and answers
    // with the offset it needs; the rest follows and the snapshot is installed once.
    const resp = await sendSnapshotChunks(f.post, m, CHUNK);
    expect(resp?.matchIndex).toBe(42);
    expect(f.installed).toEqual([m.snapshot.data]);
  });

  it('a chunk that skips ahead (a gap) is not kept: the follower asks for the missing offset', () => {
    const m = request(bigData(3.5 * CHUNK));
    const ser = serialiseSnapshot(m.snapshot);
    const h = { term: 3, leaderId: 'a', lastIncludedIndex: 42, lastIncludedTerm: 3, config: m.snapshot.config };
    const asm = new SnapshotAssembler();
    expect(asm.add('a', chunkAt(h, ser, 0, CHUNK))).toEqual({ kind: 'partial', next: CHUNK });
    expect(asm.add('a', chunkAt(h, ser, 2 * CHUNK, CHUNK))).toEqual({ kind: 'partial', next: CHUNK });
    expect(asm.add('a', chunkAt(h, ser, 3 * CHUNK, CHUNK))).toEqual({ kind: 'partial', next: CHUNK });
    expect(asm.heldBytes()).toBe(CHUNK);
  });

  it('a duplicated chunk changes nothing: the snapshot is assembled exactly once', async () => {
    const m = request(bigData(3.5 * CHUNK));
    const f = follower((seq, b) => (seq === 1 || seq === 2 ? [b, b] : [b]));
    const resp = await sendSnapshotChunks(f.post, m, CHUNK);
    expect(resp?.matchIndex).toBe(42);
    expect(f.installed).toEqual([m.snapshot.data]);
  });

  it('a corrupted chunk fails the checksum: nothing is installed and the transfer starts over', async () => {
    const m = request(bigData(2.5 * CHUNK));
    let corrupt = true;
    const f = follower((_seq, b) => {
      if (b.offset === CHUNK && corrupt) {
        corrupt = false;
        const bytes = Buffer.from(b.chunk as string, 'base64');
        bytes[100] ^= 0xff;
        return [{ ...b, chunk: bytes.toString('base64') }];
      }
      return [b];
    });
    await expect(sendSnapshotChunks(f.post, m, CHUNK)).rejects.toThrow(/checksum mismatch/);
    expect(f.installed).toHaveLength(0);
    expect(f.asm.heldBytes()).toBe(0);
    expect((await sendSnapshotChunks(f.post, m, CHUNK))?.matchIndex).toBe(42);
    expect(f.installed).toEqual([m.snapshot.data]);
  });

  it('a newer transfer from the same leader replaces an unfinished one; a stray middle chunk is answered with 0', () => {
    const a = request(bigData(2.5 * CHUNK));
    const b = request(bigData(1.5 * CHUNK + 7));
    b.snapshot.lastIncludedIndex = 50;
    const hdr = (m: SnapshotRequest) => ({ term: 3, leaderId: 'a', lastIncludedIndex: m.snapshot.lastIncludedIndex, lastIncludedTerm: 3, config: m.snapshot.config });
    const asm = new SnapshotAssembler();
    asm.add('a', chunkAt(hdr(a), serialiseSnapshot(a.snapshot), 0, CHUNK));
    expect(asm.add('a', chunkAt(hdr(b), serialiseSnapshot(b.snapshot), CHUNK, CHUNK))).toEqual({ kind: 'partial', next: 0 });
    expect(asm.add('a', chunkAt(hdr(b), serialiseSnapshot(b.snapshot), 0, CHUNK))).toEqual({ kind: 'partial', next: CHUNK });
    const out = asm.add('a', chunkAt(hdr(b), serialiseSnapshot(b.snapshot), CHUNK, CHUNK));
    expect(out).toMatchObject({ kind: 'complete', header: { lastIncludedIndex: 50 }, data: b.snapshot.data });
  });

  it('chunks that lie about sizes are refused and leave nothing behind', () => {
    const asm = new SnapshotAssembler({ maxChunkBytes: 1024, maxSnapshotBytes: 4096 });
    const h = { term: 3, leaderId: 'a', lastIncludedIndex: 1, lastIncludedTerm: 1, config: { voters: ['a'], learners: [] }, checksum: 0 };
    const chunk = (o: Partial<Chunk>): Chunk => ({ ...h, total: 2048, offset: 0, bytes: Buffer.alloc(1024), done: false, ...o });
    expect(asm.add('a', chunk({ total: 1 << 20 }))).toMatchObject({ kind: 'refused', reason: /over the 4096-byte limit/ });
    expect(asm.add('a', chunk({ bytes: Buffer.alloc(2048) }))).toMatchObject({ kind: 'refused', reason: /over the 1024-byte limit/ });
    expect(asm.add('a', chunk({ offset: 1536 }))).toMatchObject({ kind: 'refused', reason: /past the snapshot/ });
    expect(asm.add('a', chunk({ done: true }))).toMatchObject({ kind: 'refused', reason: /done must be set/ });
    expect(asm.add('a', chunk({ bytes: Buffer.alloc(0) }))).toMatchObject({ kind: 'refused', reason: /empty chunk/ });
    expect(asm.heldBytes()).toBe(0);
  });

  it('a follower that keeps asking for more does not hold the sender forever', async () => {
    const m = request(bigData(2.5 * CHUNK));
    let posts = 0;
    const resp = await sendSnapshotChunks(async () => {
      posts++;
      return { term: 3, matchIndex: 0, next: 0 };
    }, m, CHUNK);
    expect(resp).toBeNull();
    expect(posts).toBe(2 * 3 + 4);
  });

  it('a follower in a newer term answers the first chunk: the sender stops and hands the term to its core', async () => {
    const m = request(bigData(2.5 * CHUNK));
    const resp = await sendSnapshotChunks(async () => ({ term: 9, matchIndex: 0 }), m, CHUNK);
    expect(resp).toEqual({ type: 'snapshotResp', from: 'b', to: 'a', term: 9, matchIndex: 0 });
  });

  it('a peer from before chunking (one-body form only) still gets the snapshot', async () => {
    const m = request(bigData(1.5 * CHUNK));
    const bodies: string[] = [];
    // The old peer's route: the one-body schema, its 400 as the HTTP client reports it.
    const oldPeer = {
      async post<T>(url: string, path: string, body: unknown): Promise<T> {
        expect(path).toBe(RAFT_PATHS.snapshot);
        try {
          const b = parseBody(InstallSnapshotBody, body);
          bodies.push('whole');
          expect(b.data).toEqual(m.snapshot.data);
          return { term: 3, matchIndex: b.lastIncludedIndex } as T;
        } catch (err) {
          bodies.push('chunk');
          const e = err as HttpError;
          throw new PeerRefusedError(url, e.status, e.code, e.message);
        }
      },
    } as unknown as PeerClient;
    const resp = await sendRequest(oldPeer, 'http://old', m, 1000);
    expect(resp).toEqual({ type: 'snapshotResp', from: 'b', to: 'a', term: 3, matchIndex: 42 });
    expect(bodies).toEqual(['chunk', 'whole']);
  });
});
