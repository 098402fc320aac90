// The host's rules (docs/design.md §8): it alone decides. A command becomes the next signed event,
// appended here and sent to the shadow at once; players see it, and are answered, only once
// it is durable here AND stored by the shadow. The one failover path is `elect`: whenever the
// ledger names this node host of an epoch its log has not reached (a new match, a dead host,
// a dead shadow), it writes MATCH_START or FAILOVER and seeds the shadow with the whole log.
import { turnExpired, validateCommand, type MatchCommand, type MatchEvent } from '../../game/index.ts';
import type { Awaiting, MatchCore } from './core.ts';
import type { MatchReplica } from './replica.ts';
import { current, pickShadow } from './roles.ts';
import type { PeerReply, PeerRequest } from './types.ts';
import { verifiedLog } from './follower.ts';
import { toGame } from './commands.ts';

/** Host timers wait this long between retries of a failed send or a ledger proposal. */
const RESEND_MS = 200;
const REPROPOSE_MS = 2000;
/** A failover is asked again sooner: a dead host that also led Raft fails the first try. */
const REPROPOSE_FAILOVER_MS = 400;
const FETCH_AGAIN_MS = 5000;
/** How long a restarted host waits for an unreachable shadow before replacing it anyway. */
const RESTARTED_HOST_WAITS_MS = 30_000;
/** Refusal code of a move that came while host and shadow were not in step (retried). */
export const CATCHING_UP = 'UNAVAILABLE';

export function appendAsHost(
  core: MatchCore,
  m: MatchReplica,
  events: MatchEvent[],
  key?: string,
  validated = false,
): { ok: true; seq: number } | { ok: false; code: string; message: string } {
  let epoch = m.head.epoch;
  const signed = events.map((e) => {
    if (e.type === 'FAILOVER' || e.type === 'MATCH_START') epoch = e.epoch;
    return core.deps.sign(e, m.matchId, epoch, key);
  });
  const r = m.append(signed, undefined, validated);
  if (!r.ok) return r;
  // A log that starts here replaces whatever an earlier life of this node left on disk, and
  // so does the first write after adopting a peer's copy.
  if (m.diskStale) {
    m.diskStale = false;
    core.out.appends.push({ matchId: m.matchId, gen: m.gen, events: m.events.slice(), rewrite: true });
  } else core.out.appends.push({ matchId: m.matchId, gen: m.gen, events: signed, rewrite: signed[0].eventSeq === 1 });
  pump(core, m);
  return { ok: true, seq: m.seq };
}

/** Validates a game command against the head and appends its event. */
export function hostCommand(core: MatchCore, m: MatchReplica, playerId: string, command: MatchCommand, key?: string) {
  // Until the shadow holds this epoch's log, nothing is added to it: the two copies stay
  // prefixes of each other (a restarted host may lack what its shadow stored).
  if (current(m)?.shadow && !m.shadowSynced) return { ok: false as const, code: CATCHING_UP, message: 'the match is catching up with its shadow; try again' };
  const v = validateCommand(m.head, playerId, command, core.now);
  if (!v.ok) return v;
  return appendAsHost(core, m, [v.event], key, true);
}

/** Sends the shadow what it lacks: the whole log until it holds this epoch's, then the new events. */
function pump(core: MatchCore, m: MatchReplica): void {
  const shadow = current(m)?.shadow ?? null;
  if (!shadow) return commitAsHost(core, m);
  if (m.inflight !== null || core.now < m.retryAt) return;
  const epoch = m.head.epoch;
  if (!m.shadowSynced) {
    const players = m.head.players.map((p) => ({ id: p.id, name: p.name }));
    m.inflight = core.send(shadow, { type: 'start', matchId: m.matchId, epoch, host: core.self, shadow, players, events: m.events.slice() }, { kind: 'start', matchId: m.matchId, upTo: m.seq, epoch });
  } else if (m.seq > m.sentSeq) {
    const events = m.events.slice(m.sentSeq);
    const req: PeerRequest = { type: 'replicate', matchId: m.matchId, epoch, fromSeq: m.sentSeq + 1, events, stateHash: core.deps.hash(m.head) };
    m.inflight = core.send(shadow, req, { kind: 'replicate', matchId: m.matchId, upTo: m.seq, epoch });
  }
  if (m.inflight !== null) m.sentSeq = m.seq;
}

