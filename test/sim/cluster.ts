// The deterministic cluster simulator. Everything runs in one process on a virtual clock
// (ms); one seeded PRNG drives the network, the disks, the election timers, the client load
// and the faults. Each node is the real driver and storage (node.ts) over a simulated file
// system; their timers, I/O completions and messages are events on one queue, and after
// each event the promise jobs it started run to completion before the next one, so async
// code stays deterministic. Two phases:
//   1. safety — faults on (the seed's mix); invariants are checked after every event;
//   2. liveness — heal the network, restart every node, stop faults; a single leader must
//      emerge and every live member must apply the same commit within a bounded time.
// Same seed ⇒ same event sequence ⇒ same trace hash.
import type { ClusterConfig } from '../../server/raft/core/index.ts';
import { counterApp, type ClientOp, type SimApp } from './app.ts';
import { Checker } from './checker.ts';
import { TraceHash } from './hash.ts';
import { CALM, Network } from './network.ts';
import { SimNode, carryRaft, type DriverBug, type Envelope, type NodeEnv } from './node.ts';
import { EventQueue, type Timed } from './queue.ts';
import { Rng } from './rng.ts';
import { describeScenario, scenarioFor, type Scenario } from './scenario.ts';

const TICK_MS = 10;

type SimEvent = Timed &
  (
    | { kind: 'deliver'; env: Envelope }
    | { kind: 'call'; fn: () => void }
    | { kind: 'restart'; node: string }
    | { kind: 'client' }
    | { kind: 'partition' }
    | { kind: 'crash' }
    | { kind: 'churn' }
    | { kind: 'read' }
  );

export interface SimOptions {
  seed: number;
  /** Length of the fault phase in ticks (10 ms each). */
  steps?: number;
  app?: SimApp;
  /** Override parts of the seed's scenario. */
  scenario?: Partial<Scenario>;
  /** Collect the full trace (for debugging a seed). */
  verbose?: boolean;
  /** Run a deliberately broken driver (the simulator must then fail). */
  driverBug?: DriverBug;
  /**
   * Also issue ReadIndex reads (every ~`readEvery` ms, default 10) at nodes that believe
   * they lead, and check each answered index covers every op acknowledged before the read
   * began. Off by default: the reads' heartbeat rounds change every seed's trace.
   */
  reads?: boolean;
  readEvery?: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  error?: string;
  hash: string;
  scenario: string;
  stats: Record<string, number>;
  /** Last trace lines (all of them when verbose). */
  trace: string[];
}

export class Simulation {
  readonly rng: Rng;
  readonly sc: Scenario;
  readonly app: SimApp;
  readonly checker = new Checker();
  readonly net: Network<Envelope>;
  readonly nodes = new Map<string, SimNode>();
  readonly history: ClientOp[] = [];
  private readonly q = new EventQueue<SimEvent>();
  private readonly hash = new TraceHash();
  private readonly traceBuf: string[] = [];
  private now = 0;
  private faults = true;
  private nextId = 0;
  private readonly env: NodeEnv;
  private events = 0;
  private barrier: ClientOp | null = null;
  private readonly genesis: string[];
  /** ReadIndex reads in flight: ctx → the highest acknowledged op index when asked. */
  private readonly reads = new Map<number, { node: string; ackedMax: number }>();
  private readSeq = 0;
  private resolved = 0;
  private resolvedMax = 0;
  private readonly readStats = { readsAsked: 0, readsServed: 0, readsFailed: 0 };
  private readonly readRng: Rng;
  private failure: unknown = null;

