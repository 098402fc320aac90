// The deterministic simulator with matches: 3–5 nodes, each running the real Raft driver and
// storage (through the same SimNode as the Raft simulator), the real ledger state machine and
// the match replication core, with bots playing whole matches. One seeded PRNG drives the
// network (loss, delay, duplication, reordering, partitions), crashes (unsynced Raft and
// match-log writes are lost), false suspicions of the failure detector and the bots.
// Match invariants (match-checker.ts) are checked after every event; after the fault phase
// the network heals, every node restarts, and every match must end.
import type { ClusterConfig, RaftMessage } from '../../server/raft/core/index.ts';
import { MatchCore, type PeerReply, type PeerRequest, type Ready } from '../../server/match/core/index.ts';
import { Signer, type SignedEvent } from '../../server/match/signing.ts';
import { recordOf, matchTouched } from '../../server/match/ledger-records.ts';
import { stateHash, type HandSource } from '../../server/game/index.ts';
import type { LedgerCommand, LedgerState } from '../../server/ledger/machine/index.ts';
import { ledgerApp } from './ledger-app.ts';
import type { SimApp } from './app.ts';
import { Checker } from './checker.ts';
import { TraceHash } from './hash.ts';
import { Network } from './network.ts';
import { SimNode, carryRaft, type Envelope, type NodeEnv } from './node.ts';
import { EventQueue, type Timed } from './queue.ts';
import { Rng } from './rng.ts';
import { scenarioFor, describeScenario, type Scenario } from './scenario.ts';
import { settle } from './cluster.ts';
import { MatchChecker, MatchViolation } from './match-checker.ts';
import { Bots } from './match-bots.ts';

const TICK_MS = 10;
const MATCH_TICK_EVERY = 10; // match core ticks every 100 ms, like the real driver
const REPLY_TIMEOUT_MS = 1000;
const T0 = 1_700_000_000_000;

/** Deliberately broken drivers: the checker must catch each. */
export type MatchBug = 'none' | 'shadow-acks-before-store' | 'host-ignores-epoch' | 'failover-skips-ledger';

export interface MatchSimOptions {
  seed: number;
  steps?: number;
  matches?: number;
  bug?: MatchBug;
  scenario?: Partial<Scenario>;
  verbose?: boolean;
}

export interface MatchSimResult {
  seed: number;
  ok: boolean;
  error?: string;
  hash: string;
  scenario: string;
  stats: Record<string, number>;
  trace: string[];
}

/** `inc`: the requesting process's incarnation: an answer never reaches a later process. */
type Wire = { from: string; to: string; inc?: number } & ({ kind: 'req'; id: number; request: PeerRequest } | { kind: 'rep'; id: number; reply: PeerReply } | { kind: 'propose'; cmd: LedgerCommand });

type Ev = Timed &
  (
    | { kind: 'raft'; env: Envelope }
    | { kind: 'call'; fn: () => void }
    | { kind: 'wire'; w: Wire }
    | { kind: 'tick'; node: string; epoch: number; n: number }
    | { kind: 'matchDisk'; node: string; epoch: number }
    | { kind: 'timeout'; node: string; epoch: number; id: number }
    | { kind: 'restart'; node: string }
    | { kind: 'fault' }
  );

/** One simulated peer: Raft + ledger (SimNode) and the match core with its own log disk. */
class Peer {
  raft: SimNode;
  core: MatchCore | null = null;
  /** Per match: durable events, and appends written but not synced. */
  readonly disk = new Map<string, SignedEvent[]>();
  unsynced: Ready['appends'] = [];
  readonly sources = new Map<string, Record<string, HandSource>>();
  readonly awaiting = new Set<number>();
  readonly tokens = new Map<number, { from: string; id: number; inc?: number }>();
  dirty = new Set<string>();

  constructor(
    readonly id: string,
    boot: ClusterConfig,
    genesis: string[],
    env: NodeEnv,
  ) {
    this.raft = new SimNode(id, boot, genesis, env);
  }

