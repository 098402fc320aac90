// The matchmaking driver of one node: runs the pure queue (queue.ts) against the clock,
// the peers (solicitar_oponente / confirmar_partida) and the ledger (through MatchCreator).
// The ledger is the arbiter: a match exists when MATCH_CREATED commits, and a player leaves
// the queue for a match only when the ledger says so. Timeouts never "assume the other side
// failed" (Colyseus #978): an unknown outcome is retried with the same sala_id, and anything
// left uncertain is settled by the ledger refusing the second match (PLAYER_IN_MATCH).
import { randomUUID } from 'node:crypto';
import { CommandError } from '../players/commands.ts';
import { MatchQueue, rotation, type QueuedPlayer } from './queue.ts';
import type { MatchCreator } from '../match/contract.ts';
import type { AguardandoOponente, FilaCancelada } from '../../protocol/events.ts';
import type {
  ConfirmarPartidaBody,
  ConfirmarPartidaResponse,
  SolicitarOponenteBody,
  SolicitarOponenteResponse,
} from '../../protocol/rest.ts';
import type { Logger } from '../log.ts';

/** How this node talks to a peer's matchmaking endpoints (HTTP in a node, direct calls in tests). */
export interface PeerTransport {
  solicitar(peer: string, body: SolicitarOponenteBody): Promise<SolicitarOponenteResponse>;
  confirmar(peer: string, body: ConfirmarPartidaBody): Promise<ConfirmarPartidaResponse>;
}

export interface MatchmakingTiming {
  /** Periodic retry while anyone waits: a random delay in [min, max] (jitter breaks lockstep). */
  retryMinMs: number;
  retryMaxMs: number;
  reservationTtlMs: number;
  commitHoldMs: number;
  settledMemoryMs: number;
  /** Tries of createMatch when its outcome is unknown (same sala_id: idempotent). */
  createAttempts: number;
  /** Stop waiting for one createMatch call after this long (its late outcome is the ledger's). */
  createTimeoutMs: number;
  confirmAttempts: number;
  /** How often liveness is checked for peers coming alive. */
  peerWatchMs: number;
}

export const DEFAULT_MATCHMAKING_TIMING: MatchmakingTiming = {
  retryMinMs: 250,
  retryMaxMs: 500,
  reservationTtlMs: 5000,
  commitHoldMs: 30_000,
  settledMemoryMs: 120_000,
  createAttempts: 3,
  createTimeoutMs: 15_000,
  confirmAttempts: 3,
  peerWatchMs: 100,
};

export interface MatchmakerDeps {
  selfId: string;
  matches: MatchCreator;
  transport: PeerTransport;
  /** Ids of the peers (not this node) currently alive. */
  alivePeers: () => string[];
  nameOf: (playerId: string) => string;
  log: Logger;
  timing?: Partial<MatchmakingTiming>;
  now?: () => number;
  random?: () => number;
  newId?: () => string;
}

/** Refusals of createMatch that are final; any other outcome might still commit, so it is retried. */
const DEFINITE_REFUSALS = new Set(['PLAYER_IN_MATCH', 'SAME_PLAYER', 'UNKNOWN_PLAYER', 'MATCH_CONFLICT', 'BAD_COMMAND']);

type CreateOutcome = 'ok' | 'refused' | 'unknown';

export interface QueueSnapshot {
  node: string;
  entries: { playerId: string; name: string; state: string; waitedMs: number; leaving: boolean }[];
  reservations: number;
}

export class Matchmaker {
  private readonly queue: MatchQueue;
  private readonly timing: MatchmakingTiming;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly newId: () => string;
  /** SAIR_FILA replies waiting for a pairing in flight to resolve. */
  private readonly leaveWaiters = new Map<string, ((reason: 'matched' | 'cancelled') => void)[]>();
  private timer: NodeJS.Timeout | null = null;
  private watch: NodeJS.Timeout | null = null;
  private pumpQueued = false;
  private turn = 0;
  private stopped = false;

  constructor(private readonly deps: MatchmakerDeps) {
    this.timing = { ...DEFAULT_MATCHMAKING_TIMING, ...deps.timing };
    this.now = deps.now ?? (() => performance.now());
    this.random = deps.random ?? Math.random;
    this.newId = deps.newId ?? randomUUID;
    this.queue = new MatchQueue({
      selfId: deps.selfId,
      reservationTtlMs: this.timing.reservationTtlMs,
      commitHoldMs: this.timing.commitHoldMs,
      settledMemoryMs: this.timing.settledMemoryMs,
    });
  }

