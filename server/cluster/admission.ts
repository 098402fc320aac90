// Voting membership through the replicated log (docs/design.md §7): a joining peer is added as a
// learner, and the leader promotes it to voter once it has caught up. One change at a time.
import { ConfigChangeRefused, NotLeaderError, ProposalLostError, type RaftNode } from '../raft/raft-node.ts';
import { members as ledgerMembers, type LedgerResult } from '../ledger/machine/index.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { MemberInfo } from '../../protocol/rest.ts';
import type { Logger } from '../log.ts';

export class UnknownMemberError extends Error {}

export class Admission {
  private timer: NodeJS.Timeout | null = null;
  private promoting = false;

  constructor(
    private readonly raft: RaftNode<LedgerResult>,
    private readonly replica: LedgerReplica,
    private readonly self: MemberInfo,
    private readonly log: Logger,
  ) {}

  /** Leader only: records a peer in the log (as a learner) and resolves once committed. */
  async admit(m: MemberInfo, timeoutMs = 15_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const cfg = this.raft.status().config;
      const known = ledgerMembers(this.replica.state).find((x) => x.id === m.id);
      const inConfig = cfg.voters.includes(m.id) || cfg.learners.includes(m.id);
      try {
        if (inConfig && known) {
          if (known.address !== m.address || known.mqttPort !== m.mqttPort) {
            await this.raft.propose({ type: 'UPDATE_MEMBER_ADDRESS', id: m.id, address: m.address, mqttPort: m.mqttPort });
          }
          return;
        }
        if (!inConfig) {
          await this.raft.proposeConfig({ op: 'addLearner', id: m.id }, { type: 'ADD_MEMBER', id: m.id, address: m.address, mqttPort: m.mqttPort });
          this.log.info({ peer: m.id }, 'peer added as learner');
          return;
        }
        // In the config but not in the table (cannot normally happen): record the address.
        await this.raft.propose({ type: 'UPDATE_MEMBER_ADDRESS', id: m.id, address: m.address, mqttPort: m.mqttPort });
        return;
      } catch (err) {
        if (err instanceof NotLeaderError) throw err;
        if (!(err instanceof ConfigChangeRefused || err instanceof ProposalLostError)) throw err;
        if (performance.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /**
   * Leader only: removes a peer for good — the Raft configuration change `remove` carrying
   * the ledger's REMOVE_MEMBER — and resolves once it is committed. One change at a time:
   * retried while another is in flight. A peer already out of the configuration but still
   * in the membership table is dropped from the table. Ids must never be reused afterwards.
   */
  async remove(id: string, timeoutMs = 15_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const cfg = this.raft.status().config;
      const inConfig = cfg.voters.includes(id) || cfg.learners.includes(id);
      const known = ledgerMembers(this.replica.state).some((x) => x.id === id);
      if (!inConfig && !known) throw new UnknownMemberError(`no peer ${id} in the cluster`);
      try {
        if (inConfig) await this.raft.proposeConfig({ op: 'remove', id }, { type: 'REMOVE_MEMBER', id });
        else await this.raft.propose({ type: 'REMOVE_MEMBER', id });
        this.log.warn({ peer: id }, 'peer removed from the cluster');
        return;
      } catch (err) {
        if (err instanceof NotLeaderError) throw err;
        if (err instanceof ConfigChangeRefused && /last voter|not a member/.test(err.message)) throw err;
        if (!(err instanceof ConfigChangeRefused || err instanceof ProposalLostError)) throw err;
        if (performance.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Makes sure the bootstrap node itself is in the membership table (first leadership). */
  async recordSelf(): Promise<void> {
    const known = ledgerMembers(this.replica.state).find((x) => x.id === this.self.id);
    if (known && known.address === this.self.address && known.mqttPort === this.self.mqttPort) return;
    const cmd = known
      ? { type: 'UPDATE_MEMBER_ADDRESS' as const, id: this.self.id, address: this.self.address, mqttPort: this.self.mqttPort }
      : { type: 'ADD_MEMBER' as const, id: this.self.id, address: this.self.address, mqttPort: this.self.mqttPort, voter: true };
    await this.raft.propose(cmd).catch(() => undefined);
  }

  /** On the leader, promotes learners that have caught up; runs every `everyMs`. */
  start(everyMs = 200): void {
    this.timer = setInterval(() => void this.promoteCaughtUp(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async promoteCaughtUp(): Promise<void> {
    if (this.promoting || !this.raft.isLeader()) return;
    const st = this.raft.status();
    const ready = st.config.learners.find((id) => (st.progress[id]?.match ?? 0) >= st.commit && st.progress[id]?.recentActive);
    if (!ready) return;
    this.promoting = true;
    try {
      await this.raft.proposeConfig({ op: 'promote', id: ready }, { type: 'PROMOTE_MEMBER', id: ready });
      this.log.info({ peer: ready }, 'learner caught up: promoted to voter');
    } catch {
      // Refused while another change is in flight, or leadership moved: try again later.
    } finally {
      this.promoting = false;
    }
  }
}