  get ledger(): LedgerState | null {
    return (this.raft.state as LedgerState | null) ?? null;
  }
}

export class MatchSimulation {
  readonly rng: Rng;
  readonly sc: Scenario;
  readonly peers = new Map<string, Peer>();
  readonly checker: MatchChecker;
  private readonly raftChecker = new Checker();
  private readonly q = new EventQueue<Ev>();
  private readonly raftNet: Network<Envelope>;
  private failure: unknown = null;
  private readonly matchNet: Network;
  private readonly hash = new TraceHash();
  private readonly traceBuf: string[] = [];
  private readonly signer = new Signer(Buffer.alloc(32, 9));
  private now = 0;
  private faults = true;
  /** A match core stepped (or a node came or went) since the last invariant check. */
  private touched = true;
  private readonly bots: Bots;
  private readonly bug: MatchBug;
  private nextToken = 1;
  private readonly ids: string[];
  readonly counts = { crashes: 0, partitions: 0, suspicions: 0, proposals: 0, messages: 0 };

  constructor(private readonly opts: MatchSimOptions) {
    this.rng = new Rng(opts.seed);
    const base = scenarioFor(opts.seed);
    // Matches need a ledger that keeps up: cap the loss, keep at least one commit path.
    this.sc = { ...base, nodes: Math.max(3, base.nodes), churn: false, net: { ...base.net, loss: Math.min(base.net.loss, 0.1) }, ...opts.scenario };
    this.bug = opts.bug ?? 'none';
    this.raftNet = new Network<Envelope>(this.rng, this.sc.net, (at, env) => this.q.push({ time: at, kind: 'raft', env }));
    this.matchNet = new Network(this.rng, this.sc.net, (at, m) => this.q.push({ time: at, kind: 'wire', w: m as unknown as Wire }));
    this.ids = Array.from({ length: this.sc.nodes }, (_, i) => `n${i}`);
    this.checker = new MatchChecker(this.signer, () => this.peers.values());
    const boot: ClusterConfig = { voters: this.ids, learners: [] };
    for (const id of this.ids) this.peers.set(id, new Peer(id, boot, this.ids, this.envFor(id)));
    this.bots = new Bots(this.rng, this.ids, opts.matches ?? 4, {
      connect: (node, playerId) => this.connect(node, playerId),
      command: (node, playerId, requestId, cardId) => this.command(node, playerId, requestId, cardId),
      propose: (node, cmd) => this.propose(node, cmd),
      ledger: () => this.anyLedger(),
      alive: (node) => this.peers.get(node)!.core !== null,
    });
    for (const p of this.peers.values()) this.boot(p);
  }

  private envFor(id: string): NodeEnv {
    const app: SimApp<LedgerState> = {
      ...ledgerApp,
      apply: (state, data, ctx) => {
        const result = ledgerApp.apply(state, data, ctx);
        const cmd = data as LedgerCommand;
        const res = result as { ok: boolean; code?: string };
        if (!res.ok && cmd.type.startsWith('MATCH_')) this.trace(`${id} ledger refused ${cmd.type} ${'matchId' in cmd ? cmd.matchId : ''}: ${res.code}`);
        const t = matchTouched(cmd, result as never);
        const p = this.peers.get(id);
        if (t && p) {
          if (t.source) p.sources.set(t.matchId, { ...p.sources.get(t.matchId), [t.source.playerId]: t.source.source });
          p.dirty.add(t.matchId);
        }
        return result;
      },
      // A snapshot installed from the leader changes records without entries: all of them again.
      restore: (snap) => {
        const state = ledgerApp.restore(snap);
        const p = this.peers.get(id);
        if (p) for (const m of state.matches.values()) p.dirty.add(m.matchId);
        return state;
      },
    };
    return {
      rng: this.rng,
      app: app as SimApp,
      checker: this.raftChecker,
      now: () => this.now,
      at: (ms, fn) => this.q.push({ time: this.now + ms, kind: 'call', fn }),
      cancel: (ev) => this.q.remove(ev as never),
      send: (m, deliver) => carryRaft(this.raftNet, this.now, this.sc.wire, (nid) => this.peers.get(nid)?.raft, m, deliver),
      durable: (nid, index, term) => this.peers.get(nid)?.raft.durableLog.has(index, term) ?? false,
      syncDelay: () => (this.sc.diskMaxDelay > 0 ? this.rng.next() * this.sc.diskMaxDelay : 0),
      trace: (s) => this.trace(s),
      fail: (err) => {
        this.failure ??= err;
      },
      raft: { electionTicks: this.sc.electionTicks, heartbeatTicks: this.sc.heartbeatTicks, maxEntriesPerAppend: this.sc.maxEntriesPerAppend, maxInflight: this.sc.maxInflight, maxUncommittedEntries: 1000 },
      compactEvery: this.sc.compactEvery,
      segmentBytes: this.sc.segmentBytes,
      dsync: this.sc.dsync,
      driverBug: 'none',
    };
  }

