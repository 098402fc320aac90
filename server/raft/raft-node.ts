// The Raft driver: owns the pure core, its timers, the disk and the network. It follows the
// order of duties of a Ready (docs/architecture/raft.md): persist (and fsync), then send,
// then apply, then advance. Proposals made while a sync is in flight wait in the core and
// go out together in the next Ready (group commit). Two refinements that change no
// guarantee (both documented there): a leader's append requests leave while the leader
// writes the same entries (thesis §10.2.1; the core counts the leader's own copy only
// after advance()), and committed entries that were already durable here before this
// Ready are applied before its write instead of after it.
import path from 'node:path';
import { RaftCore, transferTarget, type ConfigChange } from './core/index.ts';
import type { AppendRequest, ClusterConfig, Entry, RaftMessage, Ready, Snapshot, SnapshotRequest, SoftState, TimeoutNowRequest, VoteRequest } from './core/types.ts';
import { RaftStorage } from '../storage/raft-storage.ts';
import type { FileIo } from '../storage/fd-io.ts';
import { sendRequest } from './transport.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';

/** What the driver needs of the replicated state machine. */
export interface StateMachine<R> {
  apply(entry: Entry): R | null;
  snapshot(): unknown;
  restore(data: unknown): void;
}

export interface RaftTiming {
  tickMs: number;
  heartbeatTicks: number;
  electionTicks: number;
}

/** A timer of the RaftEnv (opaque: whatever its setTimeout/setInterval returned). */
export type EnvTimer = unknown;

/**
 * What the driver takes from its surroundings: clock, timers, randomness, the transport and
 * the file system. Production uses the real ones (`realEnv`); the deterministic simulator
 * (test/sim/node.ts) injects a virtual clock, timers on its event queue, its network and
 * an in-memory file system that loses unsynced writes on a crash.
 */
export interface RaftEnv {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Election jitter, the one randomness Raft needs. */
  random(): number;
  setTimeout(fn: () => void, ms: number): EnvTimer;
  clearTimeout(t: EnvTimer): void;
  setInterval(fn: () => void, ms: number): EnvTimer;
  clearInterval(t: EnvTimer): void;
  /** Run `fn` soon, after the current job (setImmediate). */
  defer(fn: () => void): void;
  /**
   * Send a request to `m.to`; its answer, if one comes, is handed to `deliver` (a lost
   * request or answer is simply never delivered; the core retries on its own schedule).
   */
  send(m: VoteRequest | AppendRequest | SnapshotRequest | TimeoutNowRequest, deliver: (reply: RaftMessage) => void): void;
  /** The file system under RaftStorage (undefined: node:fs). */
  io?: FileIo;
}

/** Looks inside the driver: test tooling (the simulator's safety checker). */
export interface RaftObserver {
  /** A Ready is about to be carried out, before anything of it is persisted, sent or applied. */
  ready?(rd: Ready, core: RaftCore): void;
  /** The Ready was carried out (persisted, sent, applied); advance() comes next. */
  done?(rd: Ready, core: RaftCore): void;
}

/** Core tuning the node leaves at its defaults (the simulator varies them). */
export interface RaftTuning {
  maxEntriesPerAppend?: number;
  maxInflight?: number;
  maxUncommittedEntries?: number;
  /** WAL segment size (RaftStorage's default otherwise). */
  segmentBytes?: number;
}

/** The metrics the driver updates. */
export type RaftMetrics = Pick<Metrics, 'raftSyncDuration' | 'raftTerm' | 'raftCommitIndex' | 'raftAppliedIndex'>;

export interface RaftNodeOptions<R> {
  id: string;
  dataDir: string;
  log: Logger;
  metrics: RaftMetrics;
  client: PeerClient;
  addressOf: (id: string) => string | undefined;
  /** Start a brand-new single-voter cluster when the disk holds no Raft state. */
  bootstrap: boolean;
  /** The configuration at index 0, overriding `bootstrap` (the simulator starts with several voters). */
  genesis?: ClusterConfig;
  timing: RaftTiming;
  machine: StateMachine<R>;
  /** Take a snapshot and compact the log every this many applied entries. */
  snapshotEvery: number;
  onSoftState?: (s: SoftState) => void;
  onApplied?: (entry: Entry, result: R | null) => void;
  /** Replaces the real environment (`realEnv(client, addressOf)`): the simulator passes its own. */
  env?: RaftEnv;
  tuning?: RaftTuning;
  observer?: RaftObserver;
}