  constructor(private readonly opts: SimOptions) {
    this.rng = new Rng(opts.seed);
    // Its own stream, so reads do not shift the draws of the rest of the run.
    this.readRng = new Rng((opts.seed ^ 0x5bd1e995) >>> 0);
    this.sc = { ...scenarioFor(opts.seed), ...opts.scenario };
    this.app = opts.app ?? counterApp;
    this.net = new Network<Envelope>(this.rng, this.sc.net, (at, env) => this.q.push({ time: at, kind: 'deliver', env }));
    this.env = {
      rng: this.rng,
      app: this.app,
      checker: this.checker,
      now: () => this.now,
      at: (ms, fn) => this.q.push({ time: this.now + ms, kind: 'call', fn }),
      cancel: (ev) => this.q.remove(ev as never),
      send: (m, deliver) => carryRaft(this.net, this.now, this.sc.wire, (id) => this.nodes.get(id), m, deliver),
      durable: (id, index, term) => this.nodes.get(id)?.durableLog.has(index, term) ?? false,
      syncDelay: () => (this.sc.diskMaxDelay > 0 ? this.rng.next() * this.sc.diskMaxDelay : 0),
      trace: (s) => this.trace(s),
      fail: (err) => {
        this.failure ??= err;
      },
      raft: {
        electionTicks: this.sc.electionTicks,
        heartbeatTicks: this.sc.heartbeatTicks,
        maxEntriesPerAppend: this.sc.maxEntriesPerAppend,
        maxInflight: this.sc.maxInflight,
        maxUncommittedEntries: 1000,
      },
      compactEvery: this.sc.compactEvery,
      segmentBytes: this.sc.segmentBytes,
      dsync: this.sc.dsync,
      driverBug: opts.driverBug ?? 'none',
    };
    const ids = Array.from({ length: this.sc.nodes }, () => this.freshId());
    this.genesis = ids;
    const boot: ClusterConfig = { voters: ids, learners: [] };
    for (const id of ids) this.addNode(id, boot);
  }

  private freshId(): string {
    return `n${this.nextId++}`;
  }

  private addNode(id: string, boot: ClusterConfig): SimNode {
    const n = new SimNode(id, boot, this.genesis, this.env);
    this.nodes.set(id, n);
    this.boot(n);
    return n;
  }

  private boot(n: SimNode): void {
    n.start();
    this.trace(`start ${n.id}`);
  }

  private trace(s: string): void {
    const line = `${this.now.toFixed(3)} ${s}`;
    this.hash.add(line);
    if (this.opts.verbose) this.traceBuf.push(line);
    else {
      this.traceBuf.push(line);
      if (this.traceBuf.length > 400) this.traceBuf.splice(0, 200);
    }
  }

  /** Leader of the highest term among live nodes (null if none). */
  leader(): SimNode | null {
    let best: SimNode | null = null;
    let bestTerm = -1;
    for (const n of this.nodes.values()) {
      const s = n.status();
      if (s && s.role === 'leader' && s.term > bestTerm) {
        best = n;
        bestTerm = s.term;
      }
    }
    return best;
  }

  async run(): Promise<SimResult> {
    const steps = this.opts.steps ?? 1500;
    const faultEnd = steps * TICK_MS;
    let error: string | undefined;
    try {
      this.schedulePhaseOne();
      await this.runUntil(faultEnd);
      this.heal();
      await this.liveness(faultEnd);
      this.finalChecks();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      this.trace(`FAIL ${error}`);
    }
    return {
      seed: this.opts.seed,
      ok: error === undefined,
      error,
      hash: this.hash.hex(),
      scenario: describeScenario(this.sc),
      stats: this.stats(),
      trace: this.traceBuf,
    };
  }

  private schedulePhaseOne(): void {
    const sc = this.sc;
    this.q.push({ time: this.exp(sc.clientEvery), kind: 'client' });
    if (sc.partitionEvery > 0) this.q.push({ time: this.exp(sc.partitionEvery), kind: 'partition' });
    if (sc.crashEvery > 0) this.q.push({ time: this.exp(sc.crashEvery), kind: 'crash' });
    if (sc.churn) this.q.push({ time: this.exp(1500), kind: 'churn' });
    if (this.opts.reads) this.q.push({ time: this.now + this.readRng.next() * 2 * (this.opts.readEvery ?? 10), kind: 'read' });
  }

  /** A random delay with the given mean (uniform on [0, 2*mean]: cheap and bounded). */
  private exp(mean: number): number {
    return this.now + this.rng.next() * 2 * mean;
  }