/** Shows, answers and relays what is now safe: durable here and stored by the shadow. */
export function commitAsHost(core: MatchCore, m: MatchReplica): void {
  const safe = current(m)?.shadow ? Math.min(m.durableSeq, m.ackSeq) : m.durableSeq;
  const shown = core.showUpTo(m, safe);
  if (shown.length === 0) return;
  answerWaiting(core, m);
  core.commands.onShown(m);
  for (const w of m.watchers) {
    if (!core.alive.has(w)) m.watchers.delete(w);
    else core.send(w, { type: 'notify', matchId: m.matchId, epoch: m.shown.epoch, fromSeq: shown[0].eventSeq, events: shown }, { kind: 'none' });
  }
  if (m.shown.phase === 'FINALIZADO') proposeFinish(core, m);
  setHandsFromLedger(core, m);
}

function answerWaiting(core: MatchCore, m: MatchReplica): void {
  for (let i = 0; i < m.waiting.length; ) {
    const w = m.waiting[i];
    if (w.seq <= m.shownSeq) {
      core.reply(w.token, { ok: true, eventSeq: w.seq });
      m.waiting.splice(i, 1);
    } else i++;
  }
}

function proposeFinish(core: MatchCore, m: MatchReplica): void {
  const r = m.record;
  const s = m.shown;
  if (!r || r.status !== 'active' || !s.result || core.now < m.proposeAgainAt) return;
  m.proposeAgainAt = core.now + REPROPOSE_MS;
  const scores: Record<string, number> = {};
  for (const p of s.players) scores[p.id] = s.scores[p.id] ?? 0;
  // At the ledger's epoch: a finished match whose shadow was replaced since keeps its result.
  core.out.proposals.push({ type: 'MATCH_FINISHED', matchId: m.matchId, winnerId: s.result.winnerId, reason: s.result.reason, scores, epoch: r.epoch, at: core.now });
}

export function proposeFailover(core: MatchCore, m: MatchReplica, exclude: (string | null)[]): void {
  const cur = current(m)!;
  if (m.proposedEpoch === cur.epoch && core.now < m.proposeAgainAt) return;
  // Every epoch after the first has a shadow: an epoch without one would hold shown moves
  // on one node only, where no later host could be sure to find them.
  const shadow = pickShadow(core.matches.values(), core.alive, [core.self, ...exclude]);
  if (shadow === null) return;
  m.proposedEpoch = cur.epoch;
  m.proposeAgainAt = core.now + REPROPOSE_FAILOVER_MS;
  core.out.proposals.push({ type: 'MATCH_FAILOVER', matchId: m.matchId, expectedEpoch: cur.epoch, host: core.self, shadow });
}


/** The ledger named this node host of an epoch its log has not reached: write it down. */
function elect(core: MatchCore, m: MatchReplica): void {
  const r = m.record!;
  // Named host without any log (it was lost, or never arrived): ask the peers first, and
  // start from the ledger only when none of them holds one.
  if (m.seq === 0 && r.epoch > 1 && fetchLogs(core, m)) return;
  const ev: MatchEvent =
    m.seq === 0
      ? { type: 'MATCH_START', seq: 1, at: core.now, matchId: m.matchId, players: [r.players[0], r.players[1]], seed: r.seed, host: core.self, shadow: r.shadow, epoch: r.epoch }
      : { type: 'FAILOVER', seq: m.seq + 1, at: core.now, oldHost: m.head.host, newHost: core.self, shadow: r.shadow, epoch: r.epoch };
  // A new epoch: nothing of it has reached the shadow yet; every player counts as just seen.
  m.ackSeq = 0;
  m.sentSeq = 0;
  m.shadowSynced = false;
  m.inflight = null;
  m.fencedAt = 0;
  for (const p of m.playerIds()) m.lastSeen.set(p, core.now);
  appendAsHost(core, m, [ev]);
}