/** The real clock, timers and HTTP transport. */
export function realEnv(client: PeerClient, addressOf: (id: string) => string | undefined): RaftEnv {
  return {
    now: () => performance.now(),
    random: Math.random,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (t) => clearInterval(t as NodeJS.Timeout),
    defer: (fn) => setImmediate(fn),
    send: (m, deliver) => {
      const address = addressOf(m.to);
      if (!address) return;
      const timeout = m.type === 'vote' || m.type === 'timeoutNow' ? 500 : 1500;
      void sendRequest(client, address, m, timeout).then((resp) => {
        if (resp) deliver(resp);
      });
    },
  };
}

/** Most Raft ticks made up in one timer callback (see RaftNode.start). */
export const MAX_CATCH_UP_TICKS = 5;

export class NotLeaderError extends Error {
  constructor(
    readonly leader: string | null,
    message?: string,
  ) {
    super(message ?? (leader ? `not the leader (the leader is ${leader})` : 'no leader elected yet'));
  }
}

/** How long a stopping leader waits for its successor (RaftNode.handOff). */
export const HANDOFF_MS = 500;

/** The entry was overwritten by another leader's, or its outcome could not be learned in time. */
export class ProposalLostError extends Error {}

/** A read index could not be had: leadership was lost before a majority confirmed it, or time ran out. */
export class ReadIndexError extends Error {}

interface Waiter<R> {
  term: number;
  resolve: (r: { index: number; result: R | null }) => void;
  reject: (e: Error) => void;
  timer: EnvTimer;
}

export class RaftNode<R> {
  private core!: RaftCore;
  private storage!: RaftStorage;
  private readonly env: RaftEnv;
  private ticker: EnvTimer | null = null;
  private running = false;
  private scheduled = false;
  private stopped = false;
  private handOffTried = false;
  private soft: SoftState = { leader: null, role: 'follower' };
  private readonly waiters = new Map<number, Waiter<R>>();
  private readonly pendingReplies = new Map<number, (m: RaftMessage) => void>();
  private readonly appliedWaiters = new Set<{ index: number; resolve: (ok: boolean) => void; timer: EnvTimer }>();
  private readonly readWaiters = new Map<number, { resolve: (index: number) => void; reject: (e: Error) => void; timer: EnvTimer }>();
  private readSeq = 0;
  private ridSeq = 0;
  private applied = 0;
  private lastSnapshotIndex = 0;
  private lastSnapshotTerm = 0;
  private fatal: Error | null = null;
  /** Last log index on this node's disk (every index up to it is durable). */
  private durableIndex = 0;
  /** Term and vote on disk: messages that depend on a change of them wait for the write. */
  private durableTerm = 0;
  private durableVote: string | null = null;

  private constructor(private readonly o: RaftNodeOptions<R>) {
    this.env = o.env ?? realEnv(o.client, o.addressOf);
  }

  static async open<R>(o: RaftNodeOptions<R>): Promise<RaftNode<R>> {
    const n = new RaftNode(o);
    await n.init();
    return n;
  }

