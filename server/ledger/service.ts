// Submitting ledger commands from any node: the leader proposes them; a follower forwards
// them to the leader (POST /raft/propose). Every command is idempotent by its own id, so a
// retry after a leader change or a lost reply can never apply twice (thesis §6.3).
//
// Forwarding is batched: commands submitted on a follower while its earlier forwards are
// in flight travel together in one `{commands: [...]}` call (at most `maxInflight` calls
// per leader at a time, `maxBatch` commands each). The leader proposes them back to back,
// so they share its next Ready (one WAL write, one append per follower), and answers each
// one separately. Under load this turns one HTTP round trip per purchase into one per
// batch on both sides, which is where the CPU went (docs/benchmarks.md).
import { NotLeaderError, ProposalLostError, type RaftNode } from '../raft/raft-node.ts';
import { PeerRefusedError, PeerUnreachableError, type PeerClient } from '../http/peer-client.ts';
import type { LedgerCommand, LedgerResult } from './machine/index.ts';
import { BatchingProposer, type Proposed } from './proposer.ts';
import type { Logger } from '../log.ts';

export class LedgerUnavailableError extends Error {
  constructor(
    readonly code: 'NO_LEADER' | 'TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

export interface ProposeReply {
  index: number;
  result: LedgerResult;
}

/** One item of a batched `/raft/propose` answer: the command's outcome, or why it has none. */
export type ProposeItem = ProposeReply | { error: string; message: string };

export interface BatchProposeReply {
  results: ProposeItem[];
}

export interface ForwardingOptions {
  /** Batched forward calls in flight per leader address. */
  maxInflight?: number;
  /** Most commands in one forward call. */
  maxBatch?: number;
}

interface Queued {
  cmd: LedgerCommand;
  resolve: (r: ProposeReply) => void;
  reject: (e: Error) => void;
  deadline: number;
  timer: NodeJS.Timeout;
  settled: boolean;
}

interface Lane {
  queue: Queued[];
  inflight: number;
  scheduled: boolean;
}

/** HTTP status a forwarded command's per-item error stands for (as a single forward would answer). */
const ITEM_STATUS: Record<string, number> = { NOT_LEADER: 503, UNAVAILABLE: 503, BAD_REQUEST: 400 };

/** Players whose own records a command writes (read-your-writes is kept for them). */
export function playersWritten(cmd: LedgerCommand): string[] {
  const c = cmd as Partial<Record<'playerId' | 'fromPlayerId' | 'toPlayerId' | 'byPlayerId', string>> & { players?: string[] };
  const out = [c.playerId, c.fromPlayerId, c.toPlayerId, c.byPlayerId, ...(c.players ?? [])];
  return out.filter((p): p is string => typeof p === 'string');
}

export class LedgerService {
  private readonly lanes = new Map<string, Lane>();
  /** Per player, the sequence number of the last write through this node that finished. */
  private readonly lastWrite = new Map<string, number>();
  private writeSeq = 0;
  private readonly maxInflight: number;
  private readonly maxBatch: number;
  /** While leading: this turn's proposals become one Raft entry (proposer.ts). */
  readonly proposer: BatchingProposer;

  constructor(
    private readonly raft: RaftNode<LedgerResult>,
    private readonly client: PeerClient,
    private readonly addressOf: (id: string) => string | undefined,
    private readonly log: Logger,
    opts: ForwardingOptions = {},
  ) {
    this.maxInflight = Math.max(1, opts.maxInflight ?? 4);
    this.maxBatch = Math.max(1, opts.maxBatch ?? 256);
    this.proposer = new BatchingProposer(raft);
  }

  /** Proposes on this node, which must lead (the /raft/propose route): batched with this turn's other proposals. */
  proposeLocal(cmd: LedgerCommand, timeoutMs = 5000): Promise<Proposed> {
    if (!this.raft.isLeader()) return Promise.reject(new NotLeaderError(this.raft.leader));
    return this.proposer.propose(cmd, timeoutMs);
  }

  /**
   * A number that grows whenever a write involving `playerId` submitted through this node
   * finishes (committed, refused or timed out: its outcome may be in the log either way);
   * 0 if none. A read for the player that follows a change of it must be linearizable.
   */
  writeSeqOf(playerId: string): number {
    return this.lastWrite.get(playerId) ?? 0;
  }

  /** Commits a command through the leader and returns its result; retries across leader changes. */
  async submit(cmd: LedgerCommand, timeoutMs = 8000): Promise<LedgerResult> {
    try {
      return await this.commit(cmd, timeoutMs);
    } finally {
      const seq = ++this.writeSeq;
      for (const p of playersWritten(cmd)) this.lastWrite.set(p, seq);
    }
  }

  private async commit(cmd: LedgerCommand, timeoutMs: number): Promise<LedgerResult> {
    const deadline = performance.now() + timeoutMs;
    let lastProblem = 'no leader elected';
    while (performance.now() < deadline) {
      const left = Math.max(100, deadline - performance.now());
      if (this.raft.isLeader()) {
        try {
          const r = await this.proposer.propose(cmd, Math.min(left, 5000));
          return r.result;
        } catch (err) {
          if (!(err instanceof NotLeaderError || err instanceof ProposalLostError)) throw err;
          lastProblem = err.message;
        }
      } else {
        const leader = this.raft.leader;
        const address = leader ? this.addressOf(leader) : undefined;
        if (leader && address) {
          try {
            const r = await this.forward(address, cmd, Math.min(left, 5000));
            // Usually enough for the player's next read here; when it is not, that read
            // waits for a read index instead (writeSeqOf).
            await this.raft.waitApplied(r.index, 2000);
            return r.result;
          } catch (err) {
            lastProblem = `forwarding to ${leader}: ${(err as Error).message}`;
            if (err instanceof PeerRefusedError && err.status < 500 && err.code !== 'NOT_LEADER') throw err;
          }
        }
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    this.log.warn({ type: cmd.type, lastProblem }, 'ledger command not committed in time');
    throw new LedgerUnavailableError(this.raft.leader ? 'TIMEOUT' : 'NO_LEADER', `ledger unavailable: ${lastProblem}`);
  }

  /** Hands `cmd` to the leader at `address` in the next batch; rejects after `timeoutMs` without an answer. */
  private forward(address: string, cmd: LedgerCommand, timeoutMs: number): Promise<ProposeReply> {
    let lane = this.lanes.get(address);
    if (!lane) {
      lane = { queue: [], inflight: 0, scheduled: false };
      this.lanes.set(address, lane);
    }
    return new Promise<ProposeReply>((resolve, reject) => {
      const q: Queued = {
        cmd,
        deadline: performance.now() + timeoutMs,
        settled: false,
        timer: setTimeout(() => settle(q, new PeerUnreachableError(`${address}/raft/propose`, `timed out after ${timeoutMs} ms`)), timeoutMs),
        resolve,
        reject,
      };
      lane.queue.push(q);
      this.pump(address, lane);
    });
  }

  /** Sends queued commands if the lane has room; commands submitted in the same turn share a call. */
  private pump(address: string, lane: Lane): void {
    if (lane.scheduled || lane.inflight >= this.maxInflight || lane.queue.length === 0) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      while (lane.inflight < this.maxInflight && lane.queue.length > 0) {
        const batch = lane.queue.splice(0, this.maxBatch).filter((q) => !q.settled);
        if (batch.length > 0) void this.send(address, lane, batch);
      }
    });
  }

  private async send(address: string, lane: Lane, batch: Queued[]): Promise<void> {
    lane.inflight++;
    const now = performance.now();
    const timeoutMs = Math.max(100, Math.min(5000, Math.max(...batch.map((q) => q.deadline - now))));
    try {
      if (batch.length === 1) {
        // The single-command body: what a lone forward has always sent.
        const r = await this.client.post<ProposeReply>(address, '/raft/propose', { command: batch[0].cmd }, { timeoutMs });
        settle(batch[0], r);
      } else {
        const r = await this.client.post<BatchProposeReply>(address, '/raft/propose', { commands: batch.map((q) => q.cmd) }, { timeoutMs });
        const results = Array.isArray(r?.results) ? r.results : [];
        batch.forEach((q, i) => {
          const item = results[i];
          if (!item) settle(q, new PeerRefusedError(`${address}/raft/propose`, 502, 'BAD_RESPONSE', 'batch answer is missing an item'));
          else if ('error' in item) settle(q, new PeerRefusedError(`${address}/raft/propose`, ITEM_STATUS[item.error] ?? 500, item.error, item.message));
          else settle(q, item);
        });
      }
    } catch (err) {
      for (const q of batch) settle(q, err as Error);
    } finally {
      lane.inflight--;
      this.pump(address, lane);
      if (lane.inflight === 0 && lane.queue.length === 0) this.lanes.delete(address);
    }
  }
}

function settle(q: Queued, outcome: ProposeReply | Error): void {
  if (q.settled) return;
  q.settled = true;
  clearTimeout(q.timer);
  if (outcome instanceof Error) q.reject(outcome);
  else q.resolve(outcome);
}
