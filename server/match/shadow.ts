// The shadow's side (DESIGN §8): it accepts only the next eventSeq of the current epoch with
// valid signatures, stores it, and publishes it to its own players. When the host falls
// silent it asks the ledger for MATCH_FAILOVER and, once committed, continues the match.
import { stateHash, type MatchEvent } from '../game/index.ts';
import type { GameNotifyBody, GameReplicateBody, GameStartBody } from '../../protocol/rest.ts';
import { MatchError, ownFailoverWon, peerAnswers, pickShadow, type MatchContext } from './context.ts';
import { MatchRuntime } from './runtime.ts';
import type { SignedEvent } from './signing.ts';
import { afterAppend, fence, startOn } from './host.ts';
import { recordFinish } from './finish.ts';

function verified(ctx: MatchContext, matchId: string, events: unknown[]): SignedEvent[] {
  for (const e of events as SignedEvent[]) {
    if (e.matchId !== matchId) throw new MatchError('BAD_REQUEST', `event ${e.eventSeq} belongs to match ${e.matchId}`, 400);
    if (!ctx.signer.verify(e)) throw new MatchError('BAD_SIGNATURE', `event ${e.eventSeq} has an invalid signature`, 400);
  }
  return events as SignedEvent[];
}

/** /game/start: become the shadow (or a refreshed shadow) of a match from its whole log. */
export async function onStart(ctx: MatchContext, from: string, body: GameStartBody): Promise<{ created: boolean }> {
  if (from !== body.host) throw new MatchError('FORBIDDEN', `only the host (${body.host}) may start match ${body.matchId} here`, 403);
  const events = verified(ctx, body.matchId, body.events);
  const existing = ctx.runtimes.get(body.matchId);
  if (existing && existing.epoch > body.epoch) throw new MatchError('STALE_EPOCH', `match ${body.matchId} is at epoch ${existing.epoch} here`);
  const work = async () => {
    // Read at run time: an earlier /game/start for this match may have just finished.
    const cur = ctx.runtimes.get(body.matchId);
    if (cur && cur.epoch > body.epoch) throw new MatchError('STALE_EPOCH', `match ${body.matchId} is at epoch ${cur.epoch} here`);
    const fresh = new MatchRuntime(body.matchId, 'shadow');
    const p = fresh.preview(events);
    if (!p.ok) throw new MatchError(p.code === 'BAD_SEQ' ? 'BAD_SEQUENCE' : 'BAD_EVENT', p.message, 400);
    if (p.state.epoch !== body.epoch || p.state.host !== body.host || p.state.shadow !== ctx.self) {
      throw new MatchError('BAD_REQUEST', 'the log does not name this node as the shadow of this epoch', 400);
    }
    // Already holding this log (a retried start): nothing to do. A different log of the same
    // epoch is replaced: the host's word is final in its epoch — e.g. this node rebuilt a
    // MATCH_START from the ledger while the host, slow but alive, was still starting it.
    const same = cur && cur.seq >= p.state.eventSeq && events.every((e, i) => cur.events[i]?.signature === e.signature);
    if (cur && same && cur.epoch === body.epoch && cur.role === 'shadow') return false;
    fresh.commit(events, p.state);
    fresh.announced = cur?.announced ?? false;
    await ctx.store.delete(body.matchId).catch(() => undefined);
    await ctx.store.append(body.matchId, events, true);
    ctx.runtimes.set(body.matchId, fresh);
    if (cur) cur.role = 'watcher';
    ctx.metrics.activeMatches.set({ role: 'shadow' }, countRole(ctx, 'shadow'));
    ctx.logs.shadow.info({ matchId: body.matchId, epoch: body.epoch, eventSeq: fresh.seq, host: body.host }, 'shadowing match');
    return true;
  };
  // Two rewrites of the same match's log (a retried /game/start, adopt) must not run at once.
  const created = await ctx.rewrites.run(body.matchId, () => {
    const cur = ctx.runtimes.get(body.matchId);
    return cur ? cur.serial(work) : work();
  });
  const rt = ctx.runtimes.get(body.matchId)!;
  // The reconcile loop may have built this runtime from the host's log just before
  // /game/start arrived: the players here must still be told, once.
  announce(ctx, rt);
  if (created && rt.finished) ctx.publisher.published(rt, rt.events.slice(-1));
  return { created };
}

/** Tells this node's players of a match about it (PARTIDA_ENCONTRADA + the current view). */
export function announce(ctx: MatchContext, rt: MatchRuntime): void {
  if (rt.announced) return;
  rt.announced = true;
  const [a, b] = rt.state.players;
  for (const [me, other] of [[a, b], [b, a]]) {
    if (!me || !ctx.broker.isConnected(me.id)) continue;
    ctx.broker.sendToPlayer(me.id, {
      type: 'PARTIDA_ENCONTRADA',
      matchId: rt.matchId,
      opponentId: other.id,
      opponentName: other.name,
      host: rt.state.host,
      shadow: rt.state.shadow ?? '',
    });
    ctx.publisher.resend(rt, me.id);
  }
}