  private async init(): Promise<void> {
    const o = this.o;
    this.storage = await RaftStorage.open(path.join(o.dataDir, 'raft'), { io: this.env.io, segmentBytes: o.tuning?.segmentBytes });
    const rec = this.storage.recovered;
    // The configuration at index 0, the same on every restart: only the node that
    // bootstrapped the cluster starts as its single voter; joiners learn it from the log.
    const initialConfig: ClusterConfig = o.genesis ?? (o.bootstrap ? { voters: [o.id], learners: [] } : { voters: [], learners: [] });
    this.durableIndex = rec.entries.at(-1)?.index ?? rec.snapshot?.lastIncludedIndex ?? 0;
    this.durableTerm = rec.hardState.term;
    this.durableVote = rec.hardState.vote;
    if (rec.snapshot) {
      o.machine.restore(rec.snapshot.data);
      this.applied = rec.snapshot.lastIncludedIndex;
      this.lastSnapshotIndex = rec.snapshot.lastIncludedIndex;
      this.lastSnapshotTerm = rec.snapshot.lastIncludedTerm;
    }
    this.core = new RaftCore({
      id: o.id,
      config: initialConfig,
      hardState: rec.hardState,
      snapshot: rec.snapshot,
      entries: rec.entries,
      electionTicks: o.timing.electionTicks,
      heartbeatTicks: o.timing.heartbeatTicks,
      // Election jitter is the one randomness Raft needs; the core gets it injected.
      random: this.env.random,
      preVote: true,
      checkQuorum: true,
      maxEntriesPerAppend: o.tuning?.maxEntriesPerAppend ?? 512,
      maxInflight: o.tuning?.maxInflight,
      maxUncommittedEntries: o.tuning?.maxUncommittedEntries,
    });
    o.log.info({ term: rec.hardState.term, entries: rec.entries.length, snapshot: rec.snapshot?.lastIncludedIndex ?? 0, bootstrap: o.bootstrap }, 'raft state recovered');
  }

  /**
   * Ticks follow the wall clock (performance.now()), not the count of timer callbacks: a
   * busy or starved event loop runs a 10 ms interval every 15–20 ms, which would stretch
   * a 0.3–0.6 s election timeout by half. Missed ticks are made up, but at most
   * MAX_CATCH_UP_TICKS per callback: after a long stall (GC, a big snapshot, a suspended
   * laptop) the node does not time out at once, and the replies that queued up during the
   * stall are read before the next ticks (so CheckQuorum still sees them).
   */
  start(): void {
    const tickMs = this.o.timing.tickMs;
    const env = this.env;
    let last = env.now();
    this.ticker = env.setInterval(() => {
      const now = env.now();
      const due = Math.floor((now - last) / tickMs);
      if (due <= 0) return;
      const n = Math.min(due, MAX_CATCH_UP_TICKS);
      last = due > n ? now : last + n * tickMs;
      for (let i = 0; i < n; i++) this.core.tick();
      this.schedule();
    }, tickMs);
    this.schedule();
  }

  get role(): string {
    return this.soft.role;
  }
  get leader(): string | null {
    return this.soft.leader;
  }
  isLeader(): boolean {
    return this.soft.role === 'leader';
  }
  status() {
    return this.core.status();
  }
  appliedIndex(): number {
    return this.applied;
  }

  /** Resolves once this node has applied `index` (or after `timeoutMs`, whichever first). */
  waitApplied(index: number, timeoutMs: number): Promise<boolean> {
    if (this.applied >= index) return Promise.resolve(true);
    return new Promise((resolve) => {
      const entry = { index, resolve, timer: this.env.setTimeout(() => {
        this.appliedWaiters.delete(entry);
        resolve(false);
      }, timeoutMs) };
      this.appliedWaiters.add(entry);
    });
  }

  /**
   * ReadIndex on the leader (see RaftCore.readIndex): resolves with an index such that a
   * read of the state machine once it has applied that index is linearizable. Rejects with
   * NotLeaderError on a non-leader, and ReadIndexError when leadership is lost first or
   * `timeoutMs` passes (never a guess).
   */
  readIndex(timeoutMs: number): Promise<number> {
    this.assertHealthy();
    const ctx = ++this.readSeq;
    if (!this.core.readIndex(ctx)) {
      if (this.core.status().role === 'leader') return Promise.reject(new ReadIndexError('too many reads waiting; retry shortly'));
      return Promise.reject(new NotLeaderError(this.soft.leader));
    }
    return new Promise((resolve, reject) => {
      const timer = this.env.setTimeout(() => {
        this.readWaiters.delete(ctx);
        reject(new ReadIndexError(`leadership not confirmed by a majority within ${timeoutMs} ms`));
      }, timeoutMs);
      this.readWaiters.set(ctx, { resolve, reject, timer });
      this.schedule();
    });
  }

