// RaftCore: a synchronous, deterministic Raft node (the structure of etcd-io/raft).
// The driver calls tick() on a timer, step() for every message received, propose() for
// client commands, then drains ready() and acknowledges it with advance(). The core never
// touches a clock, a socket, a disk or Math.random: all of that lives in the driver.
import { applyChange, cloneConfig, ConfigHistory, isLearner, isVoter, peersOf, type ConfigChange } from './config.ts';
import { canVote, inLease, randomizedTimeout } from './election.ts';
import { RaftLog } from './log.ts';
import { Progress, type ProgressState } from './progress.ts';
import { committedIndex, hasQuorum, voteResult } from './quorum.ts';
import { MAX_PENDING_READS, ReadIndexTracker } from './read-index.ts';
import type {
  AppendRequest,
  AppendResponse,
  ClusterConfig,
  Entry,
  HardState,
  NodeId,
  RaftMessage,
  ReadState,
  Ready,
  Role,
  Snapshot,
  SnapshotRequest,
  SnapshotResponse,
  SoftState,
  TimeoutNowRequest,
  VoteRequest,
  VoteResponse,
} from './types.ts';

export interface RaftOptions {
  id: NodeId;
  /** Bootstrap voters (shorthand for `config: {voters: peers, learners: []}`). */
  peers?: NodeId[];
  /**
   * Bootstrap configuration, i.e. the configuration at index 0. Ignored when `snapshot`
   * is given. Pass the same value on every restart. A node joining an existing cluster
   * passes an empty config: it learns the real one from the leader and never campaigns
   * before it is a voter.
   */
  config?: ClusterConfig;
  /** Restored durable state (all optional on first start). */
  hardState?: HardState;
  snapshot?: Snapshot | null;
  /** Durable entries after the snapshot, contiguous. */
  entries?: Entry[];
  /** Index the state machine already reflects (default: the snapshot's index). */
  applied?: number;
  /** Minimum election timeout in ticks; each timeout is drawn from [n, 2n). Default 100. */
  electionTicks?: number;
  /** Leader heartbeat interval in ticks. Default 10. */
  heartbeatTicks?: number;
  /** Source of randomness in [0, 1), injected so runs are reproducible. */
  random: () => number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Most entries in one append message. Default 512. */
  maxEntriesPerAppend?: number;
  /** Most append messages in flight per follower in replicate state. Default 32. */
  maxInflight?: number;
  /** Most committed entries in one Ready. Default 8192. */
  maxCommittedPerReady?: number;
  /**
   * Flow control: propose() refuses while this many entries are uncommitted, so a leader
   * that cannot reach a majority (or replicates slower than clients write) does not grow
   * its log without bound. Default 10,000.
   */
  maxUncommittedEntries?: number;
}

export interface Proposed {
  index: number;
  term: number;
}

export interface ProgressView {
  match: number;
  next: number;
  state: ProgressState;
  recentActive: boolean;
}

export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId | null;
  role: Role;
  leader: NodeId | null;
  commit: number;
  applied: number;
  lastIndex: number;
  snapshotIndex: number;
  config: ClusterConfig;
  /** Leader only: what it knows of each member (itself included). */
  progress: Record<NodeId, ProgressView>;
  /** Leader only: the voter leadership is being handed to (proposals are refused meanwhile). */
  transferee: NodeId | null;
}

type State = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Heartbeats with appends in flight and no progress before a follower is re-probed. */
const STALL_HEARTBEATS = 3;

export class RaftCore {
  readonly id: NodeId;
  private term = 0;
  private vote: NodeId | null = null;
  private leader: NodeId | null = null;
  private state: State = 'follower';
  private readonly log = new RaftLog();
  private readonly cfg: ConfigHistory;
  private readonly prs = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  /** Leadership transfer under way (thesis §3.10): its target, and whether TimeoutNow left. */
  private transferee: NodeId | null = null;
  private timeoutNowSent = false;

  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private timeout: number;

  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly random: () => number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxEntries: number;
  private readonly maxInflight: number;
  private readonly maxCommitted: number;
  private readonly maxUncommitted: number;

  /** Messages produced since the last ready(). */
  private msgs: RaftMessage[] = [];
  /** ReadIndex answers produced since the last ready(). */
  private readStates: ReadState[] = [];
  private readonly reads = new ReadIndexTracker();
  private prevHard: HardState;
  private prevSoft: SoftState;
  private outstanding: Ready | null = null;

