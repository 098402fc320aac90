// The matchmaking queue of one node and its reservations: a pure state machine (no clock,
// no I/O, no randomness — `now` and fresh ids are passed in). The driver (matchmaker.ts)
// turns its answers into REST calls, ledger commands and player replies.
//
// Every local entry is in exactly one state:
//   waiting    free: may be paired here, reserved by a peer, or start a search
//   searching  this node is asking peers for an opponent (one search at a time per player)
//   reserved   a peer's solicitar_oponente holds it until confirmar_partida or expiry
//   matching   this node is creating a match with it (local pair or an opponent found abroad)
// An entry leaves the queue only by SAIR_FILA / disconnect (`leave`), or when the ledger shows
// the player in an active match (`dropMatched`, or a match this node created). Failed or
// abandoned pairings always return the entry to `waiting`: nobody is ever dropped.

export interface QueuedPlayer {
  id: string;
  name: string;
}

export type EntryState =
  | { kind: 'waiting' }
  | { kind: 'searching'; searchId: string }
  | { kind: 'reserved'; salaId: string }
  | { kind: 'matching'; salaId: string };

export interface Entry {
  player: QueuedPlayer;
  /** When it joined; longest wait is served first and keeps its place across retries. */
  since: number;
  state: EntryState;
  /** Left (SAIR_FILA or disconnect) while a pairing was in flight: removed once it resolves. */
  leaving: boolean;
}

export interface Reservation {
  salaId: string;
  /** `${origin}:${requestId}`: a retried solicitar_oponente finds the same reservation. */
  key: string;
  origin: string;
  requestId: string;
  /** The local player held for the requester. */
  playerId: string;
  /** The requester's player. */
  opponent: QueuedPlayer;
  expiresAt: number;
  /** The requester said the ledger recorded the match; held until this replica shows it. */
  committed: boolean;
}

export type Settled = 'committed' | 'released' | 'expired';

/** Why an entry left the queue (the driver answers pending SAIR_FILA with it). */
export interface Departure {
  playerId: string;
  reason: 'matched' | 'cancelled';
}

export type SolicitAnswer = { found: false } | { found: true; salaId: string; opponent: QueuedPlayer };

export type ConfirmOutcome = Settled | 'unknown';

export interface QueueOptions {
  selfId: string;
  /** How long a reservation holds a player for a peer that has not confirmed. */
  reservationTtlMs: number;
  /** After a commit, how long to wait for this replica to show the match before giving the player back. */
  commitHoldMs: number;
  /** How long settled reservations are remembered to answer retries (idempotency window). */
  settledMemoryMs: number;
}