  /** Proposes a command; resolves once it is committed and applied here, with its result. */
  propose(data: unknown, timeoutMs = 5000): Promise<{ index: number; result: R | null }> {
    this.assertHealthy();
    if (!this.isLeader()) return Promise.reject(new NotLeaderError(this.soft.leader));
    const at = this.core.propose(data);
    if (!at) {
      const st = this.core.status();
      // Handing leadership over: callers retry as with any leader change.
      if (st.transferee) return Promise.reject(new NotLeaderError(st.transferee, `leadership is being handed to ${st.transferee}; retry shortly`));
      // Still the leader but refused: the uncommitted backlog is full (back-pressure); retryable.
      if (st.role === 'leader') return Promise.reject(new ProposalLostError('leader backlog full; retry shortly'));
      return Promise.reject(new NotLeaderError(this.soft.leader));
    }
    return this.wait(at, timeoutMs);
  }

  /** Proposes a single-server configuration change carrying a ledger command. */
  proposeConfig(change: ConfigChange, data: unknown, timeoutMs = 5000): Promise<{ index: number; result: R | null }> {
    this.assertHealthy();
    if (!this.isLeader()) return Promise.reject(new NotLeaderError(this.soft.leader));
    const refusal = this.core.configRefusal(change);
    const at = refusal === null ? this.core.proposeConfig(change, data) : null;
    if (!at) return Promise.reject(new ConfigChangeRefused(refusal ?? 'refused'));
    return this.wait(at, timeoutMs);
  }

  /** Steps an incoming request (from the HTTP routes) and resolves with the core's reply. */
  handle(msg: RaftMessage, timeoutMs = 3000): Promise<RaftMessage> {
    this.assertHealthy();
    const rid = ++this.ridSeq;
    return new Promise((resolve, reject) => {
      const timer = this.env.setTimeout(() => {
        this.pendingReplies.delete(rid);
        reject(new Error('raft reply timed out'));
      }, timeoutMs);
      this.pendingReplies.set(rid, (m) => {
        this.env.clearTimeout(timer);
        resolve(m);
      });
      // Object.assign, not `{ ...msg, rid }`: V8 (Node 20) builds that on a slow path.
      this.core.step(Object.assign({}, msg, { rid }));
      this.schedule();
    });
  }

  /** Steps a one-way message (TimeoutNow) from the HTTP routes. */
  deliver(msg: RaftMessage): void {
    this.assertHealthy();
    this.core.step(msg);
    this.schedule();
  }

