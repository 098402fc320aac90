// One simulated peer: a RaftCore, its disk, its application state, and the driver loop
// that honours the Ready contract in order: persist → sync → send → apply → advance.
// A crash throws away everything but the disk (minus what the disk itself loses).
import { RaftCore, type ClusterConfig, type Entry, type RaftMessage, type Ready, type ReadState } from '../../server/raft/core/index.ts';
import type { ApplyCtx, ClientOp, SimApp } from './app.ts';
import type { Checker } from './checker.ts';
import { SimDisk } from './disk.ts';
import type { Rng } from './rng.ts';

export interface NodeEnv {
  rng: Rng;
  app: SimApp;
  checker: Checker;
  now(): number;
  send(m: RaftMessage): void;
  /** Schedule this node's disk completion `delay` ms from now. */
  scheduleDisk(node: SimNode, delay: number): void;
  /** Does node `id`'s disk hold entry (index, term) durably? (false for unknown nodes) */
  durable(id: string, index: number, term: number): boolean;
  diskDelay(): number;
  trace(s: string): void;
  raft: { electionTicks: number; heartbeatTicks: number; maxEntriesPerAppend: number; maxInflight: number; maxUncommittedEntries: number };
  compactEvery: number;
  /** Deliberately break the driver contract (to prove the checker catches it). */
  driverBug: DriverBug;
  /** Told every ReadIndex answer (they need nothing persisted first). */
  onRead?(node: string, rs: ReadState): void;
}

export type DriverBug = 'none' | 'skip-fsync' | 'send-before-persist';

export class SimNode {
  readonly disk = new SimDisk();
  core: RaftCore | null = null;
  state: unknown = null;
  /** Incarnation: bumps on every restart so stale timers of a dead process are ignored. */
  epoch = 0;
  private inflight: Ready | null = null;
  /** Client ops this node proposed as leader, by log index. */
  private ops = new Map<number, ClientOp>();
  private batches = 0;
  /** Tracked from Readies, so hot paths need not build core.status(). */
  private term = 0;
  private applied = 0;
  private snapIndex = 0;
  private ledTerm = -1;
  /** Leader: voters when the last Ready was cut, and the last commit checked. */
  private voters: string[] = [];
  private prevVoters: string[] = [];
  private checkedCommit = 0;
  crashes = 0;
  tornWrites = 0;

  constructor(
    readonly id: string,
    /** Configuration at index 0 (empty for a node joining later). */
    readonly bootstrap: ClusterConfig,
    /** The cluster's founding members: the application's genesis state must be the same
     *  on every replica, joiners included, or replaying from index 1 diverges. */
    private readonly genesis: string[],
    private readonly env: NodeEnv,
  ) {}

  get alive(): boolean {
    return this.core !== null;
  }

  /** Boot (or reboot) from whatever the disk holds. */
  start(): void {
    const { app, rng, raft } = this.env;
    const rec = this.disk.recover();
    this.tornWrites += rec.tornRecords;
    this.state = rec.snapshot ? app.restore(rec.snapshot.data) : app.create(this.genesis);
    this.epoch++;
    this.core = new RaftCore({
      id: this.id,
      config: this.bootstrap,
      hardState: rec.hardState,
      snapshot: rec.snapshot,
      entries: rec.entries,
      applied: rec.snapshot?.lastIncludedIndex ?? 0,
      random: () => rng.next(),
      electionTicks: raft.electionTicks,
      heartbeatTicks: raft.heartbeatTicks,
      maxEntriesPerAppend: raft.maxEntriesPerAppend,
      maxInflight: raft.maxInflight,
      maxUncommittedEntries: raft.maxUncommittedEntries,
    });
    this.inflight = null;
    this.batches = 0;
    this.term = rec.hardState.term;
    this.snapIndex = this.applied = rec.snapshot?.lastIncludedIndex ?? 0;
    this.ledTerm = -1;
    this.checkedCommit = 0;
  }

  /** Power loss: the process dies; unsynced writes are partly lost; pending ops become unknown. */
  crash(): void {
    if (!this.core) return;
    const r = this.disk.crash(this.env.rng);
    this.env.trace(`crash ${this.id} kept=${r.kept} torn=${r.torn}`);
    this.core = null;
    this.state = null;
    this.inflight = null;
    for (const op of this.ops.values()) if (op.outcome === 'pending') op.outcome = 'info';
    this.ops.clear();
    this.crashes++;
  }

  tick(): void {
    this.core?.tick();
    this.pump();
  }

  step(m: RaftMessage): void {
    this.core?.step(m);
    this.pump();
  }

  /** Propose a client op if this node leads; false otherwise (the client sees a refusal). */
  propose(op: ClientOp): boolean {
    if (!this.core) return false;
    const p = this.core.propose(op.command);
    if (!p) return false;
    op.index = p.index;
    op.term = p.term;
    this.ops.set(p.index, op);
    this.pump();
    return true;
  }