  private trace(s: string): void {
    const line = `${this.now.toFixed(3)} ${s}`;
    this.hash.add(line);
    this.traceBuf.push(line);
    if (!this.opts.verbose && this.traceBuf.length > 400) this.traceBuf.splice(0, 200);
  }

  private boot(p: Peer): void {
    this.touched = true;
    p.raft.start();
    p.core = new MatchCore({
      self: p.id,
      timing: { turnMs: 3000, disconnectForfeitMs: 6000, commandDeadlineMs: 2000, lingerMs: 1000 },
      sign: (e, matchId, epoch, requestId) => this.signer.signEvent(e, matchId, epoch, requestId),
      verify: (e) => this.signer.verify(e),
      hash: (s) => stateHash(s),
    });
    p.unsynced = [];
    p.awaiting.clear();
    p.tokens.clear();
    for (const [matchId, events] of p.disk) if (events.length > 0) this.step(p, { kind: 'loaded', matchId, events });
    const l = p.ledger;
    if (l) for (const m of l.matches.values()) if (m.status === 'active') p.dirty.add(m.matchId);
    this.q.push({ time: this.now + this.rng.next() * TICK_MS, kind: 'tick', node: p.id, epoch: p.raft.epoch, n: 0 });
    this.trace(`start ${p.id}`);
  }

  /** Raft + ledger, then the ledger records the match core has not seen, then its Ready. */
  private step(p: Peer, input: Parameters<MatchCore['step']>[0]): void {
    if (!p.core) return;
    this.touched = true;
    p.core.step(input, Math.floor(T0 + this.now));
    this.flush(p);
  }

  private feedRecords(p: Peer): void {
    const l = p.ledger;
    if (!p.core || !l || p.dirty.size === 0) return;
    const ids = [...p.dirty].sort();
    p.dirty.clear();
    for (const id of ids) {
      const rec = recordOf(l, id, p.sources.get(id));
      if (!rec) continue;
      // As the real driver does: a match this node is named in is read from disk first.
      const onDisk = p.disk.get(id);
      if (!p.core.match(id) && onDisk && onDisk.length > 0 && (rec.host === p.id || rec.shadow === p.id)) this.step(p, { kind: 'loaded', matchId: id, events: onDisk });
      if (this.bug === 'host-ignores-epoch') {
        const m = p.core.match(id);
        if (m && m.head.host === p.id && rec.epoch > m.head.epoch && rec.host !== p.id) continue; // never hears it lost the match
      }
      this.step(p, { kind: 'record', record: rec });
    }
  }

