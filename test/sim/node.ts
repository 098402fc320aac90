// One simulated peer: the real driver (server/raft/raft-node.ts) and the real storage
// (server/storage/raft-storage.ts) over a simulated file system (sim-fs.ts), with the
// virtual clock, timers on the simulator's event queue and the simulated network injected
// through RaftEnv. This file only wires them up and reports to the safety checker (through
// RaftNode's observer and the state machine it drives); the order of duties is RaftNode's.
// A crash throws away the process (RaftNode, its timers, its pending I/O) but not the disk,
// which loses what it had not synced.
import type { ClusterConfig, ConfigChange, Entry, RaftCore, RaftMessage, Ready, RaftStatus } from '../../server/raft/core/index.ts';
import type { AppendRequest, SnapshotRequest, TimeoutNowRequest, VoteRequest } from '../../server/raft/core/types.ts';
import { requestBody, responseFrom } from '../../server/raft/transport.ts';
import { RaftNode, type EnvTimer, type RaftEnv, type RaftMetrics, type StateMachine } from '../../server/raft/raft-node.ts';
import type { Logger } from '../../server/log.ts';
import type { ApplyCtx, ClientOp, SimApp } from './app.ts';
import type { Checker } from './checker.ts';
import { DurableLog } from './durable-log.ts';
import type { Network } from './network.ts';
import type { Rng } from './rng.ts';
import { SimFs } from './sim-fs.ts';

export type RaftRequest = VoteRequest | AppendRequest | SnapshotRequest | TimeoutNowRequest;

export interface NodeEnv {
  rng: Rng;
  app: SimApp;
  checker: Checker;
  now(): number;
  /** Run `fn` after `ms` of virtual time (0: as the next event at this instant). */
  at(ms: number, fn: () => void): Scheduled;
  /** Unschedule what `at` returned (nothing if it already ran). */
  cancel(s: Scheduled): void;
  /** Carry request `m` to its addressee; `deliver` gets the answer, if one comes back. */
  send(m: RaftRequest, deliver: (reply: RaftMessage) => void): void;
  /** Does node `id`'s disk hold entry (index, term) durably? (false for unknown nodes) */
  durable(id: string, index: number, term: number): boolean;
  /** How long one fsync takes (ms). */
  syncDelay(): number;
  trace(s: string): void;
  /** The driver hit an error (a safety violation, an invariant, a storage error): the run fails. */
  fail(err: unknown): void;
  raft: { electionTicks: number; heartbeatTicks: number; maxEntriesPerAppend: number; maxInflight: number; maxUncommittedEntries: number };
  compactEvery: number;
  /** WAL segment size: small, so segments roll and are deleted. */
  segmentBytes: number;
  /** Does the simulated platform offer O_DSYNC? */
  dsync: boolean;
  /** Deliberately break the disk under the driver (to prove the checker catches it). */
  driverBug: DriverBug;
  /** How long a client waits for a proposal before calling its outcome unknown. */
  proposeTimeoutMs?: number;
}

/** What `NodeEnv.at` returns (opaque). */
export type Scheduled = unknown;

/** 'skip-fsync': syncs make nothing durable; 'send-before-persist': syncs return before the data is durable. */
export type DriverBug = 'none' | 'skip-fsync' | 'send-before-persist';

const TICK_MS = 10;
/**
 * When a deferred job (RaftNode's setImmediate: the next Ready) runs: after the CPU time of
 * the job that scheduled it, far below what handling a request costs in production. Messages
 * that arrive meanwhile go into the same Ready, as Node's poll phase runs before its check
 * phase; at 0 every message made a Ready of its own, which no real process does under load.
 */
const DEFER_MS = 0.05;

const noop = (): void => undefined;
const metrics = {
  raftSyncDuration: { observe: noop },
  raftTerm: { set: noop },
  raftCommitIndex: { set: noop },
  raftAppliedIndex: { set: noop },
} as unknown as RaftMetrics;

/**
 * A RaftEnv timer on the simulator's queue. A cleared timer leaves the queue at once, and a
 * crash clears every timer of the dead process (RaftNode sets one per request it answers,
 * proposal and read, and clears nearly all of them early).
 */
class SimTimer {
  private next: Scheduled = null;
  private off = false;

  constructor(
    private readonly env: NodeEnv,
    private readonly owner: Set<SimTimer>,
    /** Is the process that armed it still running? */
    private readonly live: () => boolean,
    private readonly fn: () => void,
    private readonly ms: number,
    private readonly repeat: boolean,
  ) {
    owner.add(this);
    // An interval's first callback comes at a random phase: each process's timer has its own.
    this.next = env.at(repeat ? env.rng.next() * ms : ms, () => this.fire());
  }