  /** Drain Readies until one must wait for the disk. */
  pump(): void {
    for (let guard = 0; guard < 1000; guard++) {
      const core = this.core;
      if (!core || this.inflight) return;
      const rd = core.ready();
      if (!rd) return;
      for (const rs of rd.readStates) this.env.onRead?.(this.id, rs);
      if (this.env.driverBug === 'send-before-persist') {
        for (const m of rd.messages) this.env.send(m);
        rd.messages = [];
      }
      this.persist(core, rd);
      const delay = rd.mustSync ? this.env.diskDelay() : 0;
      if (delay > 0) {
        this.inflight = rd;
        this.env.scheduleDisk(this, delay);
        return;
      }
      this.finish(core, rd);
    }
    throw new Error(`${this.id}: Ready loop did not settle`);
  }

  /** The disk finished the in-flight write. */
  diskDone(): void {
    const core = this.core;
    const rd = this.inflight;
    if (!core || !rd) return;
    this.inflight = null;
    this.finish(core, rd);
    this.pump();
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

  /** Duty 1: write snapshot, entries, hard state (in that order) to the volatile buffer. */
  private persist(core: RaftCore, rd: Ready): void {
    const { checker } = this.env;
    if (rd.hardState) this.term = rd.hardState.term;
    const leading = rd.softState.role === 'leader';
    if (this.ops.size > 0 && (!leading || this.term !== this.ledTerm)) this.forgetLostOps(leading);
    if (rd.softState.role === 'leader') {
      if (this.ledTerm !== this.term) {
        this.ledTerm = this.term;
        checker.onLeader(core, this.term);
      }
      this.prevVoters = this.voters;
      this.voters = core.status().config.voters;
    }
    if (rd.snapshot) this.disk.write({ t: 'snap', s: rd.snapshot });
    if (rd.entries.length > 0) {
      checker.onPersist(this.id, rd.entries, core.termAt(rd.entries[0].index - 1));
      this.disk.write({ t: 'ents', e: rd.entries });
    }
    if (rd.hardState) this.disk.write({ t: 'hs', h: rd.hardState });
  }

  /** Duties 2–4, once the write is durable: sync, send, apply, advance. */
  private finish(core: RaftCore, rd: Ready): void {
    const { app, checker } = this.env;
    if (rd.mustSync && this.env.driverBug !== 'skip-fsync') this.disk.sync();
    for (const m of rd.messages) this.env.send(m);
    if (rd.snapshot) {
      this.state = app.restore(rd.snapshot.data);
      this.applied = this.snapIndex = rd.snapshot.lastIncludedIndex;
      checker.onSnapshotState(this.id, rd.snapshot.lastIncludedIndex, app.digest(this.state));
      this.env.trace(`install ${this.id} @${rd.snapshot.lastIncludedIndex}`);
    }
    if (rd.committed.length > 0) this.apply(rd.committed);
    if (rd.softState.role === 'leader' && rd.hardState && rd.hardState.commit > this.checkedCommit) {
      // Checked once the write is done: the commit was computed from acknowledgments
      // that must already be durable, and durable data only grows.
      const c = rd.hardState.commit;
      const t = core.termAt(c);
      if (t !== undefined) {
        checker.onLeaderCommit(this.id, c, t, this.voters, this.prevVoters, (v) => this.env.durable(v, c, t));
        this.checkedCommit = c;
      }
    }
    core.advance(rd);
    if (rd.committed.length > 0) this.applied = rd.committed[rd.committed.length - 1].index;
    if (rd.hardState) checker.onCommit(this.id, this.epoch, rd.hardState.commit);
    this.maybeCompact(core);
  }

  private apply(entries: Entry[]): void {
    const { app, checker } = this.env;
    for (const e of entries) {
      checker.onApply(this.id, e);
      let result: unknown;
      const ctx: ApplyCtx = { index: e.index, term: e.term };
      if (e.kind === 'command') result = app.apply(this.state, e.data, ctx);
      else app.applyOther?.(this.state, ctx);
      // Replicas must agree on the application state itself, not only on the log.
      if (e.index % (app.digestEvery ?? 16) === 0) checker.onSnapshotState(this.id, e.index, app.digest(this.state));
      const op = this.ops.get(e.index);
      if (op) {
        this.ops.delete(e.index);
        if (op.term === e.term) {
          op.outcome = 'ok';
          op.result = result;
        } else {
          // Our entry lost its slot to another leader's: it will never be applied.
          op.outcome = 'fail';
        }
      }
    }
    if (++this.batches % (app.checkEvery ?? 1) === 0) this.checkInvariants();
  }

  private checkInvariants(): void {
    const errs = this.env.app.invariants(this.state);
    if (errs.length > 0) throw new Error(`application invariant on ${this.id}: ${errs.slice(0, 5).join('; ')}`);
  }

  /** Application snapshot every `compactEvery` applied entries; the core drops its log prefix. */
  private maybeCompact(core: RaftCore): void {
    const at = this.applied;
    if (at - this.snapIndex < this.env.compactEvery) return;
    const { app, checker } = this.env;
    const snap = app.snapshotWithDigest?.(this.state) ?? { data: app.snapshot(this.state), digest: app.digest(this.state) };
    if (!core.compact(at, snap.data)) return;
    this.snapIndex = at;
    checker.onSnapshotState(this.id, at, snap.digest);
    // The real driver writes the snapshot file before dropping WAL segments; here both
    // happen in one atomic rewrite of the simulated disk.
    this.disk.sync();
    this.disk.checkpoint(core.snapshot()!);
  }

  /** Unresolved ops are unknown at the end of a run. */
  pendingOps(): ClientOp[] {
    return [...this.ops.values()];
  }
}
