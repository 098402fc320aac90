// Matches on this node: creation (for matchmaking), routing of players' match commands to the
// host, the /game/* handlers, and the timers that keep every match moving: host silence →
// failover, shadow silence → new shadow, turn timer, disconnect forfeit, and a reconcile
// loop that makes this node's runtimes agree with the ledger (restarts, fencing, watchers).
import { randomUUID } from 'node:crypto';
import { getMatch, getPlayer, getPurchase, cardById, type LedgerCommand, type LedgerResult, type MatchView } from '../ledger/machine/index.ts';
import { stateHash, turnExpired, type MatchCommand } from '../game/index.ts';
import { PeerRefusedError, PeerUnreachableError } from '../http/peer-client.ts';
import type { GameEventBody, GamePresenceBody } from '../../protocol/rest.ts';
import type { Card } from '../../protocol/cards.ts';
import type { CreateMatchResult, MatchCreator, PlayerRef } from './contract.ts';
import { activeRecord, addressOf, MatchError, peerAnswers, pickShadow, type MatchContext } from './context.ts';
import { MatchRuntime } from './runtime.ts';
import { appendEvents, fence, hostExecute, replaceShadow, startOn } from './host.ts';
import { announce, countRole, promote } from './shadow.ts';
import { recordFinish, scheduleDrop } from './finish.ts';
import type { SignedEvent } from './signing.ts';
import { batcherFor } from './batch.ts';

export interface PurchaseOutcome {
  cards: Card[];
  remaining: number | null;
}

export class MatchService implements MatchCreator {
  private timers: NodeJS.Timeout[] = [];
  private busy = new Set<string>();

  constructor(readonly ctx: MatchContext) {}

  start(): void {
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(100, () => this.watchdog());
    every(1000, () => void this.reconcile());
    every(1000, () => void this.reportPresence());
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
  }

  // ---- MatchCreator -------------------------------------------------------------------------

  activeMatchOf(playerId: string): string | null {
    return activeRecord(this.ctx, playerId)?.matchId ?? null;
  }

  pickShadow(exclude: string[]): string | null {
    return pickShadow(this.ctx, exclude);
  }

  async createMatch(matchId: string, players: [PlayerRef, PlayerRef], shadow: string | null): Promise<CreateMatchResult> {
    const ctx = this.ctx;
    const r = await this.commit({ type: 'MATCH_CREATED', matchId, players: [players[0].id, players[1].id], host: ctx.self, shadow, seed: randomUUID() });
    if (!r.ok) return { ok: false, code: r.code, message: r.message };
    const match = (r as Extract<LedgerResult<'MATCH_CREATED'>, { ok: true }>).match;
    if (match.host !== ctx.self) return { ok: false, code: 'MATCH_CONFLICT', message: `match ${matchId} is hosted by ${match.host}` };
    let rt = ctx.runtimes.get(matchId);
    if (!rt) {
      rt = new MatchRuntime(matchId, 'host');
      ctx.runtimes.set(matchId, rt);
    }
    const runtime = rt;
    await runtime.serial(async () => {
      if (runtime.seq > 0) return;
      const now = performance.now();
      for (const p of players) runtime.presence.set(p.id, now);
      // MATCH_START goes to the shadow inside /game/start, so it is stored before anyone plays.
      const start = { type: 'MATCH_START' as const, seq: 1, at: Date.now(), matchId, players, seed: match.seed, host: ctx.self, shadow: match.shadow, epoch: 1 };
      const signed = ctx.signer.signEvent(start, matchId, 1);
      const p = runtime.preview([signed]);
      if (!p.ok) throw new MatchError(p.code, p.message);
      runtime.commit([signed], p.state);
      await ctx.store.append(matchId, [signed], true);
      if (match.shadow) {
        await startOn(ctx, runtime, match.shadow).catch(async (err: Error) => {
          ctx.logs.host.warn({ matchId, shadow: match.shadow, err: err.message }, 'shadow did not take the match: replacing it');
          await replaceShadow(ctx, runtime).catch(() => undefined);
        });
      }
    });
    ctx.metrics.activeMatches.set({ role: 'host' }, countRole(ctx, 'host'));
    ctx.logs.host.info({ matchId, players: players.map((p) => p.id), shadow: runtime.state.shadow }, 'match created');
    announce(ctx, runtime);
    return { ok: true, matchId };
  }