  private flush(p: Peer): void {
    const core = p.core;
    if (!core) return;
    this.touched = true;
    const r = core.ready();
    for (const a of r.appends) this.trace(`${p.id} ${a.rewrite ? 'rewrite' : 'append'} ${a.matchId} ${a.events.map((e) => `${e.eventSeq}${e.type[0]}e${e.epoch}`).join(',')}`);
    for (const a of r.answers) this.trace(`${p.id} answer ${a.token} ${a.ok ? `ok ${a.matchId}#${a.eventSeq}` : a.code}`);
    for (const x of r.proposals) this.trace(`${p.id} propose ${x.type} ${x.matchId} ${x.type === 'MATCH_FAILOVER' ? `e${x.expectedEpoch}→${x.host}/${x.shadow}` : ''}`);
    this.checker.afterReady(p.id, core, r, this.now);
    if (r.appends.length > 0) {
      const first = p.unsynced.length === 0;
      p.unsynced.push(...r.appends);
      if (first) this.q.push({ time: this.now + (this.sc.diskMaxDelay > 0 ? this.rng.next() * this.sc.diskMaxDelay : 0.01), kind: 'matchDisk', node: p.id, epoch: p.raft.epoch });
    }
    for (const m of r.messages) {
      this.counts.messages++;
      if (this.opts.verbose) this.trace(`${p.id} send #${m.id} ${m.request.type} → ${m.to} ${'matchId' in m.request ? m.request.matchId : ''} ${m.request.type === 'replicate' ? `from ${m.request.fromSeq} e${m.request.epoch}` : ''}`);
      p.awaiting.add(m.id);
      this.matchNet.send({ from: p.id, to: m.to, kind: 'req', id: m.id, inc: p.raft.epoch, request: m.request } as unknown as RaftMessage, this.now);
      this.q.push({ time: this.now + REPLY_TIMEOUT_MS, kind: 'timeout', node: p.id, epoch: p.raft.epoch, id: m.id });
    }
    for (const { token, reply } of r.replies) {
      const t = p.tokens.get(token);
      if (!t) continue;
      p.tokens.delete(token);
      this.matchNet.send({ from: p.id, to: t.from, kind: 'rep', id: t.id, inc: t.inc, reply } as unknown as RaftMessage, this.now);
    }
    for (const prop of r.proposals) {
      this.counts.proposals++;
      if (this.bug === 'failover-skips-ledger' && prop.type === 'MATCH_FAILOVER') {
        const l = p.ledger;
        const rec = l ? recordOf(l, prop.matchId, p.sources.get(prop.matchId)) : null;
        if (rec) this.step(p, { kind: 'record', record: { ...rec, epoch: prop.expectedEpoch + 1, host: p.id, shadow: prop.shadow } });
        continue;
      }
      this.propose(p.id, prop as LedgerCommand);
    }
    for (const a of r.answers) this.bots.answered(p.id, a);
    this.bots.published(p.id, r.publishes);
  }

  private connect(node: string, playerId: string): void {
    const p = this.peers.get(node)!;
    const l = p.ledger;
    const mid = l?.players.get(playerId)?.activeMatchId ?? null;
    const rec = l && mid ? recordOf(l, mid, p.sources.get(mid)) : null;
    this.step(p, { kind: 'connected', playerId, record: rec && rec.status === 'active' ? rec : null });
  }

  private command(node: string, playerId: string, requestId: string, cardId: string): number {
    const token = this.nextToken++;
    this.step(this.peers.get(node)!, { kind: 'command', token, playerId, requestId, move: { type: 'JOGAR', cardId } });
    return token;
  }

  /** A ledger command from `node`: proposed where node believes the leader is. */
  private propose(node: string, cmd: LedgerCommand): void {
    const p = this.peers.get(node)!;
    const leader = p.raft.status()?.leader ?? null;
    if (!leader) return; // no leader known: the proposer asks again later
    if (leader === node) {
      p.raft.propose({ id: 0, command: cmd, outcome: 'pending' });
      return;
    }
    this.matchNet.send({ from: node, to: leader, kind: 'propose', cmd } as unknown as RaftMessage, this.now);
  }

  private anyLedger(): LedgerState | null {
    for (const p of this.peers.values()) if (p.core && p.ledger) return p.ledger;
    return null;
  }

  private alive(p: Peer): string[] {
    const out: string[] = [];
    for (const o of this.peers.values()) {
      if (o.id === p.id || !o.core || !this.matchNet.open(p.id, o.id) || !this.matchNet.open(o.id, p.id)) continue;
      // A false suspicion now and then: safety must never rest on the failure detector.
      if (this.faults && this.rng.chance(0.01)) {
        this.counts.suspicions++;
        continue;
      }
      out.push(o.id);
    }
    return out;
  }

  private handle(ev: Ev): void {
    switch (ev.kind) {
      case 'raft':
        // A link cut while the message was in flight loses it too.
        if (this.raftNet.open(ev.env.from, ev.env.to)) ev.env.arrive();
        return;
      case 'call':
        return ev.fn();
      case 'tick': {
        // The match core's timer (Raft's own timers run inside RaftNode).
        const p = this.peers.get(ev.node)!;
        if (p.raft.epoch !== ev.epoch || !p.raft.alive) return;
        this.step(p, { kind: 'peers', alive: this.alive(p) });
        this.step(p, { kind: 'tick' });
        this.bots.tick(p.id);
        this.after(p);
        this.q.push({ time: this.now + TICK_MS * MATCH_TICK_EVERY, kind: 'tick', node: p.id, epoch: ev.epoch, n: ev.n + 1 });
        return;
      }
      case 'matchDisk': {
        const p = this.peers.get(ev.node)!;
        if (p.raft.epoch !== ev.epoch || !p.core) return;
        for (const a of p.unsynced.splice(0)) {
          const log = a.rewrite ? a.events.slice() : [...(p.disk.get(a.matchId) ?? []), ...a.events];
          log.forEach((e, i) => {
            if (e.eventSeq !== i + 1) throw new MatchViolation('no gaps', `${p.id}'s log of ${a.matchId} on disk holds event ${e.eventSeq} at position ${i + 1}`);
          });
          p.disk.set(a.matchId, log);
          this.step(p, { kind: 'durable', matchId: a.matchId, gen: a.gen, eventSeq: a.events[a.events.length - 1]?.eventSeq ?? 0 });
        }
        return;
      }
      case 'wire':
        return this.deliver(ev.w);
      case 'timeout': {
        const p = this.peers.get(ev.node)!;
        if (p.raft.epoch !== ev.epoch || !p.awaiting.has(ev.id)) return;
        p.awaiting.delete(ev.id);
        return this.step(p, { kind: 'reply', id: ev.id, reply: { ok: false, code: 'UNREACHABLE', message: 'timed out', status: 503 } });
      }
      case 'restart': {
        const p = this.peers.get(ev.node)!;
        if (!p.raft.alive) this.boot(p);
        return;
      }
      case 'fault':
        return this.fault();
    }
  }

  private after(p: Peer): void {
    this.feedRecords(p);
  }

  private deliver(w: Wire): void {
    const to = this.peers.get(w.to);
    if (!to?.core || !this.matchNet.open(w.from, w.to)) return;
    if (w.kind === 'propose') {
      to.raft.propose({ id: 0, command: w.cmd, outcome: 'pending' });
      return this.after(to);
    }
    if (w.kind === 'rep') {
      if (w.inc !== to.raft.epoch || !to.awaiting.has(w.id)) return;
      to.awaiting.delete(w.id);
      let reply = w.reply;
      if (this.opts.verbose) this.trace(`${to.id} reply #${w.id} from ${w.from} ${reply.ok ? `ok ${reply.eventSeq}` : reply.code}`);
      if (this.bug === 'host-ignores-epoch' && !reply.ok && reply.code === 'STALE_EPOCH') reply = { ok: true, eventSeq: 1e9 };
      return this.step(to, { kind: 'reply', id: w.id, reply });
    }
    const token = this.nextToken++;
    to.tokens.set(token, { from: w.from, id: w.id, inc: w.inc });
    if (this.bug === 'shadow-acks-before-store' && w.request.type === 'replicate') {
      const r = w.request;
      this.matchNet.send({ from: w.to, to: w.from, kind: 'rep', id: w.id, inc: w.inc, reply: { ok: true, eventSeq: r.fromSeq + r.events.length - 1 } } as unknown as RaftMessage, this.now);
      to.tokens.delete(token);
      to.core.step({ kind: 'peer', token, from: w.from, request: w.request }, Math.floor(T0 + this.now));
      return this.flush(to);
    }
    this.step(to, { kind: 'peer', token, from: w.from, request: w.request });
  }

  private fault(): void {
    if (!this.faults) return;
    const live = [...this.peers.values()].filter((p) => p.raft.alive);
    const r = this.rng.next();
    if (r < 0.45 && live.length > Math.floor(this.sc.nodes / 2) + 0) {
      const p = live[this.rng.int(live.length)];
      this.crash(p);
      this.q.push({ time: this.now + this.rng.range(this.sc.downtime[0], this.sc.downtime[1]), kind: 'restart', node: p.id });
    } else if (r < 0.8) {
      this.counts.partitions++;
      this.raftNet.heal();
      this.matchNet.heal();
      const lone = this.ids[this.rng.int(this.ids.length)];
      this.raftNet.isolate(lone, this.ids);
      this.matchNet.isolate(lone, this.ids);
      this.trace(`partition ${lone}`);
    } else {
      this.raftNet.heal();
      this.matchNet.heal();
      this.trace('heal');
    }
    this.q.push({ time: this.now + this.rng.range(200, 1500), kind: 'fault' });
  }

  private crash(p: Peer): void {
    this.counts.crashes++;
    this.touched = true;
    p.raft.crash();
    p.core = null;
    p.unsynced = []; // unsynced match-log writes are lost
    this.checker.crashed(p.id);
    this.bots.nodeDown(p.id);
  }

  async run(): Promise<MatchSimResult> {
    const faultEnd = (this.opts.steps ?? 1500) * TICK_MS;
    let error: string | undefined;
    try {
      this.q.push({ time: 300 + this.rng.next() * 500, kind: 'fault' });
      await this.runUntil(faultEnd);
      this.faults = false;
      this.raftNet.heal();
      this.matchNet.heal();
      for (const p of this.peers.values()) if (!p.raft.alive) this.boot(p);
      this.trace('heal all');
      const done = await this.runUntil(faultEnd + 120_000, () => this.bots.allFinished());
      if (!done) throw new Error(`liveness: ${this.bots.describeUnfinished()}`);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      this.trace(`FAIL ${error}`);
    }
    return {
      seed: this.opts.seed,
      ok: error === undefined,
      error,
      hash: this.hash.hex(),
      scenario: `${describeScenario(this.sc)} bug=${this.bug}`,
      stats: { ...this.counts, ...this.bots.stats, ...this.checker.stats, simMs: Math.round(this.now) },
      trace: this.traceBuf,
    };
  }

  private async runUntil(t: number, until?: () => boolean): Promise<boolean> {
    for (;;) {
      const ev = this.q.peek();
      if (!ev) return false;
      if (ev.time > t) {
        this.now = t;
        return false;
      }
      this.q.pop();
      this.now = ev.time;
      this.handle(ev);
      // The promise jobs the event started (Raft driver and storage) run before the next one.
      await settle();
      if (this.failure !== null) throw this.failure;
      // What the ledger applied meanwhile reaches the match cores.
      for (const p of this.peers.values()) if (p.dirty.size > 0) this.after(p);
      // The invariants read the match cores, their acknowledgments and who is live: only a
      // core's step, a crash or a boot changes those (most events are Raft's own).
      if (this.touched) {
        this.touched = false;
        this.checker.check(this.peers.values(), this.now);
      }
      if (until && until()) return true;
    }
  }
}

export function runMatchSim(opts: MatchSimOptions): Promise<MatchSimResult> {
  return new MatchSimulation(opts).run();
}
