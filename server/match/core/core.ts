// The match replication core: one node's view of its matches as a synchronous state machine
// (the shape of server/raft/core). The driver feeds inputs with `step(input, now)` and drains
// one Ready batch with `ready()`: appends to make durable, peer messages, replies to peer
// requests, publishes to local players, ledger proposals and answers to player commands.
// No clock (time comes with each input), no I/O, no randomness.
import { emptyReady, type CoreDeps, type CoreInput, type PeerReply, type PeerRequest, type Ready, type MatchRecord } from './types.ts';
import { MatchReplica } from './replica.ts';
import { current, roleOf, type Role } from './roles.ts';
import { fullView, publishShown } from './publish.ts';
import { hostTick, onHostReply, onRecordAsHost, hostRequest, commitAsHost } from './host.ts';
import { onFollowerReply, followerRequest, followerTick, afterDurable } from './follower.ts';
import { LocalCommands } from './commands.ts';
import type { SignedEvent } from '../signing.ts';

const MAX_ENDED = 50_000;

/** What a request this core sent is waiting for. */
export type Awaiting =
  | { kind: 'replicate' | 'start'; matchId: string; upTo: number; epoch: number }
  | { kind: 'forward'; token: number }
  | { kind: 'attach' | 'log'; matchId: string; to: string }
  | { kind: 'none' };

export class MatchCore {
  readonly matches = new Map<string, MatchReplica>();
  /** Players connected to this node. */
  readonly local = new Set<string>();
  /** Peers the driver's failure detector believes alive (never this node). */
  alive = new Set<string>();
  now = 0;
  out: Ready = emptyReady();
  readonly awaiting = new Map<number, Awaiting>();
  readonly commands: LocalCommands;
  private nextId = 1;
  /** playerId → the match of the newest active record naming it (a cache; the scan decides). */
  private readonly activeOf = new Map<string, string>();
  /** Matches the ledger recorded as finished (bounded): a late /game/start of one is refused. */
  readonly ended = new Map<string, number>();
  private lastPresence = 0;

  constructor(readonly deps: CoreDeps) {
    this.commands = new LocalCommands(this);
  }

  get self(): string {
    return this.deps.self;
  }

  ready(): Ready {
    const r = this.out;
    this.out = emptyReady();
    return r;
  }

  role(m: MatchReplica): Role {
    return roleOf(m, this.self);
  }

  /** Hosting and in step with its shadow (or without one): what it shows is the match. */
  acting(m: MatchReplica): boolean {
    return this.role(m) === 'host' && (m.shadowSynced || !current(m)?.shadow);
  }

  send(to: string, request: PeerRequest, awaiting: Awaiting): number {
    const id = this.nextId++;
    this.awaiting.set(id, awaiting);
    this.out.messages.push({ id, to, request });
    return id;
  }

  reply(token: number, reply: PeerReply): void {
    this.out.replies.push({ token, reply });
  }

  refuse(token: number, code: string, message: string, status = 409, events?: SignedEvent[]): void {
    this.reply(token, { ok: false, code, message, status, ...(events ? { events } : {}) });
  }

  /** Local players of a match (the only ones this node publishes to). */
  here(m: MatchReplica): string[] {
    return m.playerIds().filter((p) => this.local.has(p));
  }

  match(matchId: string): MatchReplica | undefined {
    return this.matches.get(matchId);
  }

  hold(matchId: string): MatchReplica {
    let m = this.matches.get(matchId);
    if (!m) this.matches.set(matchId, (m = new MatchReplica(matchId, this.now)));
    return m;
  }

  /** Whether this node has any business with a match: named in it, or one of its players is here. */
  concerns(r: MatchRecord): boolean {
    return r.host === this.self || r.shadow === this.self || r.players.some((p) => this.local.has(p.id));
  }

  /** The player's match as this node knows it (the newest record or log). */
  matchOfPlayer(playerId: string): MatchReplica | undefined {
    // The last active record naming the player, when it still holds: no scan on the hot path.
    const cached = this.activeOf.get(playerId);
    const hit = cached ? this.matches.get(cached) : undefined;
    if (hit && hit.record?.status === 'active') return hit;
    let best: MatchReplica | undefined;
    for (const m of this.matches.values()) {
      if (!m.playerIds().includes(playerId)) continue;
      if (m.record?.status === 'finished') continue; // the ledger says it is over
      if (!best || (current(m)?.epoch ?? 0) > (current(best)?.epoch ?? 0) || (!m.finished && best.finished)) best = m;
    }
    return best;
  }