  constructor(o: RaftOptions) {
    this.id = o.id;
    this.random = o.random;
    this.electionTicks = o.electionTicks ?? 100;
    this.heartbeatTicks = o.heartbeatTicks ?? 10;
    if (this.heartbeatTicks >= this.electionTicks) throw new Error('raft: heartbeatTicks must be below electionTicks');
    this.preVote = o.preVote ?? true;
    this.checkQuorum = o.checkQuorum ?? true;
    this.maxEntries = Math.max(1, o.maxEntriesPerAppend ?? 512);
    this.maxInflight = Math.max(1, o.maxInflight ?? 32);
    this.maxCommitted = Math.max(1, o.maxCommittedPerReady ?? 8192);
    this.maxUncommitted = Math.max(1, o.maxUncommittedEntries ?? 10_000);

    if (o.snapshot) {
      this.log.loadSnapshot(o.snapshot);
      this.cfg = new ConfigHistory(o.snapshot.config);
    } else {
      this.cfg = new ConfigHistory(o.config ?? { voters: o.peers ?? [], learners: [] });
    }
    if (o.entries) {
      this.log.loadEntries(o.entries);
      this.cfg.onAppend(o.entries.filter((e) => e.index > this.log.snapshotIndex()));
    }
    const hs = o.hardState ?? { term: 0, vote: null, commit: 0 };
    this.term = hs.term;
    this.vote = hs.vote;
    const applied = Math.max(o.applied ?? 0, this.log.snapshotIndex());
    const commit = Math.max(hs.commit, applied);
    if (commit > this.log.lastIndex()) {
      throw new Error(`raft: stored commit ${commit} beyond last stored entry ${this.log.lastIndex()}: storage lost entries`);
    }
    this.log.committed = commit;
    this.log.applied = applied;
    this.prevHard = { term: this.term, vote: this.vote, commit: hs.commit };
    this.timeout = randomizedTimeout(this.electionTicks, this.random);
    this.prevSoft = { leader: null, role: this.role() };
  }

  // ---- driver API ---------------------------------------------------------------------