  private fire(): void {
    if (this.off || !this.live()) return;
    if (this.repeat) this.next = this.env.at(this.ms, () => this.fire());
    else this.owner.delete(this);
    this.fn();
  }

  clear(): void {
    if (this.off) return;
    this.off = true;
    this.owner.delete(this);
    this.env.cancel(this.next);
  }
}

export class SimNode {
  readonly fs: SimFs;
  readonly durableLog: DurableLog;
  node: RaftNode<unknown> | null = null;
  private booting = false;
  state: unknown = null;
  /** Incarnation: bumps on every start and crash, so a dead process's timers and I/O are ignored. */
  epoch = 0;
  /** Client ops this node proposed as leader, by log index. */
  private ops = new Map<number, ClientOp>();
  private batches = 0;
  private term = 0;
  private ledTerm = -1;
  private voters: string[] = [];
  private prevVoters: string[] = [];
  private checkedCommit = 0;
  private restoreIndex: number | null = null;
  /** The running process's timers (a crash clears them). */
  private readonly timers = new Set<SimTimer>();
  crashes = 0;

  constructor(
    readonly id: string,
    /** Configuration at index 0 (empty for a node joining later). */
    readonly bootstrap: ClusterConfig,
    /** The cluster's founding members: the application's genesis state must be the same
     *  on every replica, joiners included, or replaying from index 1 diverges. */
    private readonly genesis: string[],
    private readonly env: NodeEnv,
  ) {
    const bug = env.driverBug === 'skip-fsync' ? 'skip-fsync' : env.driverBug === 'send-before-persist' ? 'early-fsync' : 'none';
    this.fs = new SimFs({ rng: env.rng, after: env.at, syncDelay: env.syncDelay }, { dsync: env.dsync, bug });
    this.durableLog = new DurableLog(this.fs, this.raftDir);
  }

  private get raftDir(): string {
    return `/sim/${this.id}/raft`;
  }

  /** The process exists (booting or running). */
  get alive(): boolean {
    return this.booting || this.node !== null;
  }

  /** Running: recovery is done and the node takes part. */
  get ready(): boolean {
    return this.node !== null;
  }

  get tornWrites(): number {
    return this.fs.stats.tornWrites;
  }

  /** Virtual time (the simulator's clock). */
  now(): number {
    return this.env.now();
  }

  status(): RaftStatus | null {
    return this.node?.status() ?? null;
  }

  /** Boot (or reboot) the real driver from whatever the disk holds. */
  start(): void {
    const inc = ++this.epoch;
    const live = (): boolean => this.epoch === inc;
    const { env } = this;
    this.booting = true;
    this.state = env.app.create(this.genesis);
    this.batches = 0;
    this.term = 0;
    this.ledTerm = -1;
    this.voters = [];
    this.prevVoters = [];
    this.checkedCommit = 0;
    this.restoreIndex = null;
    const timers = this.timers;
    const raftEnv: RaftEnv = {
      now: () => env.now(),
      random: () => env.rng.next(),
      setTimeout: (fn, ms) => new SimTimer(env, timers, live, fn, ms, false),
      clearTimeout: (t: EnvTimer) => (t as SimTimer).clear(),
      setInterval: (fn, ms) => new SimTimer(env, timers, live, fn, ms, true),
      clearInterval: (t: EnvTimer) => (t as SimTimer).clear(),
      defer: (fn) => env.at(DEFER_MS, () => live() && fn()),
      send: (m, deliver) => {
        if (live()) env.send(m, (r) => live() && deliver(r));
      },
      io: this.fs.io,
    };
    const fatal = (obj: unknown): void => {
      if (live()) env.fail((obj as { err?: unknown })?.err ?? obj);
    };
    const log = { info: noop, warn: noop, error: noop, debug: noop, trace: noop, fatal, child: () => log } as unknown as Logger;
    void RaftNode.open<unknown>({
      id: this.id,
      dataDir: `/sim/${this.id}`,
      log,
      metrics,
      client: null as never,
      addressOf: () => undefined,
      bootstrap: false,
      genesis: this.bootstrap,
      timing: { tickMs: TICK_MS, heartbeatTicks: env.raft.heartbeatTicks, electionTicks: env.raft.electionTicks },
      machine: this.machine(),
      snapshotEvery: env.compactEvery,
      env: raftEnv,
      tuning: {
        maxEntriesPerAppend: env.raft.maxEntriesPerAppend,
        maxInflight: env.raft.maxInflight,
        maxUncommittedEntries: env.raft.maxUncommittedEntries,
        segmentBytes: env.segmentBytes,
      },
      observer: { ready: (rd, core) => this.onReady(rd, core), done: (rd) => this.onDone(rd) },
    }).then(
      (n) => {
        if (!live()) return;
        this.booting = false;
        this.node = n;
        n.start();
        env.trace(`up ${this.id} t${n.status().term} last${n.status().lastIndex}`);
      },
      (err: unknown) => {
        if (live()) env.fail(new Error(`${this.id} cannot start from its disk: ${err instanceof Error ? err.message : String(err)}`));
      },
    );
  }

