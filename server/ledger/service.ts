// Submitting ledger commands from any node: the leader proposes them; a follower forwards
// them to the leader (POST /raft/propose). Every command is idempotent by its own id, so a
// retry after a leader change or a lost reply can never apply twice (thesis §6.3).
import { NotLeaderError, ProposalLostError, type RaftNode } from '../raft/raft-node.ts';
import { PeerRefusedError, type PeerClient } from '../http/peer-client.ts';
import type { LedgerCommand, LedgerResult } from './machine/index.ts';
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

export class LedgerService {
  constructor(
    private readonly raft: RaftNode<LedgerResult>,
    private readonly client: PeerClient,
    private readonly addressOf: (id: string) => string | undefined,
    private readonly log: Logger,
  ) {}

  /** Commits a command through the leader and returns its result; retries across leader changes. */
  async submit(cmd: LedgerCommand, timeoutMs = 8000): Promise<LedgerResult> {
    const deadline = performance.now() + timeoutMs;
    let lastProblem = 'no leader elected';
    while (performance.now() < deadline) {
      const left = Math.max(100, deadline - performance.now());
      if (this.raft.isLeader()) {
        try {
          const r = await this.raft.propose(cmd, Math.min(left, 5000));
          return r.result ?? { ok: false, code: 'BAD_COMMAND', message: 'entry applied without a result' };
        } catch (err) {
          if (!(err instanceof NotLeaderError || err instanceof ProposalLostError)) throw err;
          lastProblem = err.message;
        }
      } else {
        const leader = this.raft.leader;
        const address = leader ? this.addressOf(leader) : undefined;
        if (leader && address) {
          try {
            const r = await this.client.post<ProposeReply>(address, '/raft/propose', { command: cmd }, { timeoutMs: Math.min(left, 5000) });
            // Read-your-writes: the player's next read is served by this node's replica.
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
}
