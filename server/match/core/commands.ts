// This node's players' match commands until they are answered. A command runs here when this
// node hosts the match, else it is forwarded to the host. Either way it is answered once its
// event is shown here: on the shadow that is when the replicated event carrying the player's
// requestId is stored, so a move costs one host↔shadow round trip from either side. Refusals
// that mean "the host moved" are retried until the deadline; a retried requestId is found in
// the log (the one place requests are de-duplicated) and answered, never run twice.
import type { MatchCore } from './core.ts';
import type { MatchReplica } from './replica.ts';
import { current } from './roles.ts';
import { CATCHING_UP, hostCommand } from './host.ts';
import type { PeerReply, PlayerMove } from './types.ts';
import type { MatchCommand } from '../../game/index.ts';

/** Refusals after which a forwarded command is sent again (to whoever hosts by then). */
const RETRYABLE: ReadonlySet<string> = new Set(['NOT_HOST', 'STALE_EPOCH', 'UNAVAILABLE', 'UNREACHABLE', 'NOT_FOUND']);
const RETRY_MS = 150;

interface Pending {
  token: number;
  playerId: string;
  key: string;
  move: PlayerMove;
  deadline: number;
  matchId: string | null;
  /** The match's eventSeq of this command, once known. */
  seq: number | null;
  forwarded: boolean;
  retryAt: number;
}

export class LocalCommands {
  private readonly pending = new Map<number, Pending>();
  private readonly hands = new Map<number, { playerId: string; matchId: string; deadline: number }>();

  constructor(private readonly core: MatchCore) {}

  submit(token: number, playerId: string, requestId: string, move: PlayerMove): void {
    const c: Pending = { token, playerId, key: `${playerId}:${requestId}`, move, deadline: this.core.now + this.core.deps.timing.commandDeadlineMs, matchId: null, seq: null, forwarded: false, retryAt: 0 };
    this.pending.set(token, c);
    this.run(c);
  }

  awaitHand(token: number, playerId: string, matchId: string): void {
    this.hands.set(token, { playerId, matchId, deadline: this.core.now + this.core.deps.timing.commandDeadlineMs });
    const m = this.core.match(matchId);
    if (m) this.onShown(m);
  }

  private answer(c: Pending, r: { ok: true; matchId: string; eventSeq: number } | { ok: false; code: string; message: string }): void {
    this.pending.delete(c.token);
    this.core.out.answers.push({ token: c.token, ...r });
  }

  private run(c: Pending): void {
    const core = this.core;
    const m = core.matchOfPlayer(c.playerId);
    if (!m) return this.answer(c, { ok: false, code: 'NOT_IN_MATCH', message: 'you are not in a match' });
    c.matchId = m.matchId;
    if (m.seq === 0) {
      c.retryAt = core.now + RETRY_MS; // the match is being started
      return;
    }
    const done = m.seqOf(c.key);
    if (done !== undefined) {
      c.seq = done;
      return this.check(c, m);
    }
    const role = core.role(m);
    if (role === 'host') {
      const r = hostCommand(core, m, c.playerId, toGame(c.move), c.key);
      if (!r.ok && r.code === CATCHING_UP) {
        c.retryAt = core.now + RETRY_MS;
        return;
      }
      if (!r.ok) return this.answer(c, { ok: false, code: r.code, message: r.message });
      c.seq = r.seq;
      return this.check(c, m);
    }
    const cur = current(m);
    if (role === 'elect' || !cur || cur.host === core.self) {
      c.retryAt = core.now + RETRY_MS;
      return;
    }
    c.forwarded = true;
    const requestId = c.key.slice(c.playerId.length + 1);
    core.send(cur.host, { type: 'command', matchId: m.matchId, epoch: cur.epoch, playerId: c.playerId, requestId, move: c.move }, { kind: 'forward', token: c.token });
  }

  private check(c: Pending, m: MatchReplica): void {
    if (c.seq !== null && c.seq <= m.shownSeq) this.answer(c, { ok: true, matchId: m.matchId, eventSeq: c.seq });
  }

  /** New events are shown for `m`: answer what they carry. */
  onShown(m: MatchReplica): void {
    for (const c of this.pending.values()) {
      if (c.matchId !== m.matchId) continue;
      c.seq ??= m.seqOf(c.key) ?? null;
      this.check(c, m);
    }
    for (const [token, h] of this.hands) {
      if (h.matchId !== m.matchId) continue;
      const set = m.events.slice(0, m.shownSeq).find((e) => e.type === 'HAND_SET' && e.playerId === h.playerId);
      if (set) {
        this.hands.delete(token);
        this.core.out.answers.push({ token, ok: true, matchId: m.matchId, eventSeq: set.eventSeq });
      } else if (m.shown.phase === 'FINALIZADO') {
        this.hands.delete(token);
        this.core.out.answers.push({ token, ok: false, code: 'MATCH_FINISHED', message: 'the match ended before your hand was set' });
      }
    }
  }

  onForwardReply(token: number, reply: PeerReply): void {
    const c = this.pending.get(token);
    if (!c) return; // answered already (the shadow stored it first)
    c.forwarded = false;
    if (reply.ok) {
      const m = c.matchId ? this.core.match(c.matchId) : undefined;
      return this.answer(c, { ok: true, matchId: c.matchId ?? m?.matchId ?? '', eventSeq: reply.eventSeq });
    }
    if (!RETRYABLE.has(reply.code)) return this.answer(c, { ok: false, code: reply.code, message: reply.message });
    c.retryAt = this.core.now + RETRY_MS;
  }

  /** The match's host or epoch changed: commands waiting on it go again now. */
  retryFor(m: MatchReplica): void {
    for (const c of this.pending.values()) if (c.matchId === m.matchId && !c.forwarded && c.seq === null) c.retryAt = 0;
  }

  /** The log was replaced from `kept` on: commands whose events were dropped go again. */
  onRewrite(m: MatchReplica, kept: number): void {
    for (const c of this.pending.values()) {
      if (c.matchId === m.matchId && c.seq !== null && c.seq > kept) {
        c.seq = null;
        c.retryAt = 0;
      }
    }
  }

  tick(): void {
    const now = this.core.now;
    for (const c of [...this.pending.values()]) {
      if (now > c.deadline) this.answer(c, { ok: false, code: 'UNAVAILABLE', message: "the match's host cannot be reached; try again" });
      else if (!c.forwarded && c.seq === null && now >= c.retryAt) this.run(c);
    }
    for (const [token, h] of this.hands) {
      if (now <= h.deadline) continue;
      this.hands.delete(token);
      this.core.out.answers.push({ token, ok: false, code: 'UNAVAILABLE', message: 'the match did not take the hand in time; look at your match again' });
    }
  }
}

export function toGame(move: PlayerMove): MatchCommand {
  if (move.type === 'JOGAR') return { type: 'PLAY', cardId: move.cardId };
  if (move.type === 'CHAT') return { type: 'CHAT', text: move.text };
  return { type: 'FORFEIT', reason: move.reason };
}