  /** Power loss: the process dies; unsynced writes are partly lost; pending ops become unknown. */
  crash(): void {
    if (!this.alive) return;
    this.epoch++;
    for (const t of [...this.timers]) t.clear();
    const r = this.fs.crash();
    this.env.trace(`crash ${this.id} kept=${r.kept} lost=${r.lost} torn=${r.torn}`);
    this.node = null;
    this.booting = false;
    this.state = null;
    for (const op of this.ops.values()) if (op.outcome === 'pending') op.outcome = 'info';
    this.ops.clear();
    this.crashes++;
  }

  /** Step a request from a peer (as the HTTP route does); resolves with the core's answer. */
  handle(m: RaftMessage): Promise<RaftMessage> | null {
    const n = this.node;
    if (!n) return null;
    try {
      // TimeoutNow is one-way (the route answers {} at once): no reply reaches the sender.
      if (m.type === 'timeoutNow') {
        n.deliver(m);
        return null;
      }
      return n.handle(m);
    } catch {
      return null; // the node stopped on a fatal error (already reported)
    }
  }

  /** Propose a client op if this node leads; false otherwise (the client sees a refusal). */
  propose(op: ClientOp): boolean {
    const n = this.node;
    if (!n || !n.isLeader()) return false;
    const before = n.status().lastIndex;
    const p = n.propose(op.command, this.env.proposeTimeoutMs ?? 5000);
    const st = n.status();
    if (st.lastIndex === before) {
      p.catch(noop);
      return false;
    }
    op.index = st.lastIndex;
    op.term = st.term;
    const index = st.lastIndex;
    this.ops.set(index, op);
    p.then(
      (r) => {
        if (op.outcome !== 'pending') return;
        this.ops.delete(index);
        op.outcome = r.index === index ? 'ok' : 'info';
        op.result = r.result;
      },
      () => {
        // Replaced by another leader's entry, timed out or covered by a snapshot: unknown.
        if (op.outcome !== 'pending') return;
        this.ops.delete(index);
        op.outcome = 'info';
      },
    );
    return true;
  }

  /** One membership change through this node if it leads; the index, or null if refused. */
  proposeConfig(change: ConfigChange): number | null {
    const n = this.node;
    if (!n || !n.isLeader()) return null;
    const before = n.status().lastIndex;
    n.proposeConfig(change, undefined, 60_000).catch(noop);
    const after = n.status().lastIndex;
    return after === before ? null : after;
  }

  /** ReadIndex through the real driver (null when this node is not running). */
  readIndex(timeoutMs: number): Promise<number> | null {
    const n = this.node;
    if (!n) return null;
    try {
      return n.readIndex(timeoutMs);
    } catch {
      return null;
    }
  }

  /** Unresolved ops are unknown at the end of a run. */
  pendingOps(): ClientOp[] {
    return [...this.ops.values()];
  }

  // ---- what the checker sees --------------------------------------------------------------

  /** Before RaftNode carries out a Ready: leadership, entries to persist, the commit it claims. */
  private onReady(rd: Ready, core: RaftCore): void {
    const { checker } = this.env;
    if (rd.hardState) this.term = rd.hardState.term;
    const leading = rd.softState.role === 'leader';
    if (this.ops.size > 0 && (!leading || this.term !== this.ledTerm)) this.forgetLostOps(leading);
    if (leading) {
      if (this.ledTerm !== this.term) {
        this.ledTerm = this.term;
        checker.onLeader(core, this.term);
      }
      this.prevVoters = this.voters;
      this.voters = core.status().config.voters;
    }
    if (rd.entries.length > 0) checker.onPersist(this.id, rd.entries, core.termAt(rd.entries[0].index - 1));
    if (rd.snapshot) this.restoreIndex = rd.snapshot.lastIncludedIndex;
    if (rd.hardState) {
      const c = rd.hardState.commit;
      if (leading && c > this.checkedCommit) {
        // The commit was computed from acknowledgments that must already be durable (the
        // leader's own copy counts only once advance() confirmed it): check the disks now.
        const t = core.termAt(c);
        if (t !== undefined) {
          checker.onLeaderCommit(this.id, c, t, this.voters, this.prevVoters, (v) => this.env.durable(v, c, t));
          this.checkedCommit = c;
        }
      }
      checker.onCommit(this.id, this.epoch, c);
    }
  }

