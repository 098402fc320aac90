// The leader's side of proposing: ledger commands proposed in the same event-loop turn
// (players' writes on this node, a follower's forwarded batch, match turnover) go into the
// Raft log as one BATCH entry, so a burst costs one entry, one WAL record and one append
// per follower instead of one each. Each command still gets its own result (and shares
// the entry's index). A lone command is proposed as itself.
//
// A BATCH is kept under MAX_BATCH_BYTES of JSON. The Raft core bounds an append by entry
// count (512 per message) and peer bodies are limited to 1 MB (server/http/app.ts, and the
// link's frames), so a lagging follower's append of 512 entries must still fit: 512 × 2 KB.
import type { RaftNode } from '../raft/raft-node.ts';
import { MAX_BATCH, type LedgerCommand, type LedgerResult } from './machine/index.ts';

export interface Proposed {
  index: number;
  result: LedgerResult;
}

interface Pending {
  cmd: LedgerCommand;
  timeoutMs: number;
  resolve: (r: Proposed) => void;
  reject: (e: Error) => void;
}

/** Most JSON bytes of commands in one BATCH entry (see the header). */
export const MAX_BATCH_BYTES = 1800;

/** Commands that must stay one per entry (they pair with a Raft configuration change). */
const SINGLE = new Set(['ADD_MEMBER', 'PROMOTE_MEMBER', 'REMOVE_MEMBER', 'UPDATE_MEMBER_ADDRESS']);

export class BatchingProposer {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Entries proposed, and commands in them (for tests and metrics). */
  readonly stats = { entries: 0, commands: 0 };

  constructor(
    private readonly raft: Pick<RaftNode<LedgerResult>, 'propose'>,
    private readonly maxBatch = 256,
  ) {}

  /** Proposes `cmd` with the others of this turn; rejects as RaftNode.propose would (NotLeaderError, ProposalLostError). */
  propose(cmd: LedgerCommand, timeoutMs = 5000): Promise<Proposed> {
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd, timeoutMs, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    const batchable: Pending[] = [];
    for (const p of all) {
      if (SINGLE.has(p.cmd.type)) this.send([p]);
      else batchable.push(p);
    }
    const most = Math.max(1, Math.min(this.maxBatch, MAX_BATCH));
    let group: Pending[] = [];
    let bytes = 0;
    for (const p of batchable) {
      const size = JSON.stringify(p.cmd).length + 1;
      if (group.length > 0 && (group.length >= most || bytes + size > MAX_BATCH_BYTES)) {
        this.send(group);
        group = [];
        bytes = 0;
      }
      group.push(p);
      bytes += size;
    }
    if (group.length > 0) this.send(group);
  }

  private send(group: Pending[]): void {
    this.stats.entries++;
    this.stats.commands += group.length;
    const timeoutMs = Math.max(...group.map((p) => p.timeoutMs));
    if (group.length === 1) {
      const [p] = group;
      this.raft.propose(p.cmd, timeoutMs).then(
        (r) => p.resolve({ index: r.index, result: r.result ?? missing() }),
        (err: Error) => p.reject(err),
      );
      return;
    }
    this.raft.propose({ type: 'BATCH', commands: group.map((p) => p.cmd) }, timeoutMs).then(
      (r) => {
        const whole = r.result ?? missing();
        const results = whole.ok && 'results' in whole ? whole.results : null;
        // A batch refused as a whole (it cannot be, short of a bug) answers each command with that refusal.
        group.forEach((p, i) => p.resolve({ index: r.index, result: results?.[i] ?? (whole.ok ? missing() : whole) }));
      },
      (err: Error) => {
        for (const p of group) p.reject(err);
      },
    );
  }
}

function missing(): LedgerResult {
  return { ok: false, code: 'BAD_COMMAND', message: 'entry applied without a result' };
}