  /**
   * A leader about to stop hands leadership to its most caught-up voter (thesis §3.10) and
   * waits, at most `timeoutMs`, until it has stepped down, so the cluster does not sit out
   * an election timeout. Resolves true when it did step down; false when this node was not
   * leading, leads alone, or the successor did not take over in time (then the transfer
   * lapses after an election timeout and the cluster elects as after a crash).
   */
  async handOff(timeoutMs = HANDOFF_MS): Promise<boolean> {
    if (this.stopped || this.fatal || this.handOffTried || !this.isLeader()) return false;
    // Once per stop: the node's stop() and then RaftNode.stop() both ask.
    this.handOffTried = true;
    const to = transferTarget(this.core.status());
    if (!to || this.core.transferLeadership(to) !== null) return false;
    this.o.log.info({ to }, 'handing leadership over before stopping');
    this.schedule();
    const deadline = performance.now() + timeoutMs;
    while (this.isLeader() && !this.fatal && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    const done = !this.isLeader();
    this.o.log.info({ to, done, leader: this.soft.leader }, done ? 'leadership handed over' : 'leadership hand-off timed out');
    return done;
  }

  async stop(): Promise<void> {
    if (!this.stopped) await this.handOff();
    this.stopped = true;
    if (this.ticker) this.env.clearInterval(this.ticker);
    while (this.running) await new Promise<void>((r) => this.env.setTimeout(r, 5));
    for (const w of this.waiters.values()) {
      this.env.clearTimeout(w.timer);
      w.reject(new ProposalLostError('node stopping'));
    }
    this.waiters.clear();
    for (const w of this.readWaiters.values()) {
      this.env.clearTimeout(w.timer);
      w.reject(new ReadIndexError('node stopping'));
    }
    this.readWaiters.clear();
    await this.storage.close();
  }

  // ---- internals ------------------------------------------------------------------------

  private wait(at: { index: number; term: number }, timeoutMs: number): Promise<{ index: number; result: R | null }> {
    return new Promise((resolve, reject) => {
      const timer = this.env.setTimeout(() => {
        this.waiters.delete(at.index);
        reject(new ProposalLostError(`entry ${at.index} not applied within ${timeoutMs} ms (outcome unknown)`));
      }, timeoutMs);
      this.waiters.set(at.index, { term: at.term, resolve, reject, timer });
      this.schedule();
    });
  }

  private assertHealthy(): void {
    if (this.fatal) throw this.fatal;
    if (this.stopped) throw new ProposalLostError('node stopped');
  }

  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.env.defer(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      for (let rd = this.core.ready(); rd; rd = this.stopped ? null : this.core.ready()) {
        await this.handleReady(rd);
      }
    } catch (err) {
      // A disk that cannot be written is fatal: stop serving rather than lie.
      this.fatal = err as Error;
      this.o.log.fatal({ err }, 'raft storage failed; this node stops taking part');
      if (this.ticker) this.env.clearInterval(this.ticker);
    } finally {
      this.running = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState.role !== this.soft.role || rd.softState.leader !== this.soft.leader) {
      const before = this.soft;
      this.soft = rd.softState;
      this.o.log.info({ role: rd.softState.role, leader: rd.softState.leader, was: before.role }, 'raft role');
      this.o.onSoftState?.(rd.softState);
    }
    this.o.observer?.ready?.(rd, this.core);
    // Read states depend on nothing this Ready persists: answer them first.
    for (const rs of rd.readStates) this.settleRead(rs.ctx, rs.index);
    const hs = rd.hardState;
    const termOrVoteChanges = hs !== null && (hs.term !== this.durableTerm || hs.vote !== this.durableVote);
    // Committed entries this node already holds on disk (written by an earlier Ready, and
    // not about to be overwritten by this one) need not wait for this Ready's write: they
    // are committed and durable here, so applying them and answering their clients now is
    // what step 3 would do after the write, only one fsync sooner.
    let applied = 0;
    if (!rd.snapshot) {
      const limit = Math.min(this.durableIndex, rd.entries.length > 0 ? rd.entries[0].index - 1 : Infinity);
      while (applied < rd.committed.length && rd.committed[applied].index <= limit) this.applyEntry(rd.committed[applied++]);
      if (applied > 0) this.wakeAppliedWaiters();
    }
    // A leader's append (and snapshot) requests may leave while it writes the entries they
    // carry (thesis §10.2.1, etcd): the leader counts its own copy towards a commit only
    // once advance() says it is durable, so nothing is committed on the strength of an
    // unwritten entry. Not when this Ready changes the term or vote: a message of a new
    // term must never be out before that term (and the vote in it) is on disk. Answers to
    // requests (votes, append results) always wait for the write.
    const early = !termOrVoteChanges;
    if (early) for (const m of rd.messages) if (m.type === 'append' || m.type === 'snapshot') this.send(m);
    // 1. persist
    if (rd.snapshot || rd.entries.length > 0 || hs) {
      const t0 = this.env.now();
      await this.storage.save({ hardState: hs, entries: rd.entries, snapshot: rd.snapshot }, rd.mustSync);
      this.o.metrics.raftSyncDuration.observe((this.env.now() - t0) / 1000);
      if (rd.snapshot) this.durableIndex = rd.snapshot.lastIncludedIndex;
      if (rd.entries.length > 0) this.durableIndex = rd.entries[rd.entries.length - 1].index;
      if (hs) {
        this.durableTerm = hs.term;
        this.durableVote = hs.vote;
      }
    }
    // 2. send (only what the persisted state justifies)
    for (const m of rd.messages) if (!early || (m.type !== 'append' && m.type !== 'snapshot')) this.send(m);
    // 3. apply
    if (rd.snapshot) this.installSnapshot(rd.snapshot);
    for (let k = applied; k < rd.committed.length; k++) this.applyEntry(rd.committed[k]);
    // 4. advance
    this.o.observer?.done?.(rd, this.core);
    this.core.advance(rd);
    const st = this.core.status();
    this.o.metrics.raftTerm.set(st.term);
    this.o.metrics.raftCommitIndex.set(st.commit);
    this.o.metrics.raftAppliedIndex.set(this.applied);
    this.wakeAppliedWaiters();
    await this.maybeCompact();
  }

