// The match core's driver: the only place matches touch time, disk, sockets and the ledger.
// It feeds inputs (ticks, ledger records, peer requests and replies, player commands) to the
// core and carries out each Ready batch: appends go to the match-log store (one journal
// fsync per round across all matches) and come back as `durable`; peer messages go out over
// REST and their answers come back as `reply`; publishes go to the broker; proposals to the
// ledger; answers resolve the callers' promises.
import type { PlayerBroker } from '../broker/broker.ts';
import { PeerRefusedError, PeerUnreachableError, type PeerClient } from '../http/peer-client.ts';
import type { Membership } from '../cluster/membership.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { LedgerService } from '../ledger/service.ts';
import type { Logger } from '../log.ts';
import { secondsSince, type Metrics } from '../metrics/metrics.ts';
import type { MatchLogStore } from '../storage/match-log.ts';
import { stateHash, type HandSource } from '../game/index.ts';
import { MatchCore, current, type Answer, type CoreInput, type PeerReply, type PeerRequest, type Ready } from './core/index.ts';
import type { SignedEvent, Signer } from './signing.ts';
import { requestBody, requestPath, replyFromBody } from './wire.ts';
import { matchTouched, recordOf } from './ledger-records.ts';
import { PeerLiveness } from './liveness.ts';
import { PeerBatcher } from './batch.ts';

export interface MatchTiming {
  turnMs: number;
  disconnectForfeitMs: number;
  /** Silence of a peer after which it is probed, and on a failed probe counted dead. */
  failoverMs: number;
}

export interface DriverDeps {
  self: string;
  log: Logger;
  metrics: Metrics;
  broker: PlayerBroker;
  client: PeerClient;
  membership: Membership;
  signer: Signer;
  store: MatchLogStore<SignedEvent>;
  replica: LedgerReplica;
  ledger: LedgerService;
  timing: MatchTiming;
}

const TICK_MS = 100;
/** A peer request the core has not answered by then gets 503 (the match left, say). */
const PEER_ANSWER_MS = 10_000;
const BATCHED: ReadonlySet<string> = new Set(['start', 'replicate', 'command']);

