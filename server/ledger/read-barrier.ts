// Linearizable reads of the local ledger replica (ReadIndex, Raft thesis §6.4). The
// leader hands out a read index only once it has committed an entry of its term and a
// majority answered a heartbeat round sent after the request (RaftCore.readIndex); a
// follower asks the leader for one (POST /raft/read_index, which only the leader answers)
// and waits until it has applied that far. Then the local state includes every write
// acknowledged before the read began. Leader changes in between are retried until the
// deadline; past it the read fails (`ReadUnavailableError`), never a silent stale read.
import { PeerRefusedError, type PeerClient } from '../http/peer-client.ts';
import { NotLeaderError, ReadIndexError, type RaftNode } from '../raft/raft-node.ts';

export interface ReadBarrierDeps {
  raft: Pick<RaftNode<unknown>, 'isLeader' | 'leader' | 'readIndex' | 'waitApplied'>;
  client: PeerClient;
  addressOf: (nodeId: string) => string | undefined;
}

/** The read could not be made linearizable in time (maps to `503 UNAVAILABLE` / `ERRO UNAVAILABLE`). */
export class ReadUnavailableError extends Error {
  readonly code = 'UNAVAILABLE';
}

/** Pause between attempts while there is no leader or it just changed. */
const RETRY_MS = 30;

/**
 * Resolves once this replica reflects every write the cluster acknowledged before the
 * call; rejects with ReadUnavailableError after `timeoutMs`.
 */
export async function readIndex(deps: ReadBarrierDeps, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const left = () => Math.max(0, Math.round(deadline - performance.now()));
  let problem = 'no leader elected';
  while (left() > 0) {
    const raft = deps.raft;
    const index = await askIndex(deps, raft, left()).catch((err: Error) => {
      problem = err.message;
      return null;
    });
    if (index !== null) {
      if (await raft.waitApplied(index, left())) return;
      throw new ReadUnavailableError(`this node has not applied the leader's read index ${index} within ${timeoutMs} ms`);
    }
    if (left() > 0) await new Promise((r) => setTimeout(r, Math.min(RETRY_MS, left())));
  }
  throw new ReadUnavailableError(`no linearizable read within ${timeoutMs} ms: ${problem}`);
}

/** A read index from the leader (this node or the one it follows); rejects to retry. */
async function askIndex(deps: ReadBarrierDeps, raft: ReadBarrierDeps['raft'], timeoutMs: number): Promise<number> {
  if (raft.isLeader()) return raft.readIndex(timeoutMs);
  const leader = raft.leader;
  const address = leader ? deps.addressOf(leader) : undefined;
  if (!leader) throw new NotLeaderError(null);
  if (!address) throw new ReadIndexError(`no address for leader ${leader}`);
  const r = await deps.client.post<{ index?: unknown }>(address, '/raft/read_index', { timeoutMs }, { timeoutMs: timeoutMs + 200 });
  if (!Number.isSafeInteger(r?.index) || (r.index as number) < 0) {
    throw new PeerRefusedError(`${address}/raft/read_index`, 502, 'BAD_RESPONSE', 'answer has no index');
  }
  return r.index as number;
}

/** `readIndex` bound to its dependencies: what callers outside the ledger hold on to. */
export type LinearizableRead = (timeoutMs: number) => Promise<void>;

export function linearizableReads(deps: ReadBarrierDeps): LinearizableRead {
  return (timeoutMs) => readIndex(deps, timeoutMs);
}

/**
 * Retries `read` (each attempt up to `attemptMs`) until it succeeds — true — or `wanted()`
 * turns false — false (the reader left). `onDelay` is told once, after the first failure,
 * so the caller can say why its answer is late instead of answering from the past.
 */
export async function readWhenCurrent(read: LinearizableRead, attemptMs: number, wanted: () => boolean, onDelay: (err: Error) => void): Promise<boolean> {
  for (let attempt = 0; wanted(); attempt++) {
    try {
      await read(attemptMs);
      return wanted();
    } catch (err) {
      if (attempt === 0) onDelay(err as Error);
      await new Promise((r) => setTimeout(r, Math.min(RETRY_MS * 2 ** attempt, 1000)));
    }
  }
  return false;
}