  private onDone(rd: Ready): void {
    if (rd.committed.length > 0 && ++this.batches % (this.env.app.checkEvery ?? 1) === 0) this.checkInvariants();
  }

  /**
   * Ops proposed in a term this node no longer leads have an unknown outcome (`info`): a
   * later leader may commit them or truncate them, and a truncated index may never be
   * reached again, so waiting for their apply could wait forever. The client re-proposes
   * or counts them as unknown, as a real client after a leader change would.
   */
  private forgetLostOps(leading: boolean): void {
    for (const [index, op] of this.ops) {
      if (op.term! < this.term || (!leading && op.term! <= this.term)) {
        op.outcome = 'info';
        this.ops.delete(index);
      }
    }
  }

  /** The application behind RaftNode's StateMachine interface, reporting to the checker. */
  private machine(): StateMachine<unknown> {
    const { app, checker } = this.env;
    return {
      apply: (e: Entry) => {
        checker.onApply(this.id, e);
        const ctx: ApplyCtx = { index: e.index, term: e.term };
        let result: unknown = null;
        if (e.kind === 'command') result = app.apply(this.state, e.data, ctx);
        else app.applyOther?.(this.state, ctx);
        // Replicas must agree on the application state itself, not only on the log.
        if (e.index % (app.digestEvery ?? 16) === 0) checker.onSnapshotState(this.id, e.index, app.digest(this.state));
        return result;
      },
      snapshot: () => {
        const snap = app.snapshotWithDigest?.(this.state) ?? { data: app.snapshot(this.state), digest: app.digest(this.state) };
        checker.onSnapshotState(this.id, this.node?.appliedIndex() ?? 0, snap.digest);
        return snap.data;
      },
      restore: (data: unknown) => {
        this.state = app.restore(data);
        // A snapshot installed from the leader (at boot, the node's own from its disk).
        if (this.restoreIndex !== null) {
          checker.onSnapshotState(this.id, this.restoreIndex, app.digest(this.state));
          this.env.trace(`install ${this.id} @${this.restoreIndex}`);
          this.restoreIndex = null;
        }
      },
    };
  }

  private checkInvariants(): void {
    const errs = this.env.app.invariants(this.state);
    if (errs.length > 0) throw new Error(`application invariant on ${this.id}: ${errs.slice(0, 5).join('; ')}`);
  }
}

// ---- the transport ------------------------------------------------------------------------

/** A message in flight: its link, what the trace shows of it, and what happens on arrival. */
export interface Envelope {
  from: string;
  to: string;
  type: string;
  term: number;
  arrive: () => void;
}

/**
 * One Raft request over the simulated network, the way the HTTP transport carries it: the
 * addressee steps what its route would build from the request body (JSON when `wire`), and
 * the sender gets what `responseFrom` (the HTTP transport's own conversion) makes of the
 * answer. A node that is down or still recovering refuses the connection; one that crashes
 * before answering never answers.
 */
export function carryRaft(net: Network<Envelope>, now: number, wire: boolean, nodeOf: (id: string) => SimNode | undefined, m: RaftRequest, deliver: (reply: RaftMessage) => void): void {
  const arrive = (): void => {
    const to = nodeOf(m.to);
    if (!to) return;
    const epoch = to.epoch;
    const answer = to.handle(asReceived(m, wire));
    if (m.type === 'timeoutNow') return; // one-way
    answer?.then(
      (reply) => {
        if (to.epoch !== epoch) return;
        const resp = responseFrom(m, reply as never);
        net.send({ from: m.to, to: m.from, type: resp.type, term: resp.term, arrive: () => deliver(wire ? clone(resp) : resp) }, to.now());
      },
      noop, // timed out inside the node: no answer, as a failed HTTP call
    );
  };
  net.send({ from: m.from, to: m.to, type: m.type, term: m.term, arrive }, now);
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** A request as the addressee's route builds it from the HTTP body (server/raft/routes.ts). */
function asReceived(m: RaftRequest, wire: boolean): RaftMessage {
  const b = requestBody(m) as Record<string, unknown>;
  const body = wire ? clone(b) : b;
  if (m.type !== 'snapshot') return { type: m.type, from: m.from, to: m.to, ...body } as RaftMessage;
  const { lastIncludedIndex, lastIncludedTerm, config, data } = body as { lastIncludedIndex: number; lastIncludedTerm: number; config: ClusterConfig; data: unknown };
  return { type: 'snapshot', from: m.from, to: m.to, term: m.term, leaderId: m.leaderId, snapshot: { lastIncludedIndex, lastIncludedTerm, config, data } };
}