/** Asks every live peer for its copy (again after FETCH_AGAIN_MS); true while answers are outstanding. */
export function fetchLogs(core: MatchCore, m: MatchReplica): boolean {
  if (m.fetching > 0) return true;
  if (m.fetchedAt !== 0 && core.now - m.fetchedAt < FETCH_AGAIN_MS) return false; // a round is done: go on with it
  m.fetchedAt = core.now;
  for (const p of core.alive) {
    m.fetching++;
    core.send(p, { type: 'log', matchId: m.matchId }, { kind: 'log', matchId: m.matchId, to: p });
  }
  return m.fetching > 0;
}

export function onRecordAsHost(core: MatchCore, m: MatchReplica): void {
  const role = core.role(m);
  if (role === 'elect') return elect(core, m);
  if (role !== 'host') {
    failWaiting(core, m, 'NOT_HOST', `node ${core.self} no longer hosts match ${m.matchId}`);
    return;
  }
  setHandsFromLedger(core, m);
  pump(core, m);
  if (m.shown.phase === 'FINALIZADO') proposeFinish(core, m);
}

function failWaiting(core: MatchCore, m: MatchReplica, code: string, message: string): void {
  for (const w of m.waiting.splice(0)) core.refuse(w.token, code, message);
}

/** A hand becomes the match's only through the ledger's lock of it: the host logs it. */
function setHandsFromLedger(core: MatchCore, m: MatchReplica): void {
  const r = m.record;
  if (!r || m.head.phase !== 'AGUARDANDO_COMPRA') return;
  for (const p of r.players) {
    const cards = r.hands[p.id];
    if (!cards || m.head.hands[p.id]) continue;
    hostCommand(core, m, p.id, { type: 'SET_HAND', cards, source: r.handSources[p.id] ?? 'PACK' });
  }
}

export function hostTick(core: MatchCore, m: MatchReplica): void {
  if (core.role(m) === 'elect') return elect(core, m);
  const cur = current(m)!;
  if (m.inflight === null) pump(core, m);
  if (m.shown.phase === 'FINALIZADO') return proposeFinish(core, m);
  if (m.finished) return;
  setHandsFromLedger(core, m);
  // A dead or missing shadow is replaced through the ledger (then `elect` writes FAILOVER).
  // A restarted host waits for its shadow instead: the shadow may hold shown events it lacks.
  const waitForShadow = m.mayLackShadowEvents && core.now - m.loadedAt < RESTARTED_HOST_WAITS_MS;
  if (cur.shadow ? !core.alive.has(cur.shadow) && !waitForShadow : core.alive.size > 0) proposeFailover(core, m, [cur.shadow]);
  const s = m.head;
  const { turnMs, disconnectForfeitMs } = core.deps.timing;
  if (s.phase === 'AGUARDANDO_COMPRA' && s.lastEventAt !== null && core.now - s.lastEventAt > 2 * turnMs) {
    // Choosing hands is timed too, so a match nobody arms still ends.
    const missing = m.playerIds().filter((p) => !s.hands[p]);
    if (missing.length === 1) hostCommand(core, m, missing[0], { type: 'FORFEIT', reason: 'SEM_MAO' });
    else if (missing.length === 2) appendAsHost(core, m, [{ type: 'ABORT', seq: s.eventSeq + 1, at: core.now, reason: 'SEM_MAOS' }]);
    return;
  }
  if (s.turn && turnExpired(s, core.now, turnMs)) {
    hostCommand(core, m, s.turn, { type: 'PLAY_LOWEST' });
    return;
  }
  for (const p of m.playerIds()) {
    if (core.local.has(p)) m.lastSeen.set(p, core.now);
    if (core.now - (m.lastSeen.get(p) ?? core.now) > disconnectForfeitMs) {
      hostCommand(core, m, p, { type: 'FORFEIT', reason: 'DESCONECTADO' });
      return;
    }
  }
}