  // ---- player commands (from this node's players) ---------------------------------------------

  /** Whether a COMPRAR from this player should become its hand in its current match. */
  wantsPurchase(playerId: string): string | null {
    const m = activeRecord(this.ctx, playerId);
    if (!m || m.hands[m.players.indexOf(playerId)]) return null;
    const rt = this.ctx.runtimes.get(m.matchId);
    if (rt && (rt.state.phase !== 'AGUARDANDO_COMPRA' || rt.state.hands[playerId])) return null;
    return m.matchId;
  }

  /** Runs a player's match command wherever the match is hosted; returns what the host answered. */
  async playerCommand(playerId: string, type: GameEventBody['type'], data: Record<string, unknown>, requestId: string): Promise<{ matchId: string; eventSeq: number; result?: PurchaseOutcome }> {
    const deadline = performance.now() + 8000;
    const forwardId = `${playerId}:${requestId}`;
    let last: Error | null = null; // (an Error costs a stack trace: only built when needed)
    while (performance.now() < deadline) {
      const m = this.currentMatch(playerId);
      if (!m) throw last instanceof MatchError && last.code !== 'NOT_IN_MATCH' ? last : new MatchError('NOT_IN_MATCH', 'you are not in a match');
      const rt = this.ctx.runtimes.get(m.matchId);
      try {
        // The match it ran in goes back with the answer: a player's client may still be
        // looking at an older match (a stale view from a node that was catching up).
        const r = rt && rt.role === 'host' ? await this.hostCommand(rt, playerId, type, data, forwardId, this.ctx.self) : await this.forward(m, playerId, type, data, forwardId);
        return { matchId: m.matchId, eventSeq: r.eventSeq, ...(r.result ? { result: r.result } : {}) };
      } catch (err) {
        last = err as Error;
        const retry = err instanceof MatchError ? ['NOT_HOST', 'STALE_EPOCH', 'UNAVAILABLE'].includes(err.code) : err instanceof PeerUnreachableError;
        if (!retry) throw err;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw last instanceof MatchError ? last : new MatchError('UNAVAILABLE', `the match's host cannot be reached: ${last?.message ?? 'timed out'}`, 503);
  }

  /** The player's match as best known here: the ledger, or a newer epoch held in a runtime. */
  private currentMatch(playerId: string): { matchId: string; host: string; epoch: number } | null {
    const m = activeRecord(this.ctx, playerId);
    if (!m) return null;
    const rt = this.ctx.runtimes.get(m.matchId);
    if (rt && rt.epoch > m.epoch) return { matchId: m.matchId, host: rt.state.host, epoch: rt.epoch };
    return { matchId: m.matchId, host: m.host, epoch: m.epoch };
  }

  private async forward(m: { matchId: string; host: string; epoch: number }, playerId: string, type: GameEventBody['type'], data: Record<string, unknown>, requestId: string) {
    const body = this.ctx.signer.sign({ matchId: m.matchId, epoch: m.epoch, playerId, type, data, requestId });
    try {
      return await batcherFor(this.ctx.client).post<{ status: string; eventSeq: number; result?: PurchaseOutcome }>(addressOf(this.ctx, m.host), '/game/event', body, 5000);
    } catch (err) {
      if (err instanceof PeerRefusedError) throw new MatchError(err.code, err.message.replace(/^.*?: \d+ [A-Z_]+: /, ''), err.status);
      throw err;
    }
  }

  /** /game/event on the host: a forwarded (signed) player command. */
  async onEvent(from: string, body: GameEventBody): Promise<{ status: 'processed'; eventSeq: number; result?: PurchaseOutcome }> {
    if (!this.ctx.signer.verify(body)) throw new MatchError('BAD_SIGNATURE', 'forwarded command has an invalid signature', 400);
    const rt = this.ctx.runtimes.get(body.matchId);
    if (!rt || rt.role !== 'host') throw new MatchError('NOT_HOST', `node ${this.ctx.self} does not host match ${body.matchId}`);
    if (body.epoch !== rt.epoch) throw new MatchError('STALE_EPOCH', `match ${body.matchId} is at epoch ${rt.epoch} (host ${rt.state.host}), not ${body.epoch}`);
    if (!rt.playerIds().includes(body.playerId)) throw new MatchError('NOT_IN_MATCH', `player ${body.playerId} does not play match ${body.matchId}`);
    const r = await this.hostCommand(rt, body.playerId, body.type, body.data, body.requestId, from);
    return { status: 'processed', ...r };
  }

  private async hostCommand(rt: MatchRuntime, playerId: string, type: GameEventBody['type'], data: Record<string, unknown>, requestId: string | undefined, from: string): Promise<{ eventSeq: number; result?: PurchaseOutcome }> {
    rt.presence.set(playerId, performance.now());
    if (type === 'ATTACH') {
      if (from !== this.ctx.self && from !== rt.state.shadow) rt.watchers.add(from);
      return { eventSeq: rt.seq };
    }
    if (requestId && rt.done.has(requestId)) return rt.done.get(requestId) as { eventSeq: number; result?: PurchaseOutcome };
    let out: { eventSeq: number; result?: PurchaseOutcome };
    switch (type) {
      case 'JOGAR':
        out = { eventSeq: await hostExecute(this.ctx, rt, playerId, { type: 'PLAY', cardId: String(data.cardId ?? '') }, requestId) };
        break;
      case 'CHAT':
        out = { eventSeq: await hostExecute(this.ctx, rt, playerId, { type: 'CHAT', text: String(data.text ?? '') }, requestId) };
        break;
      case 'FORFEIT':
        out = { eventSeq: await hostExecute(this.ctx, rt, playerId, { type: 'FORFEIT', reason: String(data.reason ?? 'DESISTENCIA') }, requestId) };
        break;
      case 'COMPRAR':
      case 'PRONTO':
        out = await this.setHand(rt, playerId, type, data, requestId ?? randomUUID());
        break;
    }
    if (requestId) {
      rt.done.set(requestId, out);
      if (rt.done.size > 64) rt.done.delete(rt.done.keys().next().value!);
    }
    return out;
  }

  /** The purchase phase: the ledger locks the hand (BUY_PACK with matchId, or MATCH_HAND), then HAND_SET. */
  private async setHand(rt: MatchRuntime, playerId: string, type: 'COMPRAR' | 'PRONTO', data: Record<string, unknown>, requestId: string): Promise<{ eventSeq: number; result: PurchaseOutcome }> {
    // A retry of a purchase that already became the hand (its answer was lost, maybe with
    // the old host) gets the same pack back instead of a refusal.
    const replica = this.ctx.replica();
    const prior = type === 'COMPRAR' && replica ? getPurchase(replica.state, requestId) : null;
    // The same once the match is over: the pack was sold to the player and stays theirs.
    if (prior && prior.matchId === rt.matchId && (rt.state.handSource[playerId] || rt.finished)) {
      return { eventSeq: handSetOf(rt, playerId)?.eventSeq ?? rt.seq, result: { cards: prior.cards, remaining: prior.remaining } };
    }
    if (rt.state.phase !== 'AGUARDANDO_COMPRA') throw new MatchError('WRONG_PHASE', 'hands are chosen only while the match awaits them');
    const existing = rt.state.hands[playerId];
    if (existing) throw new MatchError('HAND_ALREADY_SET', 'your hand for this match is already set');
    let cards: Card[];
    let remaining: number | null = null;
    if (type === 'COMPRAR') {
      const r = await this.commit({ type: 'BUY_PACK', requestId, playerId, matchId: rt.matchId });
      if (!r.ok) throw new MatchError(r.code, r.message);
      const ok = r as Extract<LedgerResult<'BUY_PACK'>, { ok: true }>;
      cards = ok.cards;
      remaining = ok.remaining;
      this.ctx.metrics.purchases.inc({ outcome: 'ok' });
    } else {
      const ids = Array.isArray(data.cardIds) ? data.cardIds.map(String) : [];
      const r = await this.commit({ type: 'MATCH_HAND', matchId: rt.matchId, playerId, cardIds: ids, epoch: rt.epoch });
      if (!r.ok) throw new MatchError(r.code, r.message);
      cards = (r as Extract<LedgerResult<'MATCH_HAND'>, { ok: true }>).cards;
    }
    try {
      const eventSeq = await hostExecute(this.ctx, rt, playerId, { type: 'SET_HAND', cards, source: type === 'COMPRAR' ? 'PACK' : 'PRONTO' }, requestId);
      return { eventSeq, result: { cards, remaining } };
    } catch (err) {
      // The match ended (the hand timer, a forfeit) while the ledger sold the pack: the
      // purchase stands and the cards are the player's, so the answer must say so — an
      // error here would tell the player a sale that happened did not (chaos seed 42).
      if (type === 'COMPRAR' && err instanceof MatchError && rt.finished) return { eventSeq: rt.seq, result: { cards, remaining } };
      // The reconcile loop set this very hand from the ledger's lock while our HAND_SET was
      // still being replicated (syncHands): it is the player's hand all the same.
      const set = err instanceof MatchError && err.code === 'HAND_ALREADY_SET' ? handSetOf(rt, playerId) : undefined;
      if (set && sameCards(set.cards, cards)) return { eventSeq: set.eventSeq, result: { cards, remaining } };
      throw err;
    }
  }

  private async commit(cmd: LedgerCommand): Promise<LedgerResult> {
    const ledger = this.ctx.ledger();
    if (!ledger) throw new MatchError('UNAVAILABLE', 'the ledger is not running yet', 503);
    try {
      return await ledger.submit(cmd);
    } catch (err) {
      throw new MatchError('UNAVAILABLE', (err as Error).message, 503);
    }
  }

  // ---- presence -----------------------------------------------------------------------------

  /** /game/presence: players of matches hosted here that are connected to `from`. */
  onPresence(body: GamePresenceBody): void {
    const now = performance.now();
    // Per reported player, its match (not every runtime × every player: 1,000s × 1,000s).
    for (const p of body.players) {
      const id = activeRecord(this.ctx, p)?.matchId;
      const rt = id ? this.ctx.runtimes.get(id) : undefined;
      if (rt && rt.role === 'host' && rt.presence.has(p)) rt.presence.set(p, now);
    }
  }

  private async reportPresence(): Promise<void> {
    const byHost = new Map<string, string[]>();
    for (const playerId of this.ctx.broker.connectedPlayers()) {
      const m = this.currentMatch(playerId);
      if (!m || m.host === this.ctx.self) continue;
      const list = byHost.get(m.host) ?? [];
      list.push(playerId);
      byHost.set(m.host, list);
    }
    await Promise.allSettled(
      [...byHost].map(([host, players]) => this.ctx.client.post(addressOf(this.ctx, host), '/game/presence', { players }, { timeoutMs: 1000 })),
    );
  }

  // ---- timers ---------------------------------------------------------------------------------

  private watchdog(): void {
    const ctx = this.ctx;
    const now = performance.now();
    for (const rt of ctx.runtimes.values()) {
      if (rt.finished || this.busy.has(rt.matchId)) continue;
      if (rt.role === 'shadow' && ctx.membership.silenceMs(rt.state.host) > ctx.timing.failoverMs) {
        this.guard(rt, () => rt.serial(() => promote(ctx, rt)));
      } else if (rt.role === 'host' && rt.state.host === ctx.self) {
        const shadow = rt.state.shadow;
        if (shadow && ctx.membership.silenceMs(shadow) > ctx.timing.failoverMs) {
          // Confirm before acting: a shadow that still answers is kept.
          this.guard(rt, () =>
            rt.serial(async () => {
              if (rt.state.shadow === shadow && !(await peerAnswers(ctx, shadow))) await replaceShadow(ctx, rt);
            }),
          );
          continue;
        }
        // Choosing hands is timed too (two turns' worth), so a match nobody arms still ends.
        if (rt.state.phase === 'AGUARDANDO_COMPRA' && rt.state.lastEventAt !== null && Date.now() - rt.state.lastEventAt > 2 * ctx.timing.turnMs) {
          const missing = rt.playerIds().filter((p) => !rt.state.hands[p]);
          if (missing.length === 1) this.guard(rt, () => hostExecute(ctx, rt, missing[0], { type: 'FORFEIT', reason: 'SEM_MAO' }));
          else if (missing.length === 2) this.guard(rt, () => rt.serial(() => appendEvents(ctx, rt, [{ type: 'ABORT', seq: rt.seq + 1, at: Date.now(), reason: 'SEM_MAOS' }])));
          continue;
        }
        if (turnExpired(rt.state, Date.now(), ctx.timing.turnMs) && rt.state.turn) {
          const turn = rt.state.turn;
          this.guard(rt, () => hostExecute(ctx, rt, turn, { type: 'PLAY_LOWEST' } as MatchCommand));
          continue;
        }
        for (const p of rt.playerIds()) {
          if (ctx.broker.isConnected(p)) rt.presence.set(p, now);
          const seen = rt.presence.get(p) ?? now;
          if (now - seen > ctx.timing.disconnectForfeitMs) {
            this.guard(rt, () => hostExecute(ctx, rt, p, { type: 'FORFEIT', reason: 'DESCONECTADO' }));
            break;
          }
        }
      }
    }
  }

  private guard(rt: MatchRuntime, job: () => Promise<unknown>): void {
    this.busy.add(rt.matchId);
    job()
      .catch((err: Error) => this.ctx.logs.host.debug({ matchId: rt.matchId, err: err.message }, 'timer action failed'))
      .finally(() => this.busy.delete(rt.matchId));
  }

  /** Makes this node's runtimes agree with the ledger: resume after a restart, adopt, fence, watch. */
  private async reconcile(): Promise<void> {
    const ctx = this.ctx;
    const replica = ctx.replica();
    if (!replica) return;
    for (const m of replica.state.matches.values()) {
      if (m.status !== 'active') continue;
      // The raw record decides; a MatchView (hands as Card objects) only for the rare steps.
      const view = () => getMatch(replica.state, m.matchId)!;
      const rt = ctx.runtimes.get(m.matchId);
      const mine = m.host === ctx.self || m.shadow === ctx.self;
      if (rt && rt.role !== 'watcher' && m.epoch > rt.epoch && !mine) fence(ctx, rt, `ledger epoch ${m.epoch} names ${m.host}/${m.shadow}`);
      else if (!rt && mine) await this.guarded(m.matchId, () => this.adopt(view()));
      else if (!rt && m.players.some((p) => ctx.broker.isConnected(p))) await this.guarded(m.matchId, () => this.watch(view()));
      else if (rt && rt.role === 'watcher' && m.players.some((p) => ctx.broker.isConnected(p))) await this.guarded(m.matchId, () => this.catchUp(rt, view()));
      else if (rt && rt.role === 'host' && rt.finished && !rt.finishRecorded) void recordFinish(ctx, rt);
      else if (rt && rt.role === 'host' && rt.state.host === ctx.self && rt.state.phase === 'AGUARDANDO_COMPRA' && m.hands.some((h, i) => h && !rt.state.hands[m.players[i]])) {
        await this.guarded(m.matchId, () => this.syncHands(rt, view()));
      }
    }
  }

  private async guarded(matchId: string, job: () => Promise<void>): Promise<void> {
    if (this.busy.has(matchId)) return;
    this.busy.add(matchId);
    try {
      await job();
    } catch (err) {
      this.ctx.logs.host.debug({ matchId, err: (err as Error).message }, 'reconcile step failed');
    } finally {
      this.busy.delete(matchId);
    }
  }

  /** After a restart (or a missed /game/start): rebuild the runtime from the longest valid log. */
  private async adopt(view: MatchView): Promise<void> {
    const ctx = this.ctx;
    const candidates: SignedEvent[][] = [await ctx.store.read(view.matchId).catch(() => [])];
    const other = view.host === ctx.self ? view.shadow : view.host;
    if (other && ctx.membership.silenceMs(other) < ctx.timing.failoverMs) {
      const remote = await ctx.client
        .get<{ events: SignedEvent[] }>(addressOf(ctx, other), `/game/${view.matchId}/log`, { timeoutMs: 3000 })
        .then((r) => r.events.filter((e) => ctx.signer.verify(e)))
        .catch(() => [] as SignedEvent[]);
      candidates.push(remote);
    }
    candidates.sort((a, b) => b.length - a.length);
    const role = view.host === ctx.self ? 'host' : 'shadow';
    if (candidates.every((c) => c.length === 0)) {
      // Nobody holds a log: the host died between MATCH_CREATED and MATCH_START, so no
      // move can have been acknowledged. Start it again from the ledger's record (a shadow
      // only when the host is silent; the watchdog then promotes it).
      if (role === 'shadow' && other && ctx.membership.silenceMs(other) < ctx.timing.failoverMs) return;
      candidates.push([this.startFromLedger(view)]);
    }
    for (const events of candidates) {
      if (events.length === 0) continue;
      const rt = new MatchRuntime(view.matchId, role);
      const p = rt.preview(events);
      if (!p.ok) continue;
      // A log ahead of this node's ledger, or naming someone else for the ledger's epoch,
      // means the replica is stale: wait for it rather than act on an old view.
      if (p.state.epoch > view.epoch) return;
      const named = role === 'host' ? p.state.host : p.state.shadow;
      if (p.state.epoch === view.epoch && named !== ctx.self) continue;
      rt.commit(events, p.state);
      // Under the match's rewrite lock (a /game/start may be rewriting this log right now),
      // and through the runtime's queue, so a move arriving now waits for this rewrite.
      const adopted = await ctx.rewrites.run(view.matchId, async () => {
        if (ctx.runtimes.has(view.matchId)) return false;
        ctx.runtimes.set(view.matchId, rt);
        await rt.serial(() => this.rewriteAdopted(rt, view, role, events));
        return true;
      });
      if (adopted) announce(ctx, rt);
      return;
    }
  }

  /** Replaces the log on disk with the adopted one; a host then logs its failover or seeds its shadow. */
  private async rewriteAdopted(rt: MatchRuntime, view: MatchView, role: 'host' | 'shadow', events: SignedEvent[]): Promise<void> {
    const ctx = this.ctx;
    await ctx.store.delete(view.matchId).catch(() => undefined);
    await ctx.store.append(view.matchId, events, true);
    const now = performance.now();
    for (const id of rt.playerIds()) rt.presence.set(id, now);
    ctx.logs.host.info({ matchId: view.matchId, role, eventSeq: rt.seq, epoch: rt.epoch, ledgerEpoch: view.epoch }, 'resumed match from its log');
    if (role === 'host' && rt.epoch < view.epoch) {
      // This node won the failover but had not yet logged it: log it now.
      await appendEvents(ctx, rt, [{ type: 'FAILOVER', seq: rt.seq + 1, at: Date.now(), oldHost: rt.state.host, newHost: ctx.self, shadow: view.shadow, epoch: view.epoch }]);
    } else if (role === 'host' && view.shadow) {
      await startOn(ctx, rt, view.shadow).catch(() => undefined);
    }
  }

  /** MATCH_START rebuilt from the ledger's record, naming the ledger's current host, shadow and epoch. */
  private startFromLedger(view: MatchView): SignedEvent {
    const replica = this.ctx.replica()!;
    const players = view.players.map((id) => ({ id, name: getPlayer(replica.state, id)?.name ?? id })) as [PlayerRef, PlayerRef];
    const start = { type: 'MATCH_START' as const, seq: 1, at: Date.now(), matchId: view.matchId, players, seed: view.seed, host: view.host, shadow: view.shadow, epoch: view.epoch };
    this.ctx.logs.host.warn({ matchId: view.matchId, epoch: view.epoch }, 'no log of this match anywhere: starting it again from the ledger');
    return this.ctx.signer.signEvent(start, view.matchId, view.epoch);
  }

  /**
   * A hand the ledger locked (BUY_PACK with matchId, MATCH_HAND) but that never reached the
   * log — its host died in between — is set from the ledger, so the match can go on.
   */
  private async syncHands(rt: MatchRuntime, view: MatchView): Promise<void> {
    const replica = this.ctx.replica();
    if (!replica || rt.state.phase !== 'AGUARDANDO_COMPRA') return;
    for (const playerId of rt.playerIds()) {
      const ids = view.hands[playerId];
      if (!ids || rt.state.hands[playerId]) continue;
      const cards = ids.map((id) => cardById(replica.state, id)).filter((c): c is Card => c !== null);
      if (cards.length !== ids.length) continue;
      await hostExecute(this.ctx, rt, playerId, { type: 'SET_HAND', cards, source: 'PACK' }).catch(() => undefined);
    }
  }

  /** A watcher polls the host's log once a second too, so a lost /game/notify costs a second, not the match. */
  private async catchUp(rt: MatchRuntime, view: MatchView): Promise<void> {
    const ctx = this.ctx;
    const r = await ctx.client.get<{ events: SignedEvent[] }>(addressOf(ctx, view.host), `/game/${view.matchId}/log`, { timeoutMs: 3000 });
    await rt.serial(async () => {
      const fresh = r.events.slice(rt.seq).filter((e) => ctx.signer.verify(e));
      if (fresh.length === 0) return;
      const p = rt.preview(fresh);
      if (!p.ok) return;
      rt.commit(fresh, p.state);
      ctx.publisher.published(rt, fresh);
    });
    const attach = ctx.signer.sign({ matchId: view.matchId, epoch: rt.epoch, playerId: view.players[0], type: 'ATTACH' as const, data: {} });
    await ctx.client.post(addressOf(ctx, view.host), '/game/event', attach, { timeoutMs: 3000 }).catch(() => undefined);
  }

  /** A third node with one of the match's players: follow the host's log and relay it. */
  private async watch(view: MatchView): Promise<void> {
    const ctx = this.ctx;
    const r = await ctx.client.get<{ events: SignedEvent[] }>(addressOf(ctx, view.host), `/game/${view.matchId}/log`, { timeoutMs: 3000 });
    const rt = new MatchRuntime(view.matchId, 'watcher');
    const events = r.events.filter((e) => ctx.signer.verify(e));
    const p = rt.preview(events);
    if (!p.ok || ctx.runtimes.has(view.matchId)) return;
    rt.commit(events, p.state);
    ctx.runtimes.set(view.matchId, rt);
    const attach = ctx.signer.sign({ matchId: view.matchId, epoch: rt.epoch, playerId: view.players[0], type: 'ATTACH' as const, data: {} });
    await ctx.client.post(addressOf(ctx, view.host), '/game/event', attach, { timeoutMs: 3000 }).catch(() => undefined);
    for (const id of rt.playerIds()) ctx.publisher.resend(rt, id);
  }

  // ---- players (re)connecting -------------------------------------------------------------------

  /** BEM_VINDO's activeMatchId, after which MAO and the latest ATUALIZACAO_JOGO follow. */
  greet(playerId: string): string | undefined {
    const matchId = this.activeMatchOf(playerId);
    if (!matchId) return undefined;
    const rt = this.ctx.runtimes.get(matchId);
    if (rt) setImmediate(() => this.ctx.publisher.resend(rt, playerId));
    else void this.reconcile();
    return matchId;
  }

  /** A player subscribed to its match's topic: send it the current state. */
  onMatchSubscribed(playerId: string, matchId: string): void {
    const rt = this.ctx.runtimes.get(matchId);
    if (rt) this.ctx.publisher.resend(rt, playerId);
  }

  isInMatch(playerId: string, matchId: string): boolean {
    const rt = this.ctx.runtimes.get(matchId);
    if (rt && rt.playerIds().includes(playerId)) return true;
    return !!this.ctx.replica()?.state.matches.get(matchId)?.players.includes(playerId);
  }

  /** GET /game/:matchId/log. */
  async log(matchId: string): Promise<{ matchId: string; role: string; epoch: number; host: string; shadow: string | null; eventSeq: number; stateHash: string; events: SignedEvent[] }> {
    const rt = this.ctx.runtimes.get(matchId);
    if (rt) return { matchId, role: rt.role, epoch: rt.epoch, host: rt.state.host, shadow: rt.state.shadow, eventSeq: rt.seq, stateHash: stateHash(rt.state), events: rt.events };
    // A finished match leaves memory 30 s after its end, but its log stays on disk: serve that.
    const missing = new MatchError('NOT_FOUND', `node ${this.ctx.self} holds no match ${matchId}`, 404);
    const events = await this.ctx.store.read(matchId).catch(() => [] as SignedEvent[]);
    if (events.length === 0) throw missing;
    const p = new MatchRuntime(matchId, 'watcher').preview(events);
    if (!p.ok) throw new MatchError('CORRUPT_LOG', `the stored log of match ${matchId} does not replay: ${p.message}`, 500);
    return { matchId, role: 'stored', epoch: p.state.epoch, host: p.state.host, shadow: p.state.shadow, eventSeq: p.state.eventSeq, stateHash: stateHash(p.state), events };
  }

  /** Ledger hook: a committed MATCH_FAILOVER naming someone else fences a host here. */
  onLedgerApplied(cmd: LedgerCommand, result: LedgerResult): void {
    if (!result.ok) return;
    if (cmd.type !== 'MATCH_FAILOVER' && cmd.type !== 'MATCH_FINISHED') return;
    const rt = this.ctx.runtimes.get(cmd.matchId);
    if (!rt) return;
    if (cmd.type === 'MATCH_FAILOVER' && rt.role === 'host' && cmd.host !== this.ctx.self && cmd.expectedEpoch >= rt.epoch) {
      fence(this.ctx, rt, `MATCH_FAILOVER made ${cmd.host} the host`);
    }
    if (cmd.type === 'MATCH_FINISHED') scheduleDrop(this.ctx, rt);
  }
}

/** The HAND_SET event of a player in a match's log, if any. */
function handSetOf(rt: MatchRuntime, playerId: string): (SignedEvent & { cards: Card[] }) | undefined {
  return rt.events.find((e) => e.type === 'HAND_SET' && e.playerId === playerId) as (SignedEvent & { cards: Card[] }) | undefined;
}

function sameCards(a: readonly Card[], b: readonly Card[]): boolean {
  const ids = (x: readonly Card[]) => x.map((c) => c.id).sort().join(',');
  return ids(a) === ids(b);
}