  step(input: CoreInput, now: number): void {
    this.now = Math.max(this.now, now);
    switch (input.kind) {
      case 'tick':
        return this.tick();
      case 'record':
        return this.onRecord(input.record);
      case 'loaded': {
        const m = this.hold(input.matchId);
        if (m.seq > 0 || input.events.length === 0) return;
        if (!m.replace(input.events).ok) return;
        // Read from disk: durable, but shown only once the ledger's record says what this
        // node is (a host shows after its shadow, a shadow what is durable, a watcher what
        // the host sends it: an old host's unshown events must never reach a player).
        m.durableSeq = m.seq;
        m.mayLackShadowEvents = true;
        m.loadedAt = this.now;
        return;
      }
      case 'durable': {
        const m = this.matches.get(input.matchId);
        if (!m || m.gen !== input.gen || input.eventSeq <= m.durableSeq) return;
        m.durableSeq = Math.min(input.eventSeq, m.seq);
        // Durable is safe to show for a shadow; a host also waits for its shadow; anyone else
        // (a fenced host, say) shows nothing of its own.
        const role = this.role(m);
        if (role === 'host') commitAsHost(this, m);
        else if (role === 'shadow') afterDurable(this, m);
        return;
      }
      case 'command':
        return this.commands.submit(input.token, input.playerId, input.requestId, input.move);
      case 'awaitHand':
        return this.commands.awaitHand(input.token, input.playerId, input.matchId);
      case 'peer':
        return this.onPeer(input.token, input.from, input.request);
      case 'reply':
        return this.onReply(input.id, input.reply);
      case 'connected': {
        this.local.add(input.playerId);
        if (input.record) this.onRecord(input.record);
        const m = this.matchOfPlayer(input.playerId);
        if (!m) return;
        this.resend(m, input.playerId);
        if (this.role(m) === 'watcher') followerTick(this, m); // attach to the host now
        return;
      }
      case 'disconnected':
        this.local.delete(input.playerId);
        for (const m of this.matches.values()) m.announced.delete(input.playerId);
        return;
      case 'subscribed': {
        const m = this.matches.get(input.matchId);
        if (m && this.local.has(input.playerId)) this.resend(m, input.playerId);
        return;
      }
      case 'peers':
        this.alive = new Set(input.alive.filter((p) => p !== this.self));
        return;
    }
  }

  /**
   * Shows a match's events up to `seq` and publishes them to the players here. A FAILOVER
   * closes its own update, so players always see the match move (lastEvent FAILOVER).
   */
  showUpTo(m: MatchReplica, seq: number): SignedEvent[] {
    const all: SignedEvent[] = [];
    while (m.shownSeq < Math.min(seq, m.seq)) {
      const next = m.events.slice(m.shownSeq, seq).findIndex((e) => e.type === 'FAILOVER');
      const part = m.show(next < 0 ? seq : m.shownSeq + next + 1);
      this.out.publishes.push(...publishShown(m, part, this.here(m), this.deps.timing.turnMs));
      all.push(...part);
    }
    return all;
  }

  resend(m: MatchReplica, playerId: string): void {
    if (!m.playerIds().includes(playerId)) return;
    const first = !m.announced.has(playerId);
    const view = fullView(m, playerId, this.deps.timing.turnMs, first && !m.finished);
    if (view.length > 0) m.announced.add(playerId);
    this.out.publishes.push(...view);
  }

