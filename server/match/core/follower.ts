// The shadow's and the watcher's rules (docs/design.md §8). A shadow accepts only the next eventSeq
// of the current epoch from the current host, with valid signatures and the same state hash;
// it answers the host, shows the events to its own players, and answers its own players'
// forwarded moves, once they are durable here. When the host is gone it asks the ledger for
// the match (MATCH_FAILOVER); the rest happens in host.ts `elect` once that is committed.
// A watcher (a third node with one of the players) follows the host's pushes in memory.
import type { MatchCore } from './core.ts';
import type { MatchReplica } from './replica.ts';
import { current } from './roles.ts';
import { fetchLogs, proposeFailover } from './host.ts';
import type { PeerReply, PeerRequest } from './types.ts';
import type { SignedEvent } from '../signing.ts';

/**
 * Whether this node's log holds every event shown so far, as the shadow of epoch `epoch`.
 * Nothing is shown in an epoch before its shadow stored it (the host waits for the shadow's
 * ack; the shadow shows what is durable), so the shadow's log of an epoch holds all of it:
 * a log of this epoch, or, when this epoch's log never arrived (then nothing was shown in
 * it), the log the previous epoch's shadow held. Not its host's: a host drops the events it
 * never showed once fenced, and its shadow may have shown them. (Epoch 1 has nothing before.)
 */
export function holdsEverythingShown(core: MatchCore, m: MatchReplica, epoch: number): boolean {
  if (m.head.epoch === epoch || epoch === 1) return true;
  if (m.seq === 0 || m.head.epoch !== epoch - 1) return false;
  return m.head.shadow === (m.fetchedFrom ?? core.self);
}

/** A watcher asks the host for what it missed this often: a lost push, or a new host. */
const ATTACH_EVERY_MS = 2000;

/** The events if every one belongs to the match and carries a valid signature, else null. */
export function verifiedLog(core: MatchCore, matchId: string, events: readonly SignedEvent[]): SignedEvent[] | null {
  for (const e of events) if (e.matchId !== matchId || !core.deps.verify(e)) return null;
  return events as SignedEvent[];
}

/** Durable here: show it, answer the host and this node's own players. */
export function afterDurable(core: MatchCore, m: MatchReplica): void {
  const shown = core.showUpTo(m, m.durableSeq);
  for (let i = 0; i < m.waiting.length; ) {
    const w = m.waiting[i];
    if (w.seq <= m.durableSeq) {
      core.reply(w.token, { ok: true, eventSeq: w.seq });
      m.waiting.splice(i, 1);
    } else i++;
  }
  if (shown.length > 0) core.commands.onShown(m);
}

function store(core: MatchCore, m: MatchReplica, events: SignedEvent[], rewrite: boolean): void {
  core.out.appends.push({ matchId: m.matchId, gen: m.gen, events, rewrite });
}