  // ---- players (MQTT commands, disconnects) --------------------------------------------------

  /** ENTRAR_FILA: idempotent; refused while the ledger has the player in an active match. */
  join(playerId: string, requestId: string): AguardandoOponente {
    const active = this.deps.matches.activeMatchOf(playerId);
    if (active) throw new CommandError('PLAYER_IN_MATCH', `already playing match ${active}`);
    const r = this.queue.enqueue({ id: playerId, name: this.deps.nameOf(playerId) }, this.now());
    // A SAIR_FILA still waiting on a pairing is superseded by this newer join.
    if (r === 'revived') this.resolveLeave(playerId, 'cancelled');
    if (r === 'queued') this.deps.log.info({ playerId, queued: this.queue.size }, 'player joined the queue');
    this.schedule();
    return { type: 'AGUARDANDO_OPONENTE', requestId };
  }

  /** SAIR_FILA: at once when the player is free; after the pairing in flight resolves otherwise. */
  async leave(playerId: string, requestId: string): Promise<FilaCancelada> {
    const r = this.queue.leave(playerId);
    this.flush();
    if (r === 'absent') throw new CommandError('NOT_QUEUED', 'not in the matchmaking queue');
    if (r === 'pending') {
      const reason = await new Promise<'matched' | 'cancelled'>((resolve) => {
        const list = this.leaveWaiters.get(playerId) ?? [];
        list.push(resolve);
        this.leaveWaiters.set(playerId, list);
      });
      if (reason === 'matched') throw new CommandError('PLAYER_IN_MATCH', 'a match was found before the queue could be left');
    }
    this.deps.log.info({ playerId }, 'player left the queue');
    return { type: 'FILA_CANCELADA', requestId };
  }

  /** The player's last connection to this node closed: it leaves this node's queue. */
  playerGone(playerId: string): void {
    if (this.queue.leave(playerId) !== 'absent') this.deps.log.info({ playerId }, 'queued player disconnected: leaving the queue');
    this.flush();
  }

  /** MATCH_CREATED applied on this node's replica: its players leave the queue here. */
  matchRecorded(matchId: string, players: readonly string[]): void {
    for (const p of players) {
      if (this.queue.has(p) && this.deps.matches.activeMatchOf(p) === matchId) this.queue.dropMatched(p, matchId, this.now());
    }
    this.flush();
  }

  // ---- peers (REST) --------------------------------------------------------------------------

  /** solicitar_oponente from `body.origin` (already checked against the caller's JWT). */
  solicitar(body: SolicitarOponenteBody): SolicitarOponenteResponse {
    if (this.stopped) return { partida_encontrada: false };
    this.queue.expire(this.now());
    this.sweep();
    // The ledger already has the requester's player busy: nothing to reserve for it.
    if (this.deps.matches.activeMatchOf(body.playerId)) return { partida_encontrada: false };
    const opponent: QueuedPlayer = { id: body.playerId, name: body.playerName };
    const a = this.queue.reserve(body.origin, body.requestId, opponent, this.newId(), this.now());
    this.flush();
    if (!a.found) return { partida_encontrada: false };
    this.deps.log.info({ salaId: a.salaId, playerId: a.opponent.id, for: body.playerId, origin: body.origin }, 'player reserved for a peer');
    this.arm();
    return { partida_encontrada: true, sala_id: a.salaId, oponente_id: a.opponent.id, oponente_nome: a.opponent.name, servidor_host: this.deps.selfId };
  }

  /** confirmar_partida from `origin` (the caller's JWT server_id). */
  confirmar(origin: string, body: ConfirmarPartidaBody): ConfirmarPartidaResponse {
    const status = this.queue.confirm(origin, body.requestId, body.sala_id, body.commit, this.now());
    // A commit is held until this replica shows the match; it usually already does.
    if (status === 'committed') this.sweep();
    if (status === 'released') this.schedule();
    this.flush();
    this.deps.log.info({ salaId: body.sala_id, origin, commit: body.commit, status }, 'reservation confirmed');
    return { status };
  }

