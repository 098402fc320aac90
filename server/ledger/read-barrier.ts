// A read barrier for local ledger reads that a player acts on (ReadIndex, Raft thesis §6.4,
// without the leader's heartbeat round): ask the leader for its commit index, then wait
// until this replica has applied that far. A node that has just restarted replays or
// fetches the log for a while; without the barrier it would greet its players from that
// old state, where a finished match still looks active and a client picks a hand for it.
// Best effort by design: with no leader, or past the deadline, the
// caller goes on with the local state (`false`), which is what it had before.
import type { PeerClient } from '../http/peer-client.ts';
import type { RaftNode } from '../raft/raft-node.ts';

export interface ReadBarrierDeps {
  raft: () => Pick<RaftNode<unknown>, 'status' | 'waitApplied'> | null;
  client: PeerClient;
  addressOf: (nodeId: string) => string | undefined;
}

/** Resolves true once this replica has applied what the leader had committed when asked. */
export async function readBarrier(deps: ReadBarrierDeps, timeoutMs: number): Promise<boolean> {
  const raft = deps.raft();
  if (!raft) return false;
  const deadline = performance.now() + timeoutMs;
  const st = raft.status();
  let commit = st.commit;
  if (st.role !== 'leader') {
    const address = st.leader ? deps.addressOf(st.leader) : undefined;
    if (!address) return false;
    const answer = await deps.client
      .get<{ commitIndex?: unknown }>(address, '/estoque/status', { timeoutMs: Math.max(1, Math.round(deadline - performance.now())) })
      .catch(() => null);
    if (!answer || !Number.isSafeInteger(answer.commitIndex)) return false;
    commit = answer.commitIndex as number;
  }
  return raft.waitApplied(commit, Math.max(0, deadline - performance.now()));
}