export function followerRequest(core: MatchCore, token: number, from: string, req: Exclude<PeerRequest, { type: 'command' | 'presence' | 'log' }>): void {
  const events = verifiedLog(core, req.matchId, req.events);
  if (!events) return core.refuse(token, 'BAD_SIGNATURE', 'an event is not signed for this match', 400);
  if (req.type === 'start') return onStart(core, token, from, req, events);
  const m = core.match(req.matchId);
  if (req.type === 'notify') {
    if (!m || core.role(m) !== 'watcher') return core.refuse(token, 'NOT_FOUND', `node ${core.self} does not watch match ${req.matchId}`, 404);
    follow(core, m, req.fromSeq, events);
    return core.reply(token, { ok: true, eventSeq: m.seq });
  }
  if (!m || m.seq === 0) return core.refuse(token, 'NOT_FOUND', `node ${core.self} does not shadow match ${req.matchId}`, 404);
  const cur = current(m)!;
  if (req.epoch < cur.epoch || core.role(m) === 'host' || core.role(m) === 'elect') {
    return core.refuse(token, 'STALE_EPOCH', `match ${req.matchId} is at epoch ${cur.epoch} here (host ${cur.host})`);
  }
  if (from !== cur.host) return core.refuse(token, 'FORBIDDEN', `${from} is not the host of match ${req.matchId}`, 403);
  if (req.epoch > m.head.epoch) return core.refuse(token, 'BAD_SEQUENCE', `epoch ${req.epoch} is ahead of this shadow (${m.head.epoch}): send the whole log`);
  const last = req.fromSeq + events.length - 1;
  if (req.fromSeq <= m.seq) {
    // A retry of events already stored: identical ones are acknowledged again.
    if (last <= m.seq && events.every((e) => m.events[e.eventSeq - 1]?.signature === e.signature)) return wait(core, m, token, last);
    return core.refuse(token, 'BAD_SEQUENCE', `expected eventSeq ${m.seq + 1}, got ${req.fromSeq}`);
  }
  if (req.fromSeq !== m.seq + 1) return core.refuse(token, 'BAD_SEQUENCE', `expected eventSeq ${m.seq + 1}, got ${req.fromSeq}`);
  if (events.some((e) => e.epoch !== m.head.epoch && e.type !== 'FAILOVER')) return core.refuse(token, 'STALE_EPOCH', 'an event is signed for another epoch');
  const r = m.append(events, (s) => core.deps.hash(s) === req.stateHash);
  if (!r.ok) return core.refuse(token, r.code, r.message, r.code === 'STATE_MISMATCH' || r.code === 'BAD_SEQUENCE' ? 409 : 400);
  store(core, m, events, false);
  wait(core, m, token, m.seq);
}

function wait(core: MatchCore, m: MatchReplica, token: number, seq: number): void {
  m.waiting.push({ token, seq });
  afterDurable(core, m);
}

/**
 * /game/start: the host's whole log. A newer epoch replaces this node's copy. In the same
 * epoch this node's copy holds everything the host ever showed (it stored it first), so it
 * is replaced only when it is a prefix of the host's; otherwise the host gets it back.
 */
function onStart(core: MatchCore, token: number, from: string, req: Extract<PeerRequest, { type: 'start' }>, events: SignedEvent[]): void {
  if (from !== req.host) return core.refuse(token, 'FORBIDDEN', `only the host (${req.host}) may start match ${req.matchId} here`, 403);
  if (!core.match(req.matchId) && core.ended.has(req.matchId)) return core.refuse(token, 'STALE_EPOCH', `match ${req.matchId} is over`);
  const m = core.hold(req.matchId);
  const cur = current(m);
  if (cur && cur.epoch > req.epoch) return core.refuse(token, 'STALE_EPOCH', `match ${req.matchId} is at epoch ${cur.epoch} here`);
  const role = core.role(m);
  if ((role === 'host' || role === 'elect') && cur && cur.epoch >= req.epoch) return core.refuse(token, 'STALE_EPOCH', `node ${core.self} hosts match ${req.matchId} at epoch ${cur.epoch}`);
  const probe = new (m.constructor as new (id: string) => MatchReplica)(req.matchId);
  const p = probe.append(events);
  if (!p.ok) return core.refuse(token, p.code === 'BAD_SEQUENCE' ? 'BAD_SEQUENCE' : 'BAD_EVENT', p.message, 400);
  const s = probe.head;
  if (s.epoch !== req.epoch || s.host !== req.host || s.shadow !== core.self) {
    return core.refuse(token, 'BAD_REQUEST', 'the log does not name this node as the shadow of this epoch', 400);
  }
  if (m.seq > 0 && m.head.epoch === req.epoch) {
    if (m.extends(events)) {
      if (m.seq === events.length) return wait(core, m, token, m.seq);
      return core.refuse(token, 'LOG_AHEAD', `this shadow holds ${m.seq} events of epoch ${req.epoch}`, 409, m.events.slice());
    }
    if (!probe.extends(m.events)) return core.refuse(token, 'LOG_AHEAD', `this shadow's log of epoch ${req.epoch} differs`, 409, m.events.slice());
    const suffix = events.slice(m.seq);
    const r = m.append(suffix);
    if (!r.ok) return core.refuse(token, r.code, r.message, 400);
    store(core, m, suffix, false);
    return wait(core, m, token, m.seq);
  }
  const shownBefore = m.extends(events.slice(0, m.shownSeq)) ? m.shownSeq : 0;
  m.replace(events);
  m.show(shownBefore); // what players here already saw is not shown twice
  store(core, m, events, true);
  wait(core, m, token, m.seq);
}

