// One match as one node holds it: the signed log (held once, here), the reducer's state after
// it, and how far the log is durable, acknowledged by the shadow and shown to players.
// Host, shadow and epoch are never stored here: they come from the ledger's record or from
// the log itself (see roles.ts).
import { applyEvent, applyValidated, initialState, type MatchState } from '../../game/index.ts';
import { unwrapEvent, type SignedEvent } from '../signing.ts';
import type { MatchRecord } from './types.ts';

export type Refusal = { ok: false; code: string; message: string };

export class MatchReplica {
  readonly events: SignedEvent[] = [];
  /** State after the last event (what the host validates against). */
  head: MatchState = initialState();
  /** States after each event beyond `shownSeq`, so players are shown exactly what is safe. */
  private pending: MatchState[] = [];
  private shownState: MatchState = initialState();
  /** `${playerId}:${requestId}` → eventSeq: the one place a retried request is recognised. */
  private readonly requests = new Map<string, number>();
  /** Generation of the log on disk: a rewrite starts a new one, older durables are ignored. */
  gen = 0;
  durableSeq = 0;
  /** Events players have been shown (host: durable here and stored by the shadow). */
  shownSeq = 0;
  record: MatchRecord | null = null;
  // Host bookkeeping, reset whenever this node (re)becomes host of an epoch.
  ackSeq = 0;
  sentSeq = 0;
  shadowSynced = false;
  inflight: number | null = null;
  retryAt = 0;
  readonly lastSeen = new Map<string, number>();
  readonly watchers = new Set<string>();
  /**
   * Set when a host's log came from its own disk (a restart): its last appends may never
   * have become durable here while its shadow stored them. Until the shadow has the log
   * again, only the shadow's copy is sure to hold everything shown.
   */
  mayLackShadowEvents = false;
  loadedAt = 0;
  /** Epoch at which a peer told this node it no longer hosts (before the ledger says so). */
  fencedAt = 0;
  /** Proposal in flight: the epoch it expects and when to try again. */
  proposedEpoch = 0;
  proposeAgainAt = 0;
  finishedAt: number | null = null;
  /** Local players told about the match (PARTIDA_ENCONTRADA and a full view). */
  readonly announced = new Set<string>();
  /** Peer tokens to answer once `eventSeq` is durable here (shadow) or committed (host). */
  readonly waiting: { token: number; seq: number }[] = [];
  /** Catching up from peers: outstanding log requests. */
  fetching = 0;
  /** The peer whose copy this log was adopted from (catching up), if any. */
  fetchedFrom: string | null = null;
  /** The log in memory is not the one on disk (an adopted copy): the next write replaces it. */
  diskStale = false;
  fetchedAt = 0;
  attachAgainAt = 0;
  /** A watcher whose copy stopped chaining onto the host's asks for the whole log. */
  resync = false;

  constructor(
    readonly matchId: string,
    /** When this node started holding it (a match nobody here needs is let go later). */
    readonly heldSince = 0,
  ) {}

  get seq(): number {
    return this.head.eventSeq;
  }

  get finished(): boolean {
    return this.head.phase === 'FINALIZADO';
  }

  get shown(): MatchState {
    return this.shownState;
  }

  seqOf(key: string): number | undefined {
    return this.requests.get(key);
  }

  /**
   * Appends events that must follow the head; nothing changes on a refusal. `validated`:
   * the host's own event, made by validateCommand against this head (checked once there).
   */
  append(events: readonly SignedEvent[], check?: (state: MatchState) => boolean, validated = false): { ok: true } | Refusal {
    let s = this.head;
    const states: MatchState[] = [];
    for (const e of events) {
      const bare = unwrapEvent(e);
      if (!bare) return { ok: false, code: 'BAD_EVENT', message: `event ${e.eventSeq} is malformed` };
      if (e.eventSeq !== s.eventSeq + 1) return { ok: false, code: 'BAD_SEQUENCE', message: `expected eventSeq ${s.eventSeq + 1}, got ${e.eventSeq}` };
      if (validated) s = applyValidated(s, bare);
      else {
        const r = applyEvent(s, bare);
        if (!r.ok) return { ok: false, code: r.code === 'BAD_SEQ' ? 'BAD_SEQUENCE' : r.code, message: r.message };
        s = r.state;
      }
      states.push(s);
    }
    if (check && !check(s)) return { ok: false, code: 'STATE_MISMATCH', message: 'state hash differs after applying the events' };
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      this.events.push(e);
      if (e.requestId) this.requests.set(e.requestId, e.eventSeq);
    }
    this.pending.push(...states);
    this.head = s;
    return { ok: true };
  }

  /** Replaces the whole log (a newer or longer copy); a new generation on disk. */
  replace(events: readonly SignedEvent[]): { ok: true } | Refusal {
    const fresh = new MatchReplica(this.matchId);
    const r = fresh.append(events);
    if (!r.ok) return r;
    this.events.length = 0;
    this.events.push(...fresh.events);
    this.requests.clear();
    for (const [k, v] of fresh.requests) this.requests.set(k, v);
    this.head = fresh.head;
    this.pending = fresh.pending;
    this.shownState = initialState();
    this.shownSeq = 0;
    this.gen++;
    this.durableSeq = 0;
    this.ackSeq = 0;
    this.sentSeq = 0;
    this.diskStale = false;
    return { ok: true };
  }

  /** Drops the events no player was shown (a host that learned it no longer hosts). */
  dropUnshown(): void {
    if (this.seq === this.shownSeq) return;
    this.events.length = this.shownSeq;
    for (const [k, v] of this.requests) if (v > this.shownSeq) this.requests.delete(k);
    this.head = this.shownState;
    this.pending = [];
    this.gen++;
    this.durableSeq = 0;
  }

  /** Marks events up to `seq` as shown; returns them (in order). */
  show(seq: number): SignedEvent[] {
    const upTo = Math.min(seq, this.seq);
    if (upTo <= this.shownSeq) return [];
    const out = this.events.slice(this.shownSeq, upTo);
    this.shownState = this.pending[upTo - this.shownSeq - 1];
    this.pending = this.pending.slice(upTo - this.shownSeq);
    this.shownSeq = upTo;
    return out;
  }

  /** Whether `prefix` is a prefix of this log (same signatures). */
  extends(prefix: readonly SignedEvent[]): boolean {
    if (prefix.length > this.events.length) return false;
    for (let i = 0; i < prefix.length; i++) if (prefix[i].signature !== this.events[i].signature) return false;
    return true;
  }

  playerIds(): string[] {
    if (this.head.players.length > 0) return this.head.players.map((p) => p.id);
    return this.record ? this.record.players.map((p) => p.id) : [];
  }
}