  private settleRead(ctx: number, index: number | null): void {
    const w = this.readWaiters.get(ctx);
    if (!w) return;
    this.readWaiters.delete(ctx);
    this.env.clearTimeout(w.timer);
    if (index === null) w.reject(new ReadIndexError('leadership lost before a majority confirmed the read'));
    else w.resolve(index);
  }

  private wakeAppliedWaiters(): void {
    for (const w of this.appliedWaiters) {
      if (w.index <= this.applied) {
        this.env.clearTimeout(w.timer);
        this.appliedWaiters.delete(w);
        w.resolve(true);
      }
    }
  }

  private send(m: RaftMessage): void {
    if (m.type === 'voteResp' || m.type === 'appendResp' || m.type === 'snapshotResp') {
      const reply = m.rid !== undefined ? this.pendingReplies.get(m.rid) : undefined;
      if (reply) {
        this.pendingReplies.delete(m.rid!);
        reply(m);
      }
      return;
    }
    this.env.send(m, (resp) => {
      if (this.stopped) return;
      this.core.step(resp);
      this.schedule();
    });
  }

  private installSnapshot(s: Snapshot): void {
    this.o.machine.restore(s.data);
    this.applied = s.lastIncludedIndex;
    this.lastSnapshotIndex = s.lastIncludedIndex;
    this.lastSnapshotTerm = s.lastIncludedTerm;
    for (const [index, w] of this.waiters) {
      if (index <= s.lastIncludedIndex) {
        this.env.clearTimeout(w.timer);
        this.waiters.delete(index);
        w.reject(new ProposalLostError(`entry ${index} was covered by a snapshot before its result was seen`));
      }
    }
    this.o.log.info({ index: s.lastIncludedIndex }, 'installed snapshot');
  }

  private applyEntry(e: Entry): void {
    if (e.index <= this.applied) return;
    const result = this.o.machine.apply(e);
    this.applied = e.index;
    this.o.onApplied?.(e, result);
    const w = this.waiters.get(e.index);
    if (!w) return;
    this.env.clearTimeout(w.timer);
    this.waiters.delete(e.index);
    if (w.term === e.term) w.resolve({ index: e.index, result });
    else w.reject(new ProposalLostError(`entry ${e.index} was replaced by a newer leader's entry`));
  }

  /**
   * Snapshots fall on a grid of `snapshotEvery` applied entries shifted by an offset drawn
   * from the node id, so peers applying the same log do not all serialise their state at
   * the same index (and stall together). The next one is the first grid point at least half
   * an interval after the last snapshot (taken or installed).
   */
  private async maybeCompact(): Promise<void> {
    const every = Math.max(1, this.o.snapshotEvery);
    const from = this.lastSnapshotIndex + Math.ceil(every / 2);
    const next = from + ((((snapshotPhase(this.o.id, every) - from) % every) + every) % every);
    if (this.applied < next) return;
    if (!this.core.compact(this.applied, this.o.machine.snapshot())) return;
    const snap = this.core.snapshot()!;
    await this.storage.saveSnapshot(snap);
    await this.storage.compact(snap.lastIncludedIndex);
    this.lastSnapshotIndex = snap.lastIncludedIndex;
    this.lastSnapshotTerm = snap.lastIncludedTerm;
    this.o.log.info({ index: snap.lastIncludedIndex }, 'snapshot taken, log compacted');
  }
}

export class ConfigChangeRefused extends Error {}

/** A node's snapshot offset in [0, every): a hash of its id (FNV-1a, then mixed), the same on every restart. */
export function snapshotPhase(id: string, every: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % Math.max(1, every);
}