  private async runUntil(t: number, until?: () => boolean): Promise<boolean> {
    for (;;) {
      const ev = this.q.peek();
      if (!ev || ev.time > t) {
        this.now = t;
        return false;
      }
      this.q.pop();
      this.now = ev.time;
      this.handle(ev);
      // Let the promise jobs this event started (driver, storage) run before the next one.
      await settle();
      if (this.failure !== null) throw this.failure;
      if (until && until()) return true;
    }
  }

  private handle(ev: SimEvent): void {
    this.events++;
    switch (ev.kind) {
      case 'deliver': {
        const m = ev.env;
        // A link cut while the message was in flight loses it too.
        if (!this.net.open(m.from, m.to)) return;
        this.net.stats.delivered++;
        this.hash.add(`${this.now.toFixed(3)} ${m.type} ${m.from}>${m.to} t${m.term}`);
        m.arrive();
        return;
      }
      case 'call':
        ev.fn();
        return;
      case 'restart': {
        const n = this.nodes.get(ev.node)!;
        if (!n.alive) this.boot(n);
        return;
      }
      case 'client':
        this.clientOp();
        if (this.faults) this.q.push({ time: this.exp(this.sc.clientEvery), kind: 'client' });
        return;
      case 'partition':
        if (!this.faults) return;
        this.partition();
        this.q.push({ time: this.exp(this.sc.partitionEvery), kind: 'partition' });
        return;
      case 'crash':
        if (!this.faults) return;
        this.crashOne();
        this.q.push({ time: this.exp(this.sc.crashEvery), kind: 'crash' });
        return;
      case 'churn':
        if (!this.faults) return;
        this.churn();
        this.q.push({ time: this.exp(1500), kind: 'churn' });
        return;
      case 'read':
        if (!this.faults) return;
        this.readOp();
        this.q.push({ time: this.now + this.readRng.next() * 2 * (this.opts.readEvery ?? 10), kind: 'read' });
        return;
    }
  }

  // ---- ReadIndex -------------------------------------------------------------------------

  /** A read at a node that believes it leads (stale leaders included: they must not serve). */
  private readOp(): void {
    const leaders = [...this.nodes.values()].filter((n) => n.status()?.role === 'leader');
    if (leaders.length === 0) return;
    const n = this.readRng.pick(leaders);
    const ackedMax = this.ackedMax();
    const ctx = ++this.readSeq;
    const answer = n.readIndex(1000);
    if (!answer) return;
    this.readStats.readsAsked++;
    this.reads.set(ctx, { node: n.id, ackedMax });
    this.trace(`read ${n.id} r${ctx} acked≤${ackedMax}`);
    answer.then(
      (index) => this.onRead(n.id, ctx, index),
      () => this.onRead(n.id, ctx, null),
    );
  }

  /** Highest index of an acknowledged op; the resolved prefix of the history is folded once. */
  private ackedMax(): number {
    const h = this.history;
    while (this.resolved < h.length && h[this.resolved].outcome !== 'pending') {
      const o = h[this.resolved++];
      if (o.outcome === 'ok' && o.index! > this.resolvedMax) this.resolvedMax = o.index!;
    }
    let max = this.resolvedMax;
    for (let i = this.resolved; i < h.length; i++) if (h[i].outcome === 'ok' && h[i].index! > max) max = h[i].index!;
    return max;
  }

  private onRead(node: string, ctx: number, index: number | null): void {
    const r = this.reads.get(ctx);
    if (!r) return;
    this.reads.delete(ctx);
    this.trace(`read-answer ${node} r${ctx} ${index === null ? 'failed' : `@${index}`}`);
    if (index === null) {
      this.readStats.readsFailed++;
      return;
    }
    if (index < r.ackedMax) {
      this.failure ??= new Error(`linearizability: read r${ctx} on ${node} got read index ${index}, but an op at index ${r.ackedMax} was acknowledged before it began`);
      return;
    }
    this.readStats.readsServed++;
  }

  // ---- workload and faults ---------------------------------------------------------------