  /** One logical clock tick (the driver calls it every ~10 ms). */
  tick(): void {
    if (this.state === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Feed one message received from a peer. */
  step(m: RaftMessage): void {
    if (m.to !== this.id) return;
    if (m.term > this.term) {
      if (m.type === 'vote' && !m.transfer && inLease(this.checkQuorum, this.leader, this.electionElapsed, this.electionTicks)) {
        // We hear a live leader: refuse without adopting the disruptive term (unless that
        // leader itself asked for this election: a leadership transfer).
        this.respondVote(m, false);
        return;
      }
      const keepTerm = (m.type === 'vote' && m.preVote) || (m.type === 'voteResp' && m.preVote && m.voteGranted);
      // A pre-vote never changes our term; a granted pre-vote answer carries the term the
      // pre-candidate asked about, not a term anyone is in.
      if (!keepTerm) this.becomeFollower(m.term, m.type === 'append' || m.type === 'snapshot' || m.type === 'timeoutNow' ? m.from : null);
    } else if (m.term < this.term) {
      this.rejectStale(m);
      return;
    }
    switch (m.type) {
      case 'vote':
        return this.handleVote(m);
      case 'voteResp':
        return this.handleVoteResp(m);
      case 'append':
        return this.handleAppend(m);
      case 'appendResp':
        return this.handleAppendResp(m);
      case 'snapshot':
        return this.handleSnapshot(m);
      case 'snapshotResp':
        return this.handleSnapshotResp(m);
      case 'timeoutNow':
        return this.handleTimeoutNow(m);
    }
  }

  /**
   * Append a client command. Null when not leader, or when the leader's backlog of
   * uncommitted entries is full (status().role tells which; retry later or elsewhere).
   */
  propose(data: unknown): Proposed | null {
    if (this.state !== 'leader' || this.transferee !== null) return null;
    if (this.log.lastIndex() - this.log.committed >= this.maxUncommitted) return null;
    return this.appendLocal('command', data);
  }

  /** Why `change` cannot be proposed now, or null when it can. */
  configRefusal(change: ConfigChange): string | null {
    if (this.state !== 'leader') return 'not the leader';
    if (this.transferee !== null) return `leadership is being transferred to ${this.transferee}`;
    // Ongaro 2015: a leader must commit an entry of its own term before changing the
    // configuration, or a change from a previous term may still be in doubt.
    if (this.log.term(this.log.committed) !== this.term) return 'leader has not committed an entry of its term yet';
    if (this.cfg.lastChangeIndex() > this.log.committed) return 'another configuration change is not committed yet';
    const next = applyChange(this.cfg.current(), change);
    return typeof next === 'string' ? next : null;
  }

  /** Append a single-server configuration change (with optional data for the state machine). */
  proposeConfig(change: ConfigChange, data?: unknown): Proposed | null {
    if (this.configRefusal(change) !== null) return null;
    const next = applyChange(this.cfg.current(), change) as ClusterConfig;
    return this.appendLocal('config', data, next);
  }

  /**
   * ReadIndex (thesis §6.4): ask for an index such that, once the state machine has applied
   * it, reading the state is linearizable. Only a leader answers, and only after it has
   * committed an entry of its own term (before that its commit index may lag the previous
   * leader's) and a majority has answered a heartbeat round sent after the request (so no
   * newer leader existed when it asked). Reads waiting at the same time share one round.
   * The answer comes in a later Ready's `readStates` under `ctx` (a number the driver
   * chooses); `index: null` there if leadership was lost first. False now when this node
   * is not the leader or holds too many reads already (status().role tells which).
   */
  readIndex(ctx: number): boolean {
    if (this.state !== 'leader' || this.reads.pending >= MAX_PENDING_READS) return false;
    if (this.log.term(this.log.committed) !== this.term) this.reads.waitForCommit(ctx);
    else this.queueRead(ctx);
    return true;
  }

  /**
   * Leadership transfer (thesis §3.10): stop taking proposals, bring `to` up to date, then
   * send it TimeoutNow so it campaigns at once (skipping PreVote; voters grant it despite
   * their lease). Gives up after an election timeout, and whenever this node stops leading.
   * Returns why the transfer cannot start, or null when it is under way (also when it
   * already was, to the same voter; a transfer to another voter replaces it).
   */
  transferLeadership(to: NodeId): string | null {
    if (this.state !== 'leader') return 'not the leader';
    if (to === this.id) return 'already the leader';
    if (!isVoter(this.cfg.current(), to)) return `${to} is not a voter`;
    const pr = this.prs.get(to);
    if (!pr) return `${to} is not tracked`;
    if (this.transferee === to) return null;
    this.transferee = to;
    this.timeoutNowSent = false;
    // The transfer has one election timeout to complete (tickLeader aborts it then).
    this.electionElapsed = 0;
    this.maybeSendTimeoutNow(to, pr);
    return null;
  }

  /** Start an election now, as an election timeout would (through PreVote when enabled). */
  campaign(): void {
    if (this.state === 'leader' || !this.promotable()) return;
    this.startElection(this.preVote);
  }

  /**
   * The next batch of work, or null when there is none or the previous Ready has not been
   * advanced yet. Messages in it may be sent only after its snapshot, entries and hard
   * state are durable (see types.ts Ready).
   */
  ready(): Ready | null {
    if (this.outstanding) return null;
    if (this.state === 'leader') this.flushAppends();
    const hs: HardState = { term: this.term, vote: this.vote, commit: this.log.committed };
    const prev = this.prevHard;
    const hsChanged = hs.term !== prev.term || hs.vote !== prev.vote || hs.commit !== prev.commit;
    const soft: SoftState = { leader: this.leader, role: this.role() };
    const softChanged = soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role;
    const entries = this.log.unstableEntries();
    const snapshot = this.log.pendingSnapshot;
    const committed = this.log.nextCommitted(this.maxCommitted);
    if (!hsChanged && !softChanged && entries.length === 0 && !snapshot && committed.length === 0 && this.msgs.length === 0 && this.readStates.length === 0) {
      return null;
    }
    const rd: Ready = {
      softState: soft,
      hardState: hsChanged ? hs : null,
      entries,
      snapshot,
      committed,
      messages: this.msgs,
      // Commit alone needs no fsync: it is recomputed after a crash.
      mustSync: entries.length > 0 || snapshot !== null || hs.term !== prev.term || hs.vote !== prev.vote,
      readStates: this.readStates,
    };
    this.msgs = [];
    this.readStates = [];
    this.reads.handedOut();
    this.prevHard = hs;
    this.prevSoft = soft;
    this.outstanding = rd;
    return rd;
  }

  /** The driver finished `rd`: persisted it, sent its messages, applied its entries. */
  advance(rd: Ready): void {
    if (rd !== this.outstanding) throw new Error('raft: advance() of a Ready that is not outstanding');
    this.outstanding = null;
    if (rd.snapshot) this.log.snapshotPersisted(rd.snapshot);
    // A snapshot received after rd was handed out replaces the log: rd's entries are moot.
    if (rd.entries.length > 0 && !this.log.pendingSnapshot) this.log.stableTo(rd.entries);
    const n = rd.committed.length;
    if (n > 0 && rd.committed[n - 1].index > this.log.applied) this.log.applied = rd.committed[n - 1].index;
    if (this.state === 'leader') {
      // The leader counts itself only for entries on its own disk (thesis §10.2.1 lets it
      // write in parallel with followers; it just must not count what it has not written).
      const self = this.prs.get(this.id);
      if (self) self.match = Math.max(self.match, this.log.stable);
      this.maybeCommit();
    }
  }

  /**
   * The application saved a snapshot of its state at `index` (<= applied): drop the log
   * up to there and keep the snapshot to send to followers that fall behind it. The driver
   * persists the snapshot itself before calling this. Returns false when nothing changed.
   */
  compact(index: number, data: unknown): boolean {
    if (index <= this.log.snapshotIndex()) return false;
    if (index > this.log.applied) throw new Error(`raft: compact(${index}) beyond applied ${this.log.applied}`);
    const snap: Snapshot = {
      lastIncludedIndex: index,
      lastIncludedTerm: this.log.term(index) as number,
      config: cloneConfig(this.cfg.at(index)),
      data,
    };
    this.log.compact(index, snap);
    this.cfg.onCompact(index);
    return true;
  }

  status(): RaftStatus {
    const progress: Record<NodeId, ProgressView> = {};
    for (const [id, pr] of this.prs) {
      progress[id] = { match: pr.match, next: pr.next, state: pr.state, recentActive: pr.recentActive };
    }
    return {
      id: this.id,
      term: this.term,
      vote: this.vote,
      role: this.role(),
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshotIndex(),
      config: cloneConfig(this.cfg.current()),
      progress,
      transferee: this.transferee,
    };
  }

  /** Term of the log entry at `index` (undefined if compacted or absent). For tests/tools. */
  termAt(index: number): number | undefined {
    return this.log.term(index);
  }

  /** The log entry at `index` if still held. For tests/tools. */
  entryAt(index: number): Entry | undefined {
    return this.log.entry(index);
  }

  /** The snapshot the core holds (its own compaction or one received), if any. */
  snapshot(): Snapshot | null {
    return this.log.snapshot;
  }

  // ---- roles --------------------------------------------------------------------------

  private role(): Role {
    if (this.state === 'follower' && isLearner(this.cfg.current(), this.id)) return 'learner';
    return this.state;
  }

  /** Only a voter that is not waiting for a snapshot to land may campaign. */
  private promotable(): boolean {
    return isVoter(this.cfg.current(), this.id) && this.log.pendingSnapshot === null;
  }

  private resetTimers(): void {
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.timeout = randomizedTimeout(this.electionTicks, this.random);
  }

  private setTerm(term: number): void {
    this.term = term;
    this.vote = null;
    // Answers queued but not yet released were computed in an older term; the log they
    // vouch for may be truncated by the new term's leader before they leave (they go out
    // after the next persist). Turn them into refusals carrying the new term: always
    // true, and the stale leader or candidate steps down on seeing it.
    for (const q of this.msgs) {
      if (q.term >= term) continue;
      if (q.type === 'voteResp') {
        q.term = term;
        q.voteGranted = false;
      } else if (q.type === 'appendResp') {
        q.term = term;
        q.success = false;
        delete q.conflictIndex;
      } else if (q.type === 'snapshotResp') {
        q.term = term;
      }
    }
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    // Reads a leader had not confirmed fail: a newer leader may be committing already.
    for (const ctx of this.reads.abortAll()) this.readStates.push({ ctx, index: null });
    if (term > this.term) this.setTerm(term);
    this.state = 'follower';
    this.leader = leader;
    this.transferee = null;
    this.prs.clear();
    this.votes.clear();
    this.resetTimers();
  }

  private becomeLeader(): void {
    this.state = 'leader';
    this.leader = this.id;
    this.transferee = null;
    this.votes.clear();
    this.resetTimers();
    this.prs.clear();
    this.reads.reset();
    const cfg = this.cfg.current();
    for (const id of [...cfg.voters, ...cfg.learners]) this.prs.set(id, new Progress(this.log.lastIndex() + 1));
    const self = this.ensureSelfProgress();
    self.match = this.log.stable;
    // Raft §8: a no-op of the new term lets the leader commit (and learn the commit of)
    // everything before it, since only entries of the current term commit by counting.
    this.appendLocal('noop');
  }

  private ensureSelfProgress(): Progress {
    let self = this.prs.get(this.id);
    if (!self) {
      self = new Progress(this.log.lastIndex() + 1);
      this.prs.set(this.id, self);
    }
    self.state = 'replicate';
    self.recentActive = true;
    return self;
  }

  private startElection(pre: boolean, transfer = false): void {
    if (pre) {
      this.state = 'pre-candidate';
      this.leader = null;
      this.resetTimers();
    } else {
      this.setTerm(this.term + 1);
      this.vote = this.id;
      this.state = 'candidate';
      this.leader = null;
      this.resetTimers();
    }
    this.votes.clear();
    this.votes.set(this.id, true);
    if (this.tally() !== 'pending') return;
    const term = pre ? this.term + 1 : this.term;
    for (const to of this.cfg.current().voters) {
      if (to === this.id) continue;
      const m: VoteRequest = {
        type: 'vote',
        from: this.id,
        to,
        term,
        candidateId: this.id,
        lastLogIndex: this.log.lastIndex(),
        lastLogTerm: this.log.lastTerm(),
        preVote: pre,
      };
      if (transfer) m.transfer = true;
      this.msgs.push(m);
    }
  }

  /** Count the votes and act on the outcome. */
  private tally(): 'won' | 'lost' | 'pending' {
    const r = voteResult(this.cfg.current().voters, this.votes);
    if (r === 'won') {
      if (this.state === 'pre-candidate') this.startElection(false);
      else this.becomeLeader();
    } else if (r === 'lost') {
      this.becomeFollower(this.term, null);
    }
    return r;
  }

  // ---- timers -------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed >= this.timeout && this.promotable()) {
      this.startElection(this.preVote);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      // A transfer that has not completed within an election timeout is abandoned: the
      // target may be down or unable to win; this node goes back to taking proposals.
      this.transferee = null;
      if (this.checkQuorum) {
        const voters = this.cfg.current().voters;
        const ok = hasQuorum(voters, (id) => id === this.id || this.prs.get(id)?.recentActive === true);
        for (const [id, pr] of this.prs) {
          if (id === this.id) continue;
          this.maybeForget(id, pr, !pr.recentActive);
          pr.recentActive = false;
        }
        if (!ok) {
          // Cut off from a majority: stop serving rather than accept writes that cannot commit.
          this.becomeFollower(this.term, null);
          return;
        }
      }
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  // ---- requests and responses ---------------------------------------------------------

  private respondVote(m: VoteRequest, granted: boolean): void {
    const r: VoteResponse = {
      type: 'voteResp',
      from: this.id,
      to: m.from,
      // A granted pre-vote answers in the term asked about; everything else in ours.
      term: granted ? m.term : this.term,
      voteGranted: granted,
      preVote: m.preVote,
    };
    if (m.rid !== undefined) r.rid = m.rid;
    this.msgs.push(r);
  }

  private respondAppend(m: AppendRequest, success: boolean, matchIndex: number, conflictIndex?: number): void {
    const r: AppendResponse = { type: 'appendResp', from: this.id, to: m.from, term: this.term, success, matchIndex };
    if (conflictIndex !== undefined) r.conflictIndex = conflictIndex;
    if (m.readCtx !== undefined) r.readCtx = m.readCtx;
    if (m.rid !== undefined) r.rid = m.rid;
    this.msgs.push(r);
  }

  private respondSnapshot(m: SnapshotRequest, matchIndex: number): void {
    const r: SnapshotResponse = { type: 'snapshotResp', from: this.id, to: m.from, term: this.term, matchIndex };
    if (m.rid !== undefined) r.rid = m.rid;
    this.msgs.push(r);
  }

  /** A message from an older term: refuse requests (our term makes the sender step down), drop answers. */
  private rejectStale(m: RaftMessage): void {
    switch (m.type) {
      case 'vote':
        return this.respondVote(m, false);
      case 'append':
        return this.respondAppend(m, false, m.prevLogIndex);
      case 'snapshot':
        return this.respondSnapshot(m, 0);
      default:
        return;
    }
  }

  private handleVote(m: VoteRequest): void {
    let granted = canVote({ term: this.term, vote: this.vote, leader: this.leader }, m) && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    if (granted && m.preVote && this.state === 'pre-candidate') {
      // Two pre-candidates at once (both survivors of a dead leader timed out within one
      // pre-vote round): if each granted the other, both would become candidates, vote
      // for themselves and split the vote. Exactly one yields: the one whose log is behind,
      // or on equal logs the higher id. It grants and goes back to waiting a fresh timeout;
      // the other refuses and carries on. Timers only: no safety rule depends on it.
      const equal = m.lastLogTerm === this.log.lastTerm() && m.lastLogIndex === this.log.lastIndex();
      if (!equal || m.from < this.id) this.becomeFollower(this.term, null);
      else granted = false;
    }
    this.respondVote(m, granted);
    if (granted && !m.preVote) {
      this.vote = m.from;
      this.electionElapsed = 0;
    }
  }

  private handleVoteResp(m: VoteResponse): void {
    if (m.preVote) {
      if (this.state !== 'pre-candidate') return;
      if (m.voteGranted && m.term !== this.term + 1) return;
    } else if (this.state !== 'candidate') {
      return;
    }
    this.votes.set(m.from, m.voteGranted);
    this.tally();
  }

  /**
   * Same-term leader contact: candidates give up, everyone restarts the election clock.
   * False if we lead this term ourselves: a second leader cannot exist in a correct
   * cluster, so the request is refused rather than obeyed.
   */
  private followLeader(from: NodeId): boolean {
    if (this.state === 'leader') return false;
    if (this.state !== 'follower') this.becomeFollower(this.term, from);
    this.leader = from;
    this.electionElapsed = 0;
    return true;
  }

  private handleAppend(m: AppendRequest): void {
    if (!this.followLeader(m.from)) {
      this.respondAppend(m, false, m.prevLogIndex);
      return;
    }
    const log = this.log;
    let prev = m.prevLogIndex;
    let ents = m.entries;
    if (prev < log.committed) {
      // Our committed prefix is in every current leader's log: skip that part.
      const skip = log.committed - prev;
      if (skip >= ents.length) {
        this.respondAppend(m, true, log.committed);
        return;
      }
      ents = ents.slice(skip);
      prev = log.committed;
    } else if (log.term(prev) !== m.prevLogTerm) {
      this.respondAppend(m, false, prev, log.conflictHint(prev));
      return;
    }
    const lastNew = prev + ents.length;
    const conflict = log.findConflict(ents);
    if (conflict !== 0) {
      const fresh = ents.slice(conflict - (prev + 1));
      const truncated = log.append(fresh);
      if (truncated !== 0) this.cfg.onTruncate(truncated);
      this.cfg.onAppend(fresh);
    }
    // Only what this append proved we share with the leader may be committed.
    log.commitTo(Math.min(m.leaderCommit, lastNew));
    this.respondAppend(m, true, lastNew);
  }

  private handleSnapshot(m: SnapshotRequest): void {
    if (!this.followLeader(m.from)) {
      this.respondSnapshot(m, 0);
      return;
    }
    const s = m.snapshot;
    const idx = s.lastIncludedIndex;
    if (idx <= this.log.committed) {
      this.respondSnapshot(m, this.log.committed);
    } else if (this.log.term(idx) === s.lastIncludedTerm) {
      // We hold its last entry, hence everything before it: just learn the commit.
      this.log.commitTo(idx);
      this.respondSnapshot(m, idx);
    } else {
      this.log.restore(s);
      this.cfg.reset(s.config);
      this.respondSnapshot(m, idx);
    }
  }

  private handleAppendResp(m: AppendResponse): void {
    if (this.state !== 'leader') return;
    const pr = this.prs.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    // Any answer in our term, even a rejection, says the peer took us for its leader.
    if (m.readCtx !== undefined) this.readAcked(m.from, m.readCtx);
    if (!m.success) {
      // On failure matchIndex is the rejected prevLogIndex: it tells stale answers apart.
      pr.maybeDecrTo(m.matchIndex, m.conflictIndex ?? m.matchIndex);
      return;
    }
    const moved = pr.maybeUpdate(m.matchIndex);
    if (moved || (pr.state === 'probe' && pr.match === m.matchIndex)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) pr.becomeReplicate();
    }
    if (moved) {
      this.maybeCommit();
      this.maybeForget(m.from, pr, false);
    }
    if (m.from === this.transferee) this.maybeSendTimeoutNow(m.from, pr);
  }

  private handleSnapshotResp(m: SnapshotResponse): void {
    if (this.state !== 'leader') return;
    const pr = this.prs.get(m.from);
    if (!pr) return;
    pr.recentActive = true;
    const moved = pr.maybeUpdate(m.matchIndex);
    if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeReplicate();
    if (moved) {
      this.maybeCommit();
      this.maybeForget(m.from, pr, false);
    }
    if (m.from === this.transferee) this.maybeSendTimeoutNow(m.from, pr);
  }

  /**
   * Thesis §3.10: the leader told us to campaign now. We skip PreVote (the leader vouches
   * for the election) and ask for real votes marked as a transfer, which voters grant even
   * inside their CheckQuorum lease. Only the leader we follow may ask (it just brought
   * us up to date, so we know it); from anyone else the request is ignored.
   */
  private handleTimeoutNow(m: TimeoutNowRequest): void {
    if (this.state === 'leader' || m.from !== this.leader || !this.promotable()) return;
    this.startElection(false, true);
  }

  /** TimeoutNow goes to the transferee once it holds the leader's whole log. */
  private maybeSendTimeoutNow(to: NodeId, pr: Progress): void {
    if (this.timeoutNowSent || pr.match < this.log.lastIndex()) return;
    this.timeoutNowSent = true;
    const m: TimeoutNowRequest = { type: 'timeoutNow', from: this.id, to, term: this.term, leaderId: this.id };
    this.msgs.push(m);
  }

  // ---- leader: log, commit, replication ------------------------------------------------

  private appendLocal(kind: Entry['kind'], data?: unknown, config?: ClusterConfig): Proposed {
    const e: Entry = { term: this.term, index: this.log.lastIndex() + 1, kind };
    if (data !== undefined) e.data = data;
    if (config) e.config = config;
    this.log.append([e]);
    if (config) {
      this.cfg.onAppend([e]);
      this.syncProgressToConfig();
    }
    return { index: e.index, term: e.term };
  }

  /** A new configuration is in force: track new members, mark removed ones as departing. */
  private syncProgressToConfig(): void {
    const cfg = this.cfg.current();
    const members = new Set(peersOf(cfg, this.id));
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      if (!members.has(id)) {
        if (pr.departing === 0) pr.departing = this.cfg.lastChangeIndex();
      } else {
        pr.departing = 0;
      }
    }
    for (const id of members) {
      if (!this.prs.has(id)) this.prs.set(id, new Progress(this.log.lastIndex() + 1));
    }
    if (this.transferee !== null && !isVoter(cfg, this.transferee)) this.transferee = null;
    this.maybeCommit();
  }

