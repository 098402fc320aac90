// REST for the ledger: the stock (docs/design.md §3) and /raft/propose, through which a follower
// hands a command to the leader (documented in docs/protocol.md).
import Router from '@koa/router';
import { z } from 'zod';
import { parseBody, HttpError } from '../http/errors.ts';
import { BuyPackBody } from '../../protocol/rest.ts';
import { checkInvariants, collectionOf, getPlayer, ledgerCommandSchema, ledgerDigest, stockStatus, type LedgerResult } from './machine/index.ts';
import { LedgerUnavailableError, type LedgerService, type ProposeItem } from './service.ts';
import { NotLeaderError, ProposalLostError, type RaftNode } from '../raft/raft-node.ts';
import type { LedgerReplica } from './replica.ts';
import type { LinearizableRead } from './read-barrier.ts';
import type { PeerState } from '../http/app.ts';

/** Most commands one batched /raft/propose may carry (followers send at most 256). */
export const MAX_PROPOSE_BATCH = 1024;
const ProposeBody = z.union([
  z.object({ command: ledgerCommandSchema }),
  z.object({ commands: z.array(ledgerCommandSchema).min(1).max(MAX_PROPOSE_BATCH) }),
]);
const MEMBERSHIP = new Set(['ADD_MEMBER', 'PROMOTE_MEMBER', 'REMOVE_MEMBER']);

/** HTTP status for a refused ledger command. */
export function statusFor(code: string): number {
  if (code === 'UNKNOWN_PLAYER' || code === 'UNKNOWN_MATCH' || code === 'UNKNOWN_MEMBER') return 404;
  if (code === 'BAD_COMMAND') return 400;
  return 409;
}

export interface LedgerRouteDeps {
  raft: RaftNode<LedgerResult>;
  replica: LedgerReplica;
  service: LedgerService;
  read: LinearizableRead;
}

/** How long `GET /estoque/status?consistent=1` waits for a read index. */
const CONSISTENT_READ_MS = 2000;

export function ledgerRestRouter(deps: LedgerRouteDeps): Router<PeerState> {
  const r = new Router<PeerState>();

  // A follower hands commands to the leader: `{command}` → `{index, result}`, or a batch
  // `{commands: [...]}` → `{results: [{index, result} | {error, message}]}`, one item per
  // command in order (see LedgerService). Commands proposed in one turn share one BATCH
  // Raft entry (proposer.ts); each is answered on its own, as if sent alone.
  r.post('/raft/propose', async (ctx) => {
    const body = parseBody(ProposeBody, ctx.request.body);
    if ('command' in body) {
      const { command } = body;
      if (MEMBERSHIP.has(command.type)) throw new HttpError(400, 'BAD_REQUEST', `${command.type} goes through /register`);
      try {
        const { index, result } = await deps.service.proposeLocal(command);
        ctx.body = { index, result };
      } catch (err) {
        if (err instanceof NotLeaderError) throw new HttpError(503, 'NOT_LEADER', err.message);
        if (err instanceof ProposalLostError) throw new HttpError(503, 'UNAVAILABLE', err.message);
        throw err;
      }
      return;
    }
    if (!deps.raft.isLeader()) throw new HttpError(503, 'NOT_LEADER', new NotLeaderError(deps.raft.leader).message);
    const results: ProposeItem[] = await Promise.all(
      body.commands.map(async (command): Promise<ProposeItem> => {
        if (MEMBERSHIP.has(command.type)) return { error: 'BAD_REQUEST', message: `${command.type} goes through /register` };
        try {
          const { index, result } = await deps.service.proposeLocal(command);
          return { index, result };
        } catch (err) {
          if (err instanceof NotLeaderError) return { error: 'NOT_LEADER', message: err.message };
          if (err instanceof ProposalLostError) return { error: 'UNAVAILABLE', message: err.message };
          throw err;
        }
      }),
    );
    ctx.body = { results };
  });

  r.post('/estoque/comprar_pacote', async (ctx) => {
    const body = parseBody(BuyPackBody, ctx.request.body);
    const result = await submitOrThrow(deps.service, { type: 'BUY_PACK', ...body });
    if (!result.ok) throw new HttpError(statusFor(result.code), result.code, result.message);
    const ok = result as Extract<LedgerResult<'BUY_PACK'>, { ok: true }>;
    ctx.body = { cards: ok.cards, remaining: ok.remaining };
  });

  // Local replica by default (eventually consistent); `?consistent=1` waits for a read
  // index first (linearizable) and answers 503 UNAVAILABLE if it cannot get one in time.
  r.get('/estoque/status', async (ctx) => {
    const consistent = ctx.query.consistent === '1' || ctx.query.consistent === 'true';
    if (consistent) {
      try {
        await deps.read(CONSISTENT_READ_MS);
      } catch (err) {
        throw new HttpError(503, 'UNAVAILABLE', (err as Error).message);
      }
    }
    const s = stockStatus(deps.replica.state);
    const st = deps.raft.status();
    ctx.body = { total: s.total, remaining: s.remaining, sold: s.sold, leader: deps.raft.leader, term: st.term, commitIndex: st.commit, appliedIndex: deps.replica.state.lastApplied, consistent };
  });

  // Tooling and tests: compare replicas, check invariants, read a player's cards.
  r.get('/ledger/digest', (ctx) => {
    const { replica } = deps;
    ctx.body = { digest: ledgerDigest(replica.state), lastApplied: replica.state.lastApplied, violations: checkInvariants(replica.state) };
  });

  r.get('/ledger/players/:playerId/cards', (ctx) => {
    const { replica } = deps;
    const id = ctx.params.playerId;
    if (!getPlayer(replica.state, id)) throw new HttpError(404, 'UNKNOWN_PLAYER', `no player ${id}`);
    ctx.body = { playerId: id, cards: collectionOf(replica.state, id) };
  });

  return r;
}

export async function submitOrThrow(service: LedgerService, cmd: Parameters<LedgerService['submit']>[0]): Promise<LedgerResult> {
  try {
    return await service.submit(cmd);
  } catch (err) {
    if (err instanceof LedgerUnavailableError) throw new HttpError(503, err.code, err.message);
    throw err;
  }
}