/** /game/replicate: the next events of the current epoch, from the current host only. */
export async function onReplicate(ctx: MatchContext, from: string, body: GameReplicateBody): Promise<number> {
  const rt = ctx.runtimes.get(body.matchId);
  if (!rt || rt.role === 'watcher') throw new MatchError('NOT_FOUND', `node ${ctx.self} does not shadow match ${body.matchId}`, 404);
  ctx.membership.markSeen(from);
  return rt.serial(async () => {
    if (body.epoch < rt.epoch || rt.role === 'host') throw new MatchError('STALE_EPOCH', `match ${body.matchId} is at epoch ${rt.epoch} here (host ${rt.state.host})`);
    if (from !== rt.state.host) throw new MatchError('FORBIDDEN', `${from} is not the host of match ${body.matchId}`, 403);
    if (body.epoch > rt.epoch) throw new MatchError('BAD_SEQUENCE', `epoch ${body.epoch} is ahead of this shadow (${rt.epoch}): send the whole log`);
    const events = verified(ctx, body.matchId, body.events);
    if (body.fromSeq <= rt.seq) {
      // A retry of events already stored: identical ones are acknowledged again.
      const same = events.every((e) => rt.events[e.eventSeq - 1]?.signature === e.signature);
      if (same && body.fromSeq + events.length - 1 <= rt.seq) return rt.seq;
      throw new MatchError('BAD_SEQUENCE', `expected eventSeq ${rt.seq + 1}, got ${body.fromSeq}`);
    }
    if (body.fromSeq !== rt.seq + 1) throw new MatchError('BAD_SEQUENCE', `expected eventSeq ${rt.seq + 1}, got ${body.fromSeq}`);
    events.forEach((e, i) => {
      if (e.eventSeq !== body.fromSeq + i) throw new MatchError('BAD_SEQUENCE', 'events must have consecutive eventSeq');
      if (e.epoch !== rt.epoch && e.type !== 'FAILOVER') throw new MatchError('STALE_EPOCH', `event ${e.eventSeq} is signed for epoch ${e.epoch}`);
    });
    const p = rt.preview(events);
    if (!p.ok) throw new MatchError(p.code === 'BAD_SEQ' ? 'BAD_SEQUENCE' : p.code, p.message, 400);
    if (stateHash(p.state) !== body.stateHash) throw new MatchError('STATE_MISMATCH', 'state hash differs after applying the events');
    await ctx.store.append(body.matchId, events, true);
    rt.commit(events, p.state);
    for (const e of events) ctx.metrics.gameEvents.inc({ type: e.type });
    ctx.publisher.published(rt, events);
    return rt.seq;
  });
}

/** /game/notify: a watcher node relays a match it neither hosts nor shadows. */
export async function onNotify(ctx: MatchContext, body: GameNotifyBody): Promise<number> {
  const rt = ctx.runtimes.get(body.matchId);
  if (!rt || rt.role !== 'watcher') throw new MatchError('NOT_FOUND', `node ${ctx.self} does not watch match ${body.matchId}`, 404);
  return rt.serial(async () => {
    const events = verified(ctx, body.matchId, body.events).filter((e) => e.eventSeq > rt.seq);
    if (events.length === 0) return rt.seq;
    if (events[0].eventSeq !== rt.seq + 1) throw new MatchError('BAD_SEQUENCE', `expected eventSeq ${rt.seq + 1}`);
    const p = rt.preview(events);
    if (!p.ok) throw new MatchError(p.code, p.message, 400);
    rt.commit(events, p.state);
    ctx.publisher.published(rt, events);
    return rt.seq;
  });
}

/** Shadow → host when the host is gone (DESIGN §8 Failover). Runs inside rt.serial. */
export async function promote(ctx: MatchContext, rt: MatchRuntime): Promise<void> {
  if (rt.role !== 'shadow') return;
  const oldHost = rt.state.host;
  const t0 = performance.now();
  // Silence is only a suspicion (this node may have been the one not running): confirm.
  if (await peerAnswers(ctx, oldHost)) return;
  const next = pickShadow(ctx, [oldHost, ctx.self]);
  const ledger = ctx.ledger();
  if (!ledger) return;
  const r = await ledger.submit({ type: 'MATCH_FAILOVER', matchId: rt.matchId, expectedEpoch: rt.epoch, host: ctx.self, shadow: next }, 6000).catch(() => null);
  if (!r) return; // no majority reachable: a cut-off shadow cannot promote itself
  let shadow = next;
  if (!r.ok) {
    if (r.code === 'MATCH_FINISHED') return;
    const won = r.code === 'STALE_EPOCH' ? ownFailoverWon(ctx, rt.matchId, rt.epoch) : undefined;
    if (!won) {
      fence(ctx, rt, `ledger refused the failover: ${r.code}`);
      return;
    }
    shadow = won.shadow;
  }
  const event: MatchEvent = { type: 'FAILOVER', seq: rt.seq + 1, at: Date.now(), oldHost, newHost: ctx.self, shadow, epoch: rt.epoch + 1 };
  const signed = ctx.signer.signEvent(event, rt.matchId, event.epoch);
  const p = rt.preview([signed]);
  if (!p.ok) return;
  await ctx.store.append(rt.matchId, [signed], true);
  rt.commit([signed], p.state);
  rt.role = 'host';
  const now = performance.now();
  for (const id of rt.playerIds()) rt.presence.set(id, now);
  ctx.metrics.failovers.inc({ kind: 'host' });
  ctx.metrics.activeMatches.set({ role: 'host' }, countRole(ctx, 'host'));
  ctx.metrics.activeMatches.set({ role: 'shadow' }, countRole(ctx, 'shadow'));
  ctx.logs.failover.warn({ matchId: rt.matchId, oldHost, newShadow: shadow, epoch: rt.epoch, tookMs: Math.round(performance.now() - t0) }, 'host silent: this node now hosts the match');
  if (shadow) await startOn(ctx, rt, shadow).catch((err: Error) => ctx.logs.failover.warn({ matchId: rt.matchId, shadow, err: err.message }, 'new shadow not seeded yet'));
  afterAppend(ctx, rt, [signed]);
  if (rt.finished) void recordFinish(ctx, rt);
}

export function countRole(ctx: MatchContext, role: string): number {
  let n = 0;
  for (const rt of ctx.runtimes.values()) if (rt.role === role && !rt.finished) n++;
  return n;
}