/** A watcher takes the host's committed events that follow its own. */
function follow(core: MatchCore, m: MatchReplica, fromSeq: number, events: SignedEvent[]): void {
  if (fromSeq === 1 && events.length > 0 && !m.extends(events.slice(0, m.seq))) {
    // The host's whole log, and this copy differs from it: take the host's (memory only).
    if (!m.replace(events).ok) return;
    m.resync = false;
  } else {
    const fresh = events.slice(Math.max(0, m.seq + 1 - fromSeq));
    if (fresh.length === 0) return;
    if (fresh[0].eventSeq !== m.seq + 1) {
      m.attachAgainAt = 0; // a gap: ask the host from where this node is
      return;
    }
    if (!m.append(fresh).ok) {
      m.resync = true;
      m.attachAgainAt = 0;
      return;
    }
  }
  core.showUpTo(m, m.seq);
  core.commands.onShown(m);
}

export function followerTick(core: MatchCore, m: MatchReplica): void {
  const cur = current(m);
  if (!cur || m.finished || m.record?.status === 'finished') return;
  const role = core.role(m);
  if (role === 'shadow' && !core.alive.has(cur.host) && m.record?.status === 'active') {
    // The host is gone. Promote only holding a log with every event ever shown; else fetch
    // the live peers' copies, and wait while none of them is such a log.
    if (!holdsEverythingShown(core, m, cur.epoch)) {
      fetchLogs(core, m);
      return;
    }
    return proposeFailover(core, m, [cur.host]);
  }
  if (role === 'watcher' && core.here(m).length > 0 && core.now >= m.attachAgainAt && cur.host !== core.self) {
    m.attachAgainAt = core.now + ATTACH_EVERY_MS;
    const anyPlayer = m.playerIds()[0];
    if (anyPlayer) core.send(cur.host, { type: 'command', matchId: m.matchId, epoch: cur.epoch, playerId: anyPlayer, requestId: `attach:${core.now}`, move: { type: 'ATTACH', fromSeq: m.resync ? 1 : m.seq + 1 } }, { kind: 'attach', matchId: m.matchId, to: cur.host });
  }
}

export function onFollowerReply(core: MatchCore, m: MatchReplica, kind: 'attach' | 'log', reply: PeerReply, from: string): void {
  if (kind === 'attach') {
    if (reply.ok && reply.events) follow(core, m, reply.events[0]?.eventSeq ?? m.seq + 1, verifiedLog(core, m.matchId, reply.events) ?? []);
    return;
  }
  m.fetching = Math.max(0, m.fetching - 1);
  if (!reply.ok || !reply.events || reply.events.length === 0) return;
  const log = verifiedLog(core, m.matchId, reply.events);
  if (!log) return;
  const last = log[log.length - 1];
  const better = m.seq === 0 || last.epoch > m.head.epoch || (last.epoch === m.head.epoch && log.length > m.seq && extendsLog(log, m.events));
  if (!better) return;
  // A candidate for promotion, not a log of the current epoch: nothing in it is shown (it is
  // not even stored until this node writes its own FAILOVER after it).
  const seen = m.events.slice(0, m.shownSeq);
  if (!m.replace(log).ok) return;
  m.fetchedFrom = from;
  m.diskStale = true;
  if (extendsLog(log, seen)) m.show(seen.length);
}

function extendsLog(log: readonly SignedEvent[], prefix: readonly SignedEvent[]): boolean {
  return prefix.length <= log.length && prefix.every((e, i) => log[i].signature === e.signature);
}
