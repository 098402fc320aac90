// REST endpoints of the Raft transport (docs/design.md §3). The sender is the JWT's server_id;
// a body naming someone else as candidate or leader is a forgery and is refused.
import Router from '@koa/router';
import { parseBody, HttpError } from '../http/errors.ts';
import { AppendBody, InstallSnapshotBody, InstallSnapshotChunkBody, TimeoutNowBody, VoteBody } from '../../protocol/rest.ts';
import type { PeerState } from '../http/app.ts';
import { NotLeaderError, ReadIndexError, type RaftNode } from './raft-node.ts';
import { z } from 'zod';
import type { ClusterConfig, Entry, RaftMessage } from './core/types.ts';
import { SnapshotAssembler } from './snapshot-chunks.ts';

/** `validSnapshot` checks snapshot data before the core may accept it (a bad one is a 400). */
/**
 * `isMember` says whether a sender belongs to the cluster (the address book the replicated
 * membership feeds): holding the secret is not enough to take part in elections or replication.
 */
export function raftRestRouter(
  self: string,
  raft: RaftNode<unknown>,
  validSnapshot: (data: unknown) => boolean,
  isMember: (id: string) => boolean,
): Router<PeerState> {
  const r = new Router<PeerState>();
  const sender = (peer: string | undefined, claimed: string) => {
    if (peer !== claimed) throw new HttpError(403, 'FORBIDDEN', `message claims to come from ${claimed} but the token is ${peer}`);
    if (!isMember(claimed)) throw new HttpError(403, 'NOT_A_MEMBER', `${claimed} is not a member of this cluster`);
    return claimed;
  };
  const reply = async (msg: RaftMessage) => {
    try {
      return await raft.handle(msg);
    } catch (err) {
      throw new HttpError(503, 'UNAVAILABLE', (err as Error).message);
    }
  };

  r.post('/eleicao/solicitar_voto', async (ctx) => {
    const b = parseBody(VoteBody, ctx.request.body);
    const from = sender(ctx.state.peer, b.candidateId);
    const m = await reply({ type: 'vote', from, to: self, ...b });
    if (m.type !== 'voteResp') throw new HttpError(500, 'INTERNAL', 'unexpected raft reply');
    ctx.body = { term: m.term, voteGranted: m.voteGranted };
  });

  r.post('/eleicao/declarar_lider', async (ctx) => {
    const b = parseBody(AppendBody, ctx.request.body);
    const from = sender(ctx.state.peer, b.leaderId);
    for (let i = 1; i < b.entries.length; i++) {
      if (b.entries[i].index !== b.entries[i - 1].index + 1) throw new HttpError(400, 'BAD_REQUEST', 'entries must have consecutive indexes');
    }
    if (b.entries.length > 0 && b.entries[0].index !== b.prevLogIndex + 1) throw new HttpError(400, 'BAD_REQUEST', 'first entry must follow prevLogIndex');
    const m = await reply({ type: 'append', from, to: self, ...b, entries: b.entries as Entry[] });
    if (m.type !== 'appendResp') throw new HttpError(500, 'INTERNAL', 'unexpected raft reply');
    ctx.body = { term: m.term, success: m.success, matchIndex: m.matchIndex, ...(m.conflictIndex !== undefined ? { conflictIndex: m.conflictIndex } : {}) };
  });

  // InstallSnapshot comes in chunks (snapshot-chunks.ts) that are assembled here; only a
  // complete, checksummed snapshot reaches the core. The one-body form is still accepted.
  const assembler = new SnapshotAssembler();
  r.post('/raft/install_snapshot', async (ctx) => {
    const raw = ctx.request.body as Record<string, unknown> | undefined;
    let b: { term: number; leaderId: string; lastIncludedIndex: number; lastIncludedTerm: number; config: ClusterConfig; data: unknown };
    let from: string;
    if (raw && typeof raw === 'object' && 'chunk' in raw) {
      const c = parseBody(InstallSnapshotChunkBody, raw);
      from = sender(ctx.state.peer, c.leaderId);
      const term = raft.status().term;
      if (c.term < term) {
        // A deposed leader: our term makes it step down; keep nothing of its snapshot.
        assembler.forget(from);
        ctx.body = { term, matchIndex: 0 };
        return;
      }
      const out = assembler.add(from, { ...c, bytes: Buffer.from(c.chunk, 'base64') });
      if (out.kind === 'refused') throw new HttpError(400, 'BAD_REQUEST', out.reason);
      if (out.kind === 'partial') {
        ctx.body = { term: Math.max(term, c.term), matchIndex: 0, next: out.next };
        return;
      }
      b = { ...out.header, data: out.data };
    } else {
      b = parseBody(InstallSnapshotBody, raw);
      from = sender(ctx.state.peer, b.leaderId);
    }
    if (!validSnapshot(b.data)) throw new HttpError(400, 'BAD_REQUEST', 'snapshot data is not a valid ledger snapshot of this cluster');
    const m = await reply({
      type: 'snapshot',
      from,
      to: self,
      term: b.term,
      leaderId: b.leaderId,
      snapshot: { lastIncludedIndex: b.lastIncludedIndex, lastIncludedTerm: b.lastIncludedTerm, config: b.config, data: b.data },
    });
    if (m.type !== 'snapshotResp') throw new HttpError(500, 'INTERNAL', 'unexpected raft reply');
    ctx.body = { term: m.term, matchIndex: m.matchIndex };
  });

  // Leadership transfer (thesis §3.10): the leader asks this voter to campaign now. One-way
  // in the core; the answer only says the message was taken.
  r.post('/raft/timeout_now', async (ctx) => {
    const b = parseBody(TimeoutNowBody, ctx.request.body);
    const from = sender(ctx.state.peer, b.leaderId);
    try {
      raft.deliver({ type: 'timeoutNow', from, to: self, term: b.term, leaderId: b.leaderId });
    } catch (err) {
      throw new HttpError(503, 'UNAVAILABLE', (err as Error).message);
    }
    ctx.body = {};
  });

  // ReadIndex for a follower (thesis §6.4): only the leader answers, with an index its
  // majority confirmed it still leads at; the follower waits until it has applied it.
  r.post('/raft/read_index', async (ctx) => {
    const b = parseBody(ReadIndexBody, ctx.request.body ?? {});
    const from = ctx.state.peer;
    if (!from || !isMember(from)) throw new HttpError(403, 'NOT_A_MEMBER', `${from ?? 'the caller'} is not a member of this cluster`);
    try {
      ctx.body = { index: await raft.readIndex(Math.min(b.timeoutMs ?? READ_INDEX_DEFAULT_MS, READ_INDEX_MAX_MS)) };
    } catch (err) {
      if (err instanceof NotLeaderError) throw new HttpError(503, 'NOT_LEADER', err.message);
      if (err instanceof ReadIndexError) throw new HttpError(503, 'UNAVAILABLE', err.message);
      throw err;
    }
  });

  return r;
}

const READ_INDEX_DEFAULT_MS = 1000;
const READ_INDEX_MAX_MS = 5000;
const ReadIndexBody = z.object({ timeoutMs: z.number().int().positive().optional() });