export class MatchQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly reservations = new Map<string, Reservation>();
  private readonly byKey = new Map<string, string>();
  private readonly settled = new Map<string, { outcome: Settled; key: string; answer: SolicitAnswer; at: number }>();
  private departures: Departure[] = [];

  constructor(private readonly opts: QueueOptions) {}

  // ---- players -----------------------------------------------------------------------------

  /** 'queued' (new), 'already' (idempotent join) or 'revived' (re-joined while its leave was pending). */
  enqueue(player: QueuedPlayer, now: number): 'queued' | 'already' | 'revived' {
    const e = this.entries.get(player.id);
    if (e) {
      e.player.name = player.name;
      if (!e.leaving) return 'already';
      e.leaving = false;
      return 'revived';
    }
    this.entries.set(player.id, { player: { ...player }, since: now, state: { kind: 'waiting' }, leaving: false });
    return 'queued';
  }

  /**
   * SAIR_FILA or disconnect. A free or searching entry goes at once (a late "found" answer to
   * its search is then released); one held by a pairing in flight is marked and goes when the
   * pairing resolves — as 'matched' if the ledger recorded it, else 'cancelled'.
   */
  leave(playerId: string): 'removed' | 'pending' | 'absent' {
    const e = this.entries.get(playerId);
    if (!e) return 'absent';
    if (e.state.kind === 'waiting' || e.state.kind === 'searching') {
      this.remove(playerId, 'cancelled');
      return 'removed';
    }
    e.leaving = true;
    return 'pending';
  }

  /** The ledger shows the player in active match `matchId`: it leaves the queue, whatever it was doing. */
  dropMatched(playerId: string, matchId: string, now: number): boolean {
    const e = this.entries.get(playerId);
    if (!e) return false;
    if (e.state.kind === 'reserved') {
      const r = this.reservations.get(e.state.salaId);
      // The reservation's own match, or another one that won at the ledger: either way it is over.
      if (r) this.settle(r, r.salaId === matchId ? 'committed' : 'released', now, false);
    }
    this.remove(playerId, 'matched');
    return true;
  }

  has(playerId: string): boolean {
    return this.entries.has(playerId);
  }

  get(playerId: string): Readonly<Entry> | undefined {
    return this.entries.get(playerId);
  }

  get size(): number {
    return this.entries.size;
  }

  list(): Readonly<Entry>[] {
    return [...this.entries.values()];
  }

  /** Departures since the last call (the driver resolves pending SAIR_FILA replies with them). */
  takeDepartures(): Departure[] {
    const d = this.departures;
    this.departures = [];
    return d;
  }

  // ---- pairing here ------------------------------------------------------------------------

  /**
   * Pairs the two longest-waiting free players of this node (a searching one counts as free:
   * the local pair wins and a late remote answer is released). Both become `matching`.
   */
  pairLocal(salaId: string): [QueuedPlayer, QueuedPlayer] | null {
    const free = this.ordered().filter((e) => !e.leaving && (e.state.kind === 'waiting' || e.state.kind === 'searching'));
    if (free.length < 2) return null;
    const [a, b] = free;
    a.state = { kind: 'matching', salaId };
    b.state = { kind: 'matching', salaId };
    return [{ ...a.player }, { ...b.player }];
  }

  /** The outcome of a match this node tried to create for a local player. */
  matchingDone(playerId: string, salaId: string, outcome: 'matched' | 'retry'): void {
    const e = this.entries.get(playerId);
    if (!e || e.state.kind !== 'matching' || e.state.salaId !== salaId) return;
    if (outcome === 'matched') this.remove(playerId, 'matched');
    else this.free(e);
  }

  // ---- searching abroad ---------------------------------------------------------------------

  /** Players that should start a search now: free, not leaving, longest wait first. */
  searchable(): QueuedPlayer[] {
    return this.ordered()
      .filter((e) => !e.leaving && e.state.kind === 'waiting')
      .map((e) => ({ ...e.player }));
  }

  startSearch(playerId: string, searchId: string): boolean {
    const e = this.entries.get(playerId);
    if (!e || e.leaving || e.state.kind !== 'waiting') return false;
    e.state = { kind: 'searching', searchId };
    return true;
  }

  isSearching(playerId: string, searchId: string): boolean {
    const s = this.entries.get(playerId)?.state;
    return s?.kind === 'searching' && s.searchId === searchId;
  }

  /**
   * A peer answered one step of a search. 'accept': the entry is now `matching` that sala —
   * create the match. 'release': the search is stale (the player was paired, reserved or left
   * meanwhile), so the peer's reservation must be released. 'continue': ask the next peer.
   * 'stale': stop searching.
   */
  searchAnswered(playerId: string, searchId: string, salaId: string | null): 'accept' | 'release' | 'continue' | 'stale' {
    const current = this.isSearching(playerId, searchId);
    if (salaId === null) return current ? 'continue' : 'stale';
    if (!current) return 'release';
    this.entries.get(playerId)!.state = { kind: 'matching', salaId };
    return 'accept';
  }

  /** Every peer said no (or was unreachable): the player waits for the next round. */
  searchExhausted(playerId: string, searchId: string): void {
    if (this.isSearching(playerId, searchId)) this.free(this.entries.get(playerId)!);
  }

  // ---- reservations for peers ---------------------------------------------------------------

  /**
   * A peer's solicitar_oponente for its player `opponent`. Idempotent by (origin, requestId):
   * a retry gets the same answer and never a second reservation. `salaId` is used only when
   * a new reservation is made.
   *
   * Crossed requests (this node searching for x at the origin while the origin searches for
   * y here) are broken by node id: a searching player may be reserved only for a peer whose
   * id sorts before this node's. So of two crossing searches exactly one side yields, and the
   * lowest id never yields — no pair twice, no livelock.
   */
  reserve(origin: string, requestId: string, opponent: QueuedPlayer, salaId: string, now: number): SolicitAnswer {
    const key = `${origin}:${requestId}`;
    const live = this.byKey.get(key);
    if (live !== undefined) {
      const r = this.reservations.get(live);
      if (r) return { found: true, salaId: r.salaId, opponent: this.playerOf(r) };
      const s = this.settled.get(live);
      // Committed: same answer again. Released or expired: that offer is over; never re-reserve.
      if (s) return s.outcome === 'committed' ? s.answer : { found: false };
    }
    const mayYield = origin < this.opts.selfId;
    const candidates = this.ordered().filter(
      (e) => !e.leaving && e.player.id !== opponent.id && (e.state.kind === 'waiting' || (mayYield && e.state.kind === 'searching')),
    );
    // Prefer a player that is not searching itself, so searches in flight are disturbed least.
    const pick = candidates.find((e) => e.state.kind === 'waiting') ?? candidates[0];
    if (!pick) return { found: false };
    pick.state = { kind: 'reserved', salaId };
    this.reservations.set(salaId, {
      salaId,
      key,
      origin,
      requestId,
      playerId: pick.player.id,
      opponent: { ...opponent },
      expiresAt: now + this.opts.reservationTtlMs,
      committed: false,
    });
    this.byKey.set(key, salaId);
    return { found: true, salaId, opponent: { ...pick.player } };
  }

  /**
   * confirmar_partida. Commit: the requester's ledger write succeeded; the player stays held
   * (not removed) until this node's replica shows the match (`dropMatched`), so the queue
   * trusts only the ledger. Release: the player is free again (or leaves, if it asked to).
   * Idempotent: a repeat gets the first outcome. Only the origin may settle its reservation.
   */
  confirm(origin: string, requestId: string, salaId: string, commit: boolean, now: number): ConfirmOutcome {
    const r = this.reservations.get(salaId);
    if (r) {
      if (r.origin !== origin || r.requestId !== requestId) return 'unknown';
      if (!commit) {
        this.settle(r, 'released', now);
        return 'released';
      }
      if (!r.committed) {
        r.committed = true;
        r.expiresAt = now + this.opts.commitHoldMs;
      }
      return 'committed';
    }
    const s = this.settled.get(salaId);
    if (s && s.key === `${origin}:${requestId}`) return s.outcome;
    return 'unknown';
  }

  reservationOf(playerId: string): Readonly<Reservation> | undefined {
    const s = this.entries.get(playerId)?.state;
    return s?.kind === 'reserved' ? this.reservations.get(s.salaId) : undefined;
  }

  get reservationCount(): number {
    return this.reservations.size;
  }

  /**
   * Expires reservations nobody confirmed (and commits the replica never showed): their
   * players return to `waiting`. Forgets settled outcomes past the idempotency window.
   * Returns the players freed.
   */
  expire(now: number): string[] {
    const freed: string[] = [];
    for (const r of [...this.reservations.values()]) {
      if (r.expiresAt > now) continue;
      const e = this.entries.get(r.playerId);
      this.settle(r, 'expired', now);
      if (e && this.entries.has(r.playerId)) freed.push(r.playerId);
    }
    for (const [salaId, s] of this.settled) {
      if (now - s.at >= this.opts.settledMemoryMs) {
        this.settled.delete(salaId);
        if (this.byKey.get(s.key) === salaId) this.byKey.delete(s.key);
      }
    }
    return freed;
  }

  /** The earliest time `expire` has work to do, or null. */
  nextExpiry(): number | null {
    let t: number | null = null;
    for (const r of this.reservations.values()) if (t === null || r.expiresAt < t) t = r.expiresAt;
    return t;
  }

  // ---- internals ----------------------------------------------------------------------------

  private settle(r: Reservation, outcome: Settled, now: number, freeEntry = true): void {
    this.reservations.delete(r.salaId);
    this.settled.set(r.salaId, { outcome, key: r.key, answer: { found: true, salaId: r.salaId, opponent: this.playerOf(r) }, at: now });
    const e = this.entries.get(r.playerId);
    if (freeEntry && e && e.state.kind === 'reserved' && e.state.salaId === r.salaId) this.free(e);
  }

  /** Back to waiting — or out, if the player asked to leave meanwhile. */
  private free(e: Entry): void {
    if (e.leaving) this.remove(e.player.id, 'cancelled');
    else e.state = { kind: 'waiting' };
  }

  private remove(playerId: string, reason: Departure['reason']): void {
    if (this.entries.delete(playerId)) this.departures.push({ playerId, reason });
  }

  private playerOf(r: Reservation): QueuedPlayer {
    const e = this.entries.get(r.playerId);
    return e ? { ...e.player } : { id: r.playerId, name: r.playerId };
  }

  /** Longest wait first; ties by id so the order is total and replayable. */
  private ordered(): Entry[] {
    return [...this.entries.values()].sort((a, b) => a.since - b.since || (a.player.id < b.player.id ? -1 : a.player.id > b.player.id ? 1 : 0));
  }
}

/** Alive peers in a rotating order, so successive searches spread over the cluster. */
export function rotation(peers: string[], turn: number): string[] {
  const sorted = [...peers].sort();
  if (sorted.length === 0) return sorted;
  const k = ((turn % sorted.length) + sorted.length) % sorted.length;
  return [...sorted.slice(k), ...sorted.slice(0, k)];
}