  private clientOp(): void {
    const op: ClientOp = { id: this.history.length, command: this.app.nextCommand(this.rng, this.history), outcome: 'pending' };
    this.history.push(op);
    const alive = [...this.nodes.values()].filter((n) => n.alive);
    const leader = this.leader();
    const target = leader && this.rng.chance(0.85) ? leader : alive.length > 0 ? this.rng.pick(alive) : null;
    if (!target || !target.propose(op)) op.outcome = 'fail';
    else this.trace(`propose ${target.id} op${op.id} @${op.index}t${op.term}`);
  }

  private partition(): void {
    const ids = [...this.nodes.keys()];
    this.net.heal();
    const kind = this.rng.int(5);
    if (kind === 0) {
      // Heal for a while.
    } else if (kind === 1) {
      const a = this.rng.shuffle([...ids]);
      const cut = this.rng.range(1, Math.max(1, a.length - 1));
      this.net.split(a.slice(0, cut), a.slice(cut));
    } else if (kind === 2) {
      this.net.isolate(this.rng.pick(ids), ids);
    } else if (kind === 3) {
      // One-way: a node that can send but not receive (or the reverse).
      const x = this.rng.pick(ids);
      const inbound = this.rng.chance(0.5);
      for (const y of ids) {
        if (y === x) continue;
        if (inbound) this.net.cutOneWay(y, x);
        else this.net.cutOneWay(x, y);
      }
    } else {
      // A few random directed links.
      const k = this.rng.range(1, ids.length);
      for (let i = 0; i < k; i++) {
        const a = this.rng.pick(ids);
        const b = this.rng.pick(ids);
        if (a !== b) this.net.cutOneWay(a, b);
      }
    }
    this.trace(`partition ${this.net.describeCuts()}`);
  }

  private crashOne(): void {
    const alive = [...this.nodes.values()].filter((n) => n.alive);
    if (alive.length === 0) return;
    // Prefer the leader now and then: that is where the interesting crashes are.
    const leader = this.leader();
    const victim = leader && this.rng.chance(0.4) ? leader : this.rng.pick(alive);
    victim.crash();
    const [lo, hi] = this.sc.downtime;
    this.q.push({ time: this.now + lo + this.rng.next() * (hi - lo), kind: 'restart', node: victim.id });
  }

  /** Membership changes through the leader, one at a time (refusals are fine). */
  private churn(): void {
    const leader = this.leader();
    const s = leader?.status();
    if (!leader || !s) return;
    const cfg = s.config;
    const caughtUp = cfg.learners.filter((id) => (s.progress[id]?.match ?? 0) >= s.commit);
    let change: { op: 'addLearner' | 'promote' | 'remove'; id: string } | null = null;
    if (caughtUp.length > 0) change = { op: 'promote', id: caughtUp[0] };
    else if (cfg.voters.length + cfg.learners.length < 6 && (cfg.voters.length <= 3 || this.rng.chance(0.5))) {
      change = { op: 'addLearner', id: this.freshId() };
    } else if (cfg.voters.length > 3) change = { op: 'remove', id: this.rng.pick(cfg.voters) };
    if (!change) return;
    const p = leader.proposeConfig(change);
    this.trace(`churn ${leader.id} ${change.op} ${change.id} ${p !== null ? `@${p}` : 'refused'}`);
    if (p !== null && change.op === 'addLearner') this.addNode(change.id, { voters: [], learners: [] });
  }

  // ---- phase 2 -----------------------------------------------------------------------------

  private heal(): void {
    this.faults = false;
    this.net.heal();
    this.net.profile = CALM;
    for (const n of this.nodes.values()) if (!n.alive) this.boot(n);
    this.trace('heal');
  }

  /** Members according to the newest leader (learners included). */
  private members(leader: SimNode): SimNode[] {
    const cfg = leader.status()!.config;
    return [...cfg.voters, ...cfg.learners].map((id) => this.nodes.get(id)!).filter(Boolean);
  }