  snapshot(): QueueSnapshot {
    const now = this.now();
    return {
      node: this.deps.selfId,
      entries: this.queue.list().map((e) => ({
        playerId: e.player.id,
        name: e.player.name,
        state: e.state.kind,
        waitedMs: Math.round(now - e.since),
        leaving: e.leaving,
      })),
      reservations: this.queue.reservationCount,
    };
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /**
   * Watches liveness so a peer coming alive gets the waiting players' searches at once
   * (membership has no events: a peer is alive while its heartbeats are recent).
   */
  start(): void {
    let alive = new Set(this.deps.alivePeers());
    this.watch = setInterval(() => {
      const now = new Set(this.deps.alivePeers());
      const fresh = [...now].some((p) => !alive.has(p));
      alive = now;
      if (fresh && this.queue.searchable().length > 0) this.schedule();
    }, this.timing.peerWatchMs);
    this.watch.unref?.();
  }

  /** Anything worth an immediate round. */
  kick(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.watch) clearInterval(this.watch);
    this.timer = null;
    this.watch = null;
  }

  // ---- the loop ------------------------------------------------------------------------------

  /** Runs one round soon (coalesces bursts such as 20 joins at once). */
  private schedule(): void {
    if (this.pumpQueued || this.stopped) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** The periodic retry, armed while the queue is not empty. */
  private arm(): void {
    if (this.stopped || this.timer || this.queue.size === 0) return;
    const { retryMinMs: lo, retryMaxMs: hi } = this.timing;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, lo + this.random() * (hi - lo));
    this.timer.unref?.();
  }

  private pump(): void {
    if (this.stopped) return;
    this.queue.expire(this.now());
    this.sweep();
    for (;;) {
      const salaId = this.newId();
      const pair = this.queue.pairLocal(salaId);
      if (!pair) break;
      void this.createLocal(pair, salaId);
    }
    if (this.deps.alivePeers().length > 0) {
      for (const p of this.queue.searchable()) {
        const searchId = this.newId();
        if (this.queue.startSearch(p.id, searchId)) void this.search(p, searchId);
      }
    }
    this.flush();
    this.arm();
  }

  /** Drops queued players the ledger shows in an active match (covers snapshot installs too). */
  private sweep(): void {
    for (const e of this.queue.list()) {
      const m = this.deps.matches.activeMatchOf(e.player.id);
      if (m) this.queue.dropMatched(e.player.id, m, this.now());
    }
  }

  /** Answers pending SAIR_FILA with what happened to the player. */
  private flush(): void {
    for (const d of this.queue.takeDepartures()) {
      this.resolveLeave(d.playerId, d.reason);
      if (d.reason === 'matched') this.deps.log.debug({ playerId: d.playerId }, 'matched player left the queue');
    }
  }

  private resolveLeave(playerId: string, reason: 'matched' | 'cancelled'): void {
    const list = this.leaveWaiters.get(playerId);
    if (!list) return;
    this.leaveWaiters.delete(playerId);
    for (const resolve of list) resolve(reason);
  }

  private async createLocal(pair: [QueuedPlayer, QueuedPlayer], salaId: string): Promise<void> {
    const shadow = this.deps.matches.pickShadow([]);
    this.deps.log.info({ salaId, players: pair.map((p) => p.id), shadow }, 'pairing two local players');
    const outcome = await this.create(salaId, pair, shadow);
    for (const p of pair) this.queue.matchingDone(p.id, salaId, outcome === 'ok' || this.inMatch(p.id) ? 'matched' : 'retry');
    this.flush();
    // After a refusal the periodic retry (with jitter) is the backoff: the ledger just said
    // someone is busy and this replica may not show it yet.
    if (outcome === 'ok') this.schedule();
    else this.arm();
  }