  private onRecord(r: MatchRecord): void {
    if (r.status === 'finished') {
      this.ended.set(r.matchId, r.epoch);
      if (this.ended.size > MAX_ENDED) this.ended.delete(this.ended.keys().next().value!);
    }
    let m = this.matches.get(r.matchId);
    if (!m) {
      if (r.status === 'finished' || !this.concerns(r)) return;
      m = this.hold(r.matchId);
    }
    if (m.record && m.record.epoch > r.epoch) return; // an older view
    m.record = r;
    for (const p of r.players) {
      if (r.status === 'active') this.activeOf.set(p.id, r.matchId);
      else if (this.activeOf.get(p.id) === r.matchId) this.activeOf.delete(p.id);
    }
    if (r.status === 'finished' && m.finishedAt === null) m.finishedAt = this.now;
    onRecordAsHost(this, m);
    if (this.role(m) === 'shadow' && m.shownSeq < m.durableSeq) afterDurable(this, m);
    this.settleRole(m);
    this.commands.retryFor(m);
  }

  /**
   * A node that hosted and learned from the ledger that another node hosts a newer epoch
   * keeps only what it showed: the new host (the old shadow) holds everything ever shown,
   * and this node's other events were answered to nobody. Its players' commands waiting on
   * them go to the new host. (A host only told STALE_EPOCH keeps everything until the
   * ledger says more: the newer epoch may name it host again, with a new shadow.)
   */
  settleRole(m: MatchReplica): void {
    const r = m.record;
    if (!r || r.host === this.self || r.epoch <= m.head.epoch || m.seq === m.shownSeq || this.role(m) !== 'watcher') return;
    const kept = m.shownSeq;
    m.dropUnshown();
    // The copy on disk too, so no later start-up reads the dropped events back.
    this.out.appends.push({ matchId: m.matchId, gen: m.gen, events: m.events.slice(), rewrite: true });
    this.commands.onRewrite(m, kept);
  }

  private onPeer(token: number, from: string, req: PeerRequest): void {
    if (req.type === 'presence') {
      for (const p of req.players) {
        const m = this.matchOfPlayer(p);
        if (m && this.role(m) === 'host') m.lastSeen.set(p, this.now);
      }
      return this.reply(token, { ok: true, eventSeq: 0 });
    }
    if (req.type === 'log') {
      const m = this.matches.get(req.matchId);
      if (!m || m.seq === 0) return this.refuse(token, 'NOT_FOUND', `node ${this.self} holds no match ${req.matchId}`, 404);
      return this.reply(token, { ok: true, eventSeq: m.seq, epoch: m.head.epoch, events: m.events.slice() });
    }
    if (req.type === 'command') return hostRequest(this, token, from, req);
    return followerRequest(this, token, from, req);
  }

  private onReply(id: number, reply: PeerReply): void {
    const a = this.awaiting.get(id);
    if (!a) return;
    this.awaiting.delete(id);
    if (a.kind === 'forward') return this.commands.onForwardReply(a.token, reply);
    if (a.kind === 'none') return;
    const m = this.matches.get(a.matchId);
    if (!m) return;
    if (a.kind === 'attach' || a.kind === 'log') return onFollowerReply(this, m, a.kind, reply, a.to);
    onHostReply(this, m, id, a as Extract<Awaiting, { upTo: number }>, reply);
  }

  private tick(): void {
    const presence = this.now - this.lastPresence >= 1000;
    if (presence) this.lastPresence = this.now;
    const byHost = new Map<string, string[]>();
    for (const m of [...this.matches.values()]) {
      if (m.finishedAt !== null && this.now - m.finishedAt > this.deps.timing.lingerMs && (m.finished || m.record?.status === 'finished')) {
        this.matches.delete(m.matchId);
        this.out.released.push(m.matchId);
        continue;
      }
      const role = this.role(m);
      if (!m.record && this.here(m).length === 0 && this.now - m.heldSince > this.deps.timing.lingerMs) {
        // Held without the ledger ever naming it here (a late /game/start of an old match).
        this.matches.delete(m.matchId);
        this.out.released.push(m.matchId);
        continue;
      }
      if (role === 'host' || role === 'elect') hostTick(this, m);
      else followerTick(this, m);
      const host = current(m)?.host;
      if (presence && role !== 'host' && host && host !== this.self && !m.finished) {
        const here = this.here(m);
        if (here.length > 0) byHost.set(host, [...(byHost.get(host) ?? []), ...here]);
      }
    }
    for (const [host, players] of byHost) if (this.alive.has(host)) this.send(host, { type: 'presence', players }, { kind: 'none' });
    this.commands.tick();
  }
}