  private async liveness(from: number): Promise<void> {
    const electionMs = this.sc.electionTicks * TICK_MS;
    const deadline = from + 60 * electionMs + 2000;
    const settled = (): boolean => {
      const l = this.leader();
      const ls = l?.status();
      if (!l || !ls) return false;
      if (!this.barrier || this.barrier.outcome === 'fail' || this.barrier.outcome === 'info') {
        // Prove the leader can commit: one fresh command through it.
        const op: ClientOp = { id: this.history.length, command: this.app.nextCommand(this.rng, []), outcome: 'pending' };
        if (l.propose(op)) {
          this.history.push(op);
          this.barrier = op;
        }
        return false;
      }
      if (this.barrier.outcome !== 'ok') return false;
      for (const n of this.members(l)) {
        const s = n.status();
        if (!s || s.term !== ls.term || s.leader !== l.id || s.applied !== ls.commit || s.commit !== ls.commit) return false;
      }
      return ls.applied === ls.commit;
    };
    // Check on a 1 ms grid: cheap enough, and bounded.
    for (let t = from + 1; t <= deadline; t += 1) {
      if ((await this.runUntil(t, undefined)) || settled()) {
        this.trace(`settled leader=${this.leader()?.id}`);
        return;
      }
    }
    const l = this.leader();
    const desc = [...this.nodes.values()]
      .map((n) => {
        const s = n.status();
        return s ? `${n.id}:${s.role}/t${s.term}/L${s.leader}/c${s.commit}/a${s.applied}/last${s.lastIndex}` : `${n.id}:down`;
      })
      .join(' ');
    throw new Error(`liveness: no agreement ${deadline - from} ms after healing (leader ${l?.id ?? 'none'}; ${desc})`);
  }

  private finalChecks(): void {
    const l = this.leader()!;
    const members = this.members(l);
    const digests = new Map<string, string>();
    for (const n of members) digests.set(n.id, this.app.digest(n.state));
    const ds = new Set(digests.values());
    if (ds.size !== 1) throw new Error(`final: replicas disagree: ${[...digests].map(([k, v]) => `${k}=${v}`).join(' ')}`);
    const acked = this.history.filter((o) => o.outcome === 'ok');
    for (const n of members) {
      const errs = [...this.app.invariants(n.state), ...this.app.checkAcked(n.state, acked)];
      if (errs.length > 0) throw new Error(`final on ${n.id}: ${errs.slice(0, 5).join('; ')}`);
    }
    const herrs = this.app.checkHistory(this.history);
    if (herrs.length > 0) throw new Error(`history: ${herrs.slice(0, 5).join('; ')}`);
  }

  private stats(): Record<string, number> {
    const ops = { ok: 0, fail: 0, info: 0, pending: 0 };
    for (const o of this.history) ops[o.outcome]++;
    let crashes = 0;
    let torn = 0;
    let lost = 0;
    let syncs = 0;
    for (const n of this.nodes.values()) {
      crashes += n.crashes;
      torn += n.fs.stats.tornWrites;
      lost += n.fs.stats.lostWrites;
      syncs += n.fs.stats.syncs;
    }
    return {
      virtualMs: Math.round(this.now),
      events: this.events,
      nodes: this.nodes.size,
      ...this.net.stats,
      crashes,
      tornWrites: torn,
      lostWrites: lost,
      syncs,
      leaders: this.checker.stats.leaders,
      maxTerm: this.checker.stats.maxTerm,
      applied: this.checker.stats.applied,
      snapshotsChecked: this.checker.stats.snapshotsChecked,
      opsOk: ops.ok,
      opsFail: ops.fail,
      opsInfo: ops.info,
      ...(this.opts.reads ? this.readStats : {}),
    };
  }
}

export function runSim(opts: SimOptions): Promise<SimResult> {
  return new Simulation(opts).run();
}

/**
 * Resolves once every promise job queued so far (and every job those queue) has run.
 * Node runs a nextTick callback queued from a promise job only once the whole microtask
 * queue is empty, so this is setImmediate's guarantee without a turn of the event loop
 * (the simulated I/O is promise jobs only: nothing else could run in that turn).
 */
export function settle(): Promise<void> {
  // Queued from a promise job: a nextTick queued from synchronous code could run first.
  return Promise.resolve().then(() => new Promise<void>((resolve) => process.nextTick(resolve)));
}