  /** Asks the alive peers, in rotating order, for an opponent of `p`; stops at the first offer. */
  private async search(p: QueuedPlayer, searchId: string): Promise<void> {
    for (const peer of rotation(this.deps.alivePeers(), this.turn++)) {
      if (!this.queue.isSearching(p.id, searchId) || this.stopped) return;
      const requestId = this.newId();
      let res: SolicitarOponenteResponse;
      try {
        res = await this.deps.transport.solicitar(peer, { requestId, playerId: p.id, playerName: p.name, origin: this.deps.selfId });
      } catch (err) {
        // No answer: that peer's reservation, if it made one, expires on its own.
        this.deps.log.debug({ peer, playerId: p.id, err: (err as Error).message }, 'solicitar_oponente failed');
        continue;
      }
      const offer = res.partida_encontrada && res.sala_id && res.oponente_id ? { salaId: res.sala_id, id: res.oponente_id, name: res.oponente_nome ?? res.oponente_id } : null;
      const d = this.queue.searchAnswered(p.id, searchId, offer?.salaId ?? null);
      this.flush();
      if (d === 'stale') return;
      if (d === 'continue') continue;
      if (d === 'release') {
        this.deps.log.info({ peer, salaId: offer!.salaId, playerId: p.id }, 'offer came after the player was taken: releasing it');
        await this.confirm(peer, requestId, offer!.salaId, false);
        return;
      }
      await this.createRemote(p, { id: offer!.id, name: offer!.name }, peer, offer!.salaId, requestId);
      return;
    }
    this.queue.searchExhausted(p.id, searchId);
    this.flush();
    this.arm();
  }

  /** This node's request found the opponent: it hosts, the answering peer shadows. */
  private async createRemote(local: QueuedPlayer, opponent: QueuedPlayer, peer: string, salaId: string, requestId: string): Promise<void> {
    this.deps.log.info({ salaId, players: [local.id, opponent.id], shadow: peer }, 'opponent found on a peer');
    const outcome = await this.create(salaId, [local, opponent], peer);
    this.queue.matchingDone(local.id, salaId, outcome === 'ok' || this.inMatch(local.id) ? 'matched' : 'retry');
    this.flush();
    await this.confirm(peer, requestId, salaId, outcome === 'ok');
    if (outcome === 'ok') this.schedule();
    else this.arm();
  }

  /** createMatch, retried with the same sala_id while its outcome is unknown. */
  private async create(salaId: string, players: [QueuedPlayer, QueuedPlayer], shadow: string | null): Promise<CreateOutcome> {
    let outcome: CreateOutcome = 'unknown';
    for (let attempt = 1; attempt <= this.timing.createAttempts && !this.stopped; attempt++) {
      try {
        const r = await this.withDeadline(this.deps.matches.createMatch(salaId, players, shadow), this.timing.createTimeoutMs);
        if (r === 'timeout') {
          // A call still running must not be doubled: its late result is the ledger's to keep.
          this.deps.log.warn({ salaId }, 'createMatch still running after the deadline: leaving it to the ledger');
          return 'unknown';
        }
        if (r.ok) {
          this.deps.log.info({ salaId, players: players.map((p) => p.id), shadow }, 'match created');
          return 'ok';
        }
        if (DEFINITE_REFUSALS.has(r.code)) {
          this.deps.log.info({ salaId, code: r.code, message: r.message }, 'match refused by the ledger');
          return 'refused';
        }
        this.deps.log.warn({ salaId, attempt, code: r.code, message: r.message }, 'createMatch outcome unknown: retrying');
      } catch (err) {
        this.deps.log.warn({ salaId, attempt, err: (err as Error).message }, 'createMatch failed: retrying');
      }
      outcome = 'unknown';
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
    return outcome;
  }

  private async confirm(peer: string, requestId: string, salaId: string, commit: boolean): Promise<void> {
    for (let attempt = 1; attempt <= this.timing.confirmAttempts; attempt++) {
      try {
        const r = await this.deps.transport.confirmar(peer, { requestId, sala_id: salaId, commit });
        this.deps.log.debug({ peer, salaId, commit, status: r.status }, 'confirmar_partida answered');
        return;
      } catch (err) {
        this.deps.log.debug({ peer, salaId, commit, attempt, err: (err as Error).message }, 'confirmar_partida failed');
        if (attempt < this.timing.confirmAttempts) await new Promise((r) => setTimeout(r, 150 * attempt));
      }
    }
    // Unconfirmed: the peer's reservation expires on its own; a committed match reaches it through the ledger.
    this.deps.log.warn({ peer, salaId, commit }, 'confirmar_partida undelivered: the reservation will expire');
  }

  private inMatch(playerId: string): boolean {
    return this.deps.matches.activeMatchOf(playerId) !== null;
  }

  private withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => resolve('timeout'), ms);
      p.then(
        (v) => {
          clearTimeout(t);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(t);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}