export class MatchDriver {
  readonly core: MatchCore;
  private readonly liveness: PeerLiveness;
  private readonly batcher: PeerBatcher;
  private nextToken = 1;
  private readonly answers = new Map<number, (a: Answer) => void>();
  private readonly peerAnswers = new Map<number, (r: PeerReply) => void>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly loading = new Map<string, boolean>();
  private readonly sources = new Map<string, Record<string, HandSource>>();
  /** Matches whose ledger record changed since the core last saw it (fed once per turn). */
  private readonly dirty = new Set<string>();
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: DriverDeps) {
    this.core = new MatchCore({
      self: d.self,
      timing: { turnMs: d.timing.turnMs, disconnectForfeitMs: d.timing.disconnectForfeitMs, commandDeadlineMs: 8000, lingerMs: 30_000 },
      sign: (e, matchId, epoch, requestId) => d.signer.signEvent(e, matchId, epoch, requestId),
      verify: (e) => d.signer.verify(e),
      hash: (s) => stateHash(s),
    });
    this.liveness = new PeerLiveness(d.membership, d.client, d.timing.failoverMs, () => {
      this.step({ kind: 'peers', alive: this.liveness.alive() });
      this.step({ kind: 'tick' });
    });
    this.batcher = new PeerBatcher(d.client);
  }

  /** Loads the logs of this node's active matches, then follows the ledger and the clock. */
  async start(): Promise<void> {
    const state = this.d.replica.state;
    const mine = [...state.matches.values()].filter((m) => m.status === 'active' && (m.host === this.d.self || m.shadow === this.d.self));
    for (const m of mine) await this.load(m.matchId);
    this.d.replica.onApplied((cmd, result) => {
      const t = matchTouched(cmd, result);
      if (!t) return;
      if (t.source) this.sources.set(t.matchId, { ...this.sources.get(t.matchId), [t.source.playerId]: t.source.source });
      this.touch(t.matchId);
    });
    // A snapshot from the leader changes records without entries: the active ones, and every
    // match held here (it may have finished meanwhile).
    this.d.replica.onRestore(() => {
      for (const m of this.d.replica.state.matches.values()) if (m.status === 'active') this.touch(m.matchId);
      for (const id of this.core.matches.keys()) this.touch(id);
    });
    this.step({ kind: 'peers', alive: this.liveness.alive() });
    this.timer = setInterval(() => {
      this.step({ kind: 'peers', alive: this.liveness.alive() });
      this.step({ kind: 'tick' });
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  step(input: CoreInput): void {
    this.core.step(input, Date.now());
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.apply(this.core.ready());
    });
  }

  record(matchId: string) {
    const r = recordOf(this.d.replica.state, matchId, this.sources.get(matchId));
    if (r) return r;
    // The ledger forgets finished matches only (after FINISHED_MATCHES_KEPT newer ones): a
    // match held here with a record the ledger no longer has is over (a snapshot may have
    // skipped both the finish and the forgetting).
    const held = this.core.match(matchId)?.record;
    return held ? { ...held, status: 'finished' as const } : null;
  }

  /**
   * Records are read once per turn of the event loop, not per entry: several entries about a
   * match often apply together, and a node replaying its log at start-up sees only the end.
   */
  private touch(matchId: string): void {
    if (this.dirty.size === 0) {
      setImmediate(() => {
        const ids = [...this.dirty];
        this.dirty.clear();
        for (const id of ids) this.feedRecord(id);
      });
    }
    this.dirty.add(matchId);
  }

  /** A ledger record for the core; a match this node is named in is first read from disk. */
  private feedRecord(matchId: string): void {
    const r = this.record(matchId);
    if (!r) return;
    if (this.core.match(matchId) || r.status === 'finished' || (r.host !== this.d.self && r.shadow !== this.d.self)) return this.step({ kind: 'record', record: r });
    if (this.loading.has(matchId)) return;
    void this.load(matchId).then(() => {
      const latest = this.record(matchId);
      if (latest) this.step({ kind: 'record', record: latest });
    });
  }

  private async load(matchId: string): Promise<void> {
    this.loading.set(matchId, true);
    try {
      const events = await this.d.store.read(matchId).catch(() => [] as SignedEvent[]);
      if (events.length > 0) this.step({ kind: 'loaded', matchId, events });
      const r = this.record(matchId);
      if (r) this.step({ kind: 'record', record: r });
    } finally {
      this.loading.delete(matchId);
    }
  }

  /** Runs a local player's input that the core answers (commands, hands). */
  ask(make: (token: number) => CoreInput): Promise<Answer> {
    const token = this.nextToken++;
    return new Promise((resolve) => {
      this.answers.set(token, resolve);
      this.step(make(token));
    });
  }

  /** A peer's request: resolves with the core's reply. */
  peer(from: string, request: PeerRequest): Promise<PeerReply> {
    const token = this.nextToken++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.peerAnswers.delete(token);
        resolve({ ok: false, code: 'UNAVAILABLE', message: 'the match did not answer in time', status: 503 });
      }, PEER_ANSWER_MS);
      this.peerAnswers.set(token, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.step({ kind: 'peer', token, from, request });
    });
  }

  private apply(r: Ready): void {
    for (const a of r.appends) this.persist(a.matchId, a.gen, a.events, a.rewrite);
    for (const m of r.messages) this.sendMessage(m.id, m.to, m.request);
    for (const { token, reply } of r.replies) {
      const done = this.peerAnswers.get(token);
      this.peerAnswers.delete(token);
      done?.(reply);
    }
    this.publish(r);
    for (const p of r.proposals) this.propose(p);
    for (const a of r.answers) {
      const done = this.answers.get(a.token);
      this.answers.delete(a.token);
      done?.(a);
    }
    for (const id of r.released) void this.d.store.release(id).catch(() => undefined);
  }

  private publish(r: Ready): void {
    const b = this.d.broker;
    for (const p of r.publishes) {
      if (p.to === 'player') {
        if (b.isConnected(p.playerId)) b.sendToPlayer(p.playerId, p.event as never);
      } else b.sendToMatch(p.matchId, p.event as never);
    }
  }

  private persist(matchId: string, gen: number, events: SignedEvent[], rewrite: boolean): void {
    const store = this.d.store;
    const prev = this.chains.get(matchId) ?? Promise.resolve();
    const last = events[events.length - 1]?.eventSeq ?? 0;
    const next = prev
      .then(async () => {
        if (rewrite) await store.delete(matchId).catch(() => undefined);
        await store.append(matchId, events, true);
      })
      .then(
        () => this.step({ kind: 'durable', matchId, gen, eventSeq: last }),
        (err: Error) => this.d.log.error({ matchId, err: err.message }, 'match log append failed'),
      );
    this.chains.set(matchId, next);
    void next.then(() => {
      if (this.chains.get(matchId) === next) this.chains.delete(matchId);
    });
  }

  private sendMessage(id: number, to: string, request: PeerRequest): void {
    const address = this.d.membership.get(to)?.address;
    const back = (reply: PeerReply) => this.step({ kind: 'reply', id, reply });
    if (!address) return back({ ok: false, code: 'UNREACHABLE', message: `no address known for node ${to}`, status: 503 });
    const path = requestPath(request);
    const body = requestBody(request, this.d.signer);
    const t0 = performance.now();
    const call = this.call(address, request.type, path, body, request.type === 'start' ? 3000 : Math.max(this.d.timing.failoverMs, 1000));
    call.then(
      (res) => {
        if (request.type === 'replicate') this.d.metrics.replicationLatency.observe(secondsSince(t0));
        back(replyFromBody(request, res));
      },
      (err: Error) => back(refusalOf(err)),
    );
  }

  /**
   * Over the peer link every call is a frame, and the frames of a turn travel together
   * already; the batch form saves HTTP requests while the link is down.
   */
  private call(address: string, type: PeerRequest['type'], path: string, body: unknown, timeoutMs: number): Promise<unknown> {
    const c = this.d.client;
    if (type === 'log') return c.get<unknown>(address, path, { timeoutMs });
    if (BATCHED.has(type) && !c.linkUp(address)) return this.batcher.post<unknown>(address, path, body, timeoutMs);
    return c.post<unknown>(address, path, body, { timeoutMs });
  }

  private propose(p: Ready['proposals'][number]): void {
    const m = this.core.match(p.matchId);
    const kind = m && current(m)?.host === this.d.self ? 'shadow' : 'host'; // who is being replaced
    this.d.ledger.submit(p).then(
      (r) => {
        if (p.type === 'MATCH_FAILOVER' && r.ok) this.d.metrics.failovers.inc({ kind });
        const log = this.d.log;
        if (r.ok) log.info({ matchId: p.matchId, type: p.type, shadow: p.type === 'MATCH_FAILOVER' ? p.shadow : undefined }, 'ledger recorded the match');
        else log.debug({ matchId: p.matchId, type: p.type, code: r.code }, 'ledger refused');
      },
      (err: Error) => this.d.log.debug({ matchId: p.matchId, type: p.type, err: err.message }, 'ledger proposal failed: the core asks again'),
    );
  }
}

function refusalOf(err: Error): PeerReply {
  if (err instanceof PeerRefusedError) {
    const events = (err.body as { events?: unknown } | undefined)?.events;
    return { ok: false, code: err.code, message: err.message, status: err.status, ...(Array.isArray(events) ? { events: events as SignedEvent[] } : {}) };
  }
  if (err instanceof PeerUnreachableError) return { ok: false, code: 'UNREACHABLE', message: err.message, status: 503 };
  return { ok: false, code: 'UNREACHABLE', message: err.message, status: 503 };
}