/** /game/event on this node: a forwarded command, or a watcher attaching. */
export function hostRequest(core: MatchCore, token: number, from: string, req: Extract<PeerRequest, { type: 'command' }>): void {
  const m = core.match(req.matchId);
  if (!m || core.role(m) !== 'host') return core.refuse(token, 'NOT_HOST', `node ${core.self} does not host match ${req.matchId}`);
  if (req.epoch > m.head.epoch) return core.refuse(token, 'STALE_EPOCH', `match ${req.matchId} is at epoch ${m.head.epoch} here, not ${req.epoch}`);
  if (!m.playerIds().includes(req.playerId)) return core.refuse(token, 'NOT_IN_MATCH', `player ${req.playerId} does not play match ${req.matchId}`);
  m.lastSeen.set(req.playerId, core.now);
  const move = req.move;
  if (move.type === 'ATTACH') {
    if (from !== current(m)?.shadow) m.watchers.add(from);
    return core.reply(token, { ok: true, eventSeq: m.shownSeq, events: m.events.slice(Math.max(0, move.fromSeq - 1), m.shownSeq) });
  }
  const key = `${req.playerId}:${req.requestId}`;
  const done = m.seqOf(key);
  if (done === undefined) {
    const r = hostCommand(core, m, req.playerId, toGame(move), key);
    if (!r.ok) return core.refuse(token, r.code, r.message);
  }
  m.waiting.push({ token, seq: m.seqOf(key)! });
  answerWaiting(core, m);
}

export function onHostReply(core: MatchCore, m: MatchReplica, id: number, a: Extract<Awaiting, { kind: 'replicate' | 'start' }>, reply: PeerReply): void {
  if (m.inflight !== id) return; // an answer from before a new epoch or a rewrite
  m.inflight = null;
  if (core.role(m) !== 'host' || a.epoch !== m.head.epoch) return;
  if (reply.ok) {
    m.shadowSynced = true;
    m.mayLackShadowEvents = false;
    m.ackSeq = Math.max(m.ackSeq, Math.min(reply.eventSeq, a.upTo));
    commitAsHost(core, m);
    return pump(core, m);
  }
  m.sentSeq = m.ackSeq;
  switch (reply.code) {
    case 'STALE_EPOCH':
      // The shadow knows a newer epoch: this node stops serving until the ledger says more.
      m.fencedAt = m.head.epoch;
      failWaiting(core, m, 'STALE_EPOCH', `node ${core.self} no longer hosts match ${m.matchId}`);
      core.commands.retryFor(m);
      return;
    case 'LOG_AHEAD':
      return adoptShadowLog(core, m, reply.events ?? []);
    case 'BAD_SEQUENCE':
    case 'NOT_FOUND':
    case 'STATE_MISMATCH':
      m.shadowSynced = false; // it lost or never got part of the log: the whole log again
      return pump(core, m);
    default:
      m.retryAt = core.now + RESEND_MS;
  }
}

/**
 * The shadow stored events this host lacks (it restarted before its own copy was durable):
 * the shadow's log holds everything ever shown in this epoch, so it wins, and this host's
 * unshown events (answered to nobody) are dropped.
 */
function adoptShadowLog(core: MatchCore, m: MatchReplica, events: PeerReply['events'] & object): void {
  const log = verifiedLog(core, m.matchId, events);
  const shownPrefix = m.events.slice(0, m.shownSeq);
  if (!log || log.length < m.shownSeq || !shownPrefix.every((e, i) => e.signature === log[i].signature)) {
    m.retryAt = core.now + RESEND_MS;
    return;
  }
  const before = m.events.slice();
  const shown = m.shownSeq;
  if (!m.replace(log).ok) return;
  m.show(shown); // already shown before: not again
  core.out.appends.push({ matchId: m.matchId, gen: m.gen, events: log, rewrite: true });
  m.ackSeq = m.seq;
  m.sentSeq = m.seq;
  m.shadowSynced = true;
  m.mayLackShadowEvents = false;
  const kept = before.findIndex((e, i) => log[i]?.signature !== e.signature);
  failWaiting(core, m, 'UNAVAILABLE', 'the match moved on before this move was stored; send it again');
  core.commands.onRewrite(m, kept < 0 ? before.length : kept);
}