  /** Forget a departing node once it holds its removal (or, after it committed, once it is silent). */
  private maybeForget(id: NodeId, pr: Progress, silent: boolean): void {
    if (pr.departing === 0) return;
    if (pr.match >= pr.departing || (silent && this.log.committed >= pr.departing)) this.prs.delete(id);
  }

  /** Raft §5.3/§5.4.2 (Fig. 8): commit the majority-matched index if it is of our term. */
  private maybeCommit(): boolean {
    const voters = this.cfg.current().voters;
    const idx = committedIndex(voters, (id) => (id === this.id ? this.log.stable : (this.prs.get(id)?.match ?? 0)));
    if (idx <= this.log.committed || this.log.term(idx) !== this.term) return false;
    this.log.commitTo(idx);
    // The term's first commit: reads that waited for it get the commit index now.
    for (const ctx of this.reads.takeWaitingCommit()) this.queueRead(ctx);
    const cfg = this.cfg.current();
    if (!isVoter(cfg, this.id) && this.log.committed >= this.cfg.lastChangeIndex()) {
      // Thesis §4.2.2: a leader removed from the configuration steps down once the
      // change is committed; it managed the cluster without counting itself until then.
      this.becomeFollower(this.term, null);
    }
    return true;
  }

  /** Called from ready(): send what each follower is missing, batched per follower. */
  private flushAppends(): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      if (pr.state === 'replicate') {
        while (this.sendAppend(id, pr, false)) {
          /* pipeline until caught up or the window is full */
        }
        // Nothing new to send but a newer commit to tell: piggy-back it on a heartbeat.
        if (Math.min(this.log.committed, pr.match) > pr.sentCommit) this.sendHeartbeat(id, pr);
      } else if (pr.state === 'probe') {
        this.sendAppend(id, pr, false);
      }
    }
  }

  private broadcastHeartbeat(): void {
    for (const [id, pr] of this.prs) {
      if (id === this.id) continue;
      switch (pr.state) {
        case 'probe':
          // Heartbeats double as probes, which also recovers from a lost probe.
          pr.probeSent = false;
          this.sendAppend(id, pr, true);
          break;
        case 'replicate':
          if (pr.inflights.length > 0 && ++pr.stalled >= STALL_HEARTBEATS) {
            // Appends in flight and no acknowledgment for a while: assume they were lost.
            pr.becomeProbe();
            this.sendAppend(id, pr, true);
          } else {
            this.sendHeartbeat(id, pr);
          }
          break;
        case 'snapshot':
          if (++pr.snapshotAge * this.heartbeatTicks >= this.electionTicks) {
            // The snapshot (or its answer) was probably lost: probe again, which resends it.
            pr.becomeProbe();
            this.sendAppend(id, pr, true);
          } else {
            this.sendHeartbeat(id, pr);
          }
          break;
      }
    }
  }

  /**
   * An empty append anchored at what the follower is known to hold, so it can never be
   * rejected for reordering with appends in flight. It lets the follower commit up to
   * min(commit, match).
   */
  private sendHeartbeat(to: NodeId, pr: Progress): void {
    let prev = pr.match;
    let prevTerm = this.log.term(prev);
    if (prevTerm === undefined) {
      prev = this.log.snapshotIndex();
      prevTerm = this.log.snapshotTerm();
    }
    this.pushAppend(to, prev, prevTerm, []);
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.log.committed, prev));
  }

  /** Send the follower's next window of entries (or a snapshot if they were compacted). */
  private sendAppend(to: NodeId, pr: Progress, sendIfEmpty: boolean): boolean {
    if (pr.isPaused(this.maxInflight)) return false;
    if (pr.next > this.log.lastIndex() + 1) pr.next = this.log.lastIndex() + 1;
    const prev = pr.next - 1;
    const prevTerm = this.log.term(prev);
    if (prevTerm === undefined) return this.sendSnapshot(to, pr);
    const last = Math.min(this.log.lastIndex(), prev + this.maxEntries);
    const entries = last > prev ? this.log.slice(prev + 1, last + 1) : [];
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.pushAppend(to, prev, prevTerm, entries);
    pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.log.committed, last));
    if (entries.length > 0) pr.sentEntries(last);
    else if (pr.state === 'probe') pr.probeSent = true;
    return true;
  }

  private pushAppend(to: NodeId, prev: number, prevTerm: number, entries: Entry[]): void {
    const m: AppendRequest = {
      type: 'append',
      from: this.id,
      to,
      term: this.term,
      leaderId: this.id,
      prevLogIndex: prev,
      prevLogTerm: prevTerm,
      entries,
      leaderCommit: this.log.committed,
    };
    if (this.reads.inFlight()) m.readCtx = this.reads.round;
    this.msgs.push(m);
  }

  // ---- leader: ReadIndex ---------------------------------------------------------------

  /** A read gets the current commit index (of this term) and waits for a heartbeat round. */
  private queueRead(ctx: number): void {
    if (this.selfIsQuorum()) {
      this.readStates.push({ ctx, index: this.log.committed });
      return;
    }
    if (this.reads.enqueue(ctx, this.log.committed)) this.broadcastReadRound();
  }

  private selfIsQuorum(): boolean {
    return hasQuorum(this.cfg.current().voters, (id) => id === this.id);
  }

  /** A heartbeat to every peer, carrying the new round's number (pushAppend adds it). */
  private broadcastReadRound(): void {
    for (const [id, pr] of this.prs) if (id !== this.id) this.sendHeartbeat(id, pr);
  }

  private readAcked(from: NodeId, round: number): void {
    this.reads.ack(from, round);
    if (!this.reads.inFlight()) return;
    const r = this.reads.round;
    if (!hasQuorum(this.cfg.current().voters, (id) => id === this.id || this.reads.acked(id) >= r)) return;
    const { served, again } = this.reads.confirm();
    for (const s of served) this.readStates.push(s);
    if (again) this.broadcastReadRound();
  }

  private sendSnapshot(to: NodeId, pr: Progress): boolean {
    const s = this.log.snapshot;
    if (!s) throw new Error(`raft: entries before ${this.log.firstIndex()} compacted but no snapshot held`);
    pr.becomeSnapshot(s.lastIncludedIndex);
    const m: SnapshotRequest = { type: 'snapshot', from: this.id, to, term: this.term, leaderId: this.id, snapshot: s };
    this.msgs.push(m);
    return true;
  }
}
