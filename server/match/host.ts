// The host's side of a match (DESIGN §8): it alone decides. It validates a command into the
// next event, signs it, has the shadow store it (/game/replicate), stores it itself, and only
// then publishes it and acknowledges the player. A shadow that stops answering is replaced
// through the ledger (MATCH_FAILOVER, epoch + 1) and seeded with the whole log.
import { stateHash, validateCommand, type MatchCommand, type MatchEvent } from '../game/index.ts';
import { PeerRefusedError, PeerUnreachableError } from '../http/peer-client.ts';
import { addressOf, MatchError, ownFailoverWon, peerAnswers, pickShadow, RETRY, type MatchContext } from './context.ts';
import type { MatchRuntime } from './runtime.ts';
import type { SignedEvent } from './signing.ts';
import { recordFinish } from './finish.ts';
import { batcherFor } from './batch.ts';

/** Runs a game command on a match this node hosts; resolves with the new eventSeq once it is safe. */
export async function hostExecute(ctx: MatchContext, rt: MatchRuntime, playerId: string, command: MatchCommand, requestId?: string): Promise<number> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const r = await rt.serial(() => appendCommand(ctx, rt, playerId, command, requestId));
    if (r !== RETRY) return r;
  }
  throw new MatchError('UNAVAILABLE', 'the match could not be replicated; try again', 503);
}

async function appendCommand(ctx: MatchContext, rt: MatchRuntime, playerId: string, command: MatchCommand, requestId?: string): Promise<number | typeof RETRY> {
  if (rt.role !== 'host') throw new MatchError('NOT_HOST', `node ${ctx.self} does not host match ${rt.matchId}`);
  // Already done (the answer was lost, maybe with a host): answer it, never do it twice.
  const prior = requestId ? rt.events.find((e) => e.requestId === requestId) : undefined;
  if (prior) return prior.eventSeq;
  const v = validateCommand(rt.state, playerId, command, Date.now());
  if (!v.ok) throw new MatchError(v.code, v.message);
  return appendEvents(ctx, rt, [v.event], requestId);
}

/** Signs, replicates, stores and publishes events as the host. Call inside rt.serial. */
export async function appendEvents(ctx: MatchContext, rt: MatchRuntime, events: MatchEvent[], requestId?: string): Promise<number | typeof RETRY> {
  const signed: SignedEvent[] = [];
  let epoch = rt.epoch;
  for (const e of events) {
    if (e.type === 'FAILOVER') epoch = e.epoch;
    signed.push(ctx.signer.signEvent(e, rt.matchId, epoch, requestId));
  }
  const next = rt.preview(signed);
  if (!next.ok) throw new MatchError(next.code, next.message);
  // The host's own copy is written while the shadow stores its copy (both must be durable
  // before anyone sees the move); if replication fails the host's copy is taken back.
  const own = ctx.store.appendUndoable(rt.matchId, signed);
  let replicated: Replicated;
  try {
    replicated = await replicate(ctx, rt, signed, stateHash(next.state));
  } catch (err) {
    await own.undo().catch(() => undefined);
    throw err;
  }
  if (replicated !== 'ok') {
    await own.undo();
    const shadow = rt.state.shadow!;
    if (replicated === 'reseed') await startOn(ctx, rt, shadow).catch(() => replaceShadow(ctx, rt));
    else await replaceShadow(ctx, rt);
    return RETRY;
  }
  await own.durable;
  rt.commit(signed, next.state);
  afterAppend(ctx, rt, signed);
  return rt.seq;
}

/** Publishes, relays to watchers, counts, and records the result when the match ended. */
export function afterAppend(ctx: MatchContext, rt: MatchRuntime, signed: SignedEvent[]): void {
  for (const e of signed) ctx.metrics.gameEvents.inc({ type: e.type });
  ctx.publisher.published(rt, signed);
  for (const w of rt.watchers) {
    const address = ctx.membership.get(w)?.address;
    if (!address) continue;
    const body = { matchId: rt.matchId, epoch: rt.epoch, fromSeq: signed[0].eventSeq, events: signed };
    // A lost push is caught up by the watcher's own polling; only a silent node is dropped.
    ctx.client.post(address, '/game/notify', body, { timeoutMs: 2000 }).catch(() => {
      if (ctx.membership.silenceMs(w) > ctx.timing.failoverMs) rt.watchers.delete(w);
    });
  }
  if (rt.finished) void recordFinish(ctx, rt);
}

/** Times a slow (not dead) shadow is sent the same events again before it is replaced. */
const SLOW_SHADOW_RETRIES = 2;

type Replicated = 'ok' | 'reseed' | 'replace';

/** Has the shadow store `signed`; says what to do when it could not (nothing is changed here). */
async function replicate(ctx: MatchContext, rt: MatchRuntime, signed: SignedEvent[], hash: string): Promise<Replicated> {
  const shadow = rt.state.shadow;
  if (!shadow) return 'ok'; // no live peer to mirror on: the match goes on unreplicated
  const body = { matchId: rt.matchId, epoch: rt.epoch, fromSeq: signed[0].eventSeq, events: signed, stateHash: hash };
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    try {
      await batcherFor(ctx.client).post(addressOf(ctx, shadow), '/game/replicate', body, ctx.timing.failoverMs);
      ctx.metrics.replicationLatency.observe(performance.now() - t0);
      return 'ok';
    } catch (err) {
      if (err instanceof PeerRefusedError && err.code === 'STALE_EPOCH') {
        fence(ctx, rt, `shadow ${shadow} reports a newer epoch`);
        throw new MatchError('STALE_EPOCH', `node ${ctx.self} no longer hosts match ${rt.matchId}`);
      }
      if (err instanceof PeerRefusedError && (err.code === 'BAD_SEQUENCE' || err.code === 'NOT_FOUND' || err.code === 'STATE_MISMATCH')) {
        // The shadow lost or never got part of the log: seed it again with the whole log.
        ctx.logs.replicate.warn({ matchId: rt.matchId, shadow, code: err.code }, 'shadow out of step: re-seeding it');
        return 'reseed';
      }
      // No answer in time. A shadow that still answers is slow, not dead: the very same
      // events again (an identical retry is acknowledged, never applied twice).
      const refused = err instanceof PeerUnreachableError && /ECONNREFUSED/.test(err.message);
      if (!refused && attempt < SLOW_SHADOW_RETRIES && (await peerAnswers(ctx, shadow))) {
        ctx.logs.replicate.info({ matchId: rt.matchId, shadow, attempt, err: (err as Error).message }, 'shadow slow but alive: replicating again');
        continue;
      }
      ctx.logs.replicate.warn({ matchId: rt.matchId, shadow, err: (err as Error).message }, 'replication failed: replacing the shadow');
      return 'replace';
    }
  }
}

/** Sends the whole log to a node so it can shadow the match (/game/start). */
export async function startOn(ctx: MatchContext, rt: MatchRuntime, node: string): Promise<void> {
  const body = {
    matchId: rt.matchId,
    epoch: rt.epoch,
    host: ctx.self,
    shadow: node,
    players: rt.state.players.map((p) => ({ id: p.id, name: p.name })),
    events: rt.events,
  };
  await batcherFor(ctx.client).post(addressOf(ctx, node), '/game/start', body, 3000);
}

/** Host side of a shadow's death: a new shadow through the ledger, seeded with the log. Call inside rt.serial. */
export async function replaceShadow(ctx: MatchContext, rt: MatchRuntime): Promise<void> {
  const old = rt.state.shadow;
  const next = pickShadow(ctx, [old, ctx.self]);
  const ledger = ctx.ledger();
  if (!ledger) throw new MatchError('UNAVAILABLE', 'ledger not running', 503);
  const r = await ledger.submit({ type: 'MATCH_FAILOVER', matchId: rt.matchId, expectedEpoch: rt.epoch, host: ctx.self, shadow: next }).catch((err: Error) => {
    throw new MatchError('UNAVAILABLE', `cannot record a new shadow: ${err.message}`, 503);
  });
  let shadow = next;
  if (!r.ok) {
    const won = r.code === 'STALE_EPOCH' ? ownFailoverWon(ctx, rt.matchId, rt.epoch) : undefined;
    if (won) shadow = won.shadow;
    else if (r.code === 'STALE_EPOCH' || r.code === 'MATCH_FINISHED') {
      fence(ctx, rt, `ledger refused MATCH_FAILOVER: ${r.code}`);
      throw new MatchError('STALE_EPOCH', `node ${ctx.self} no longer hosts match ${rt.matchId}`);
    } else throw new MatchError('UNAVAILABLE', `cannot record a new shadow: ${r.message}`, 503);
  }
  const event: MatchEvent = { type: 'FAILOVER', seq: rt.seq + 1, at: Date.now(), oldHost: ctx.self, newHost: ctx.self, shadow, epoch: rt.epoch + 1 };
  const signed = ctx.signer.signEvent(event, rt.matchId, event.epoch);
  const p = rt.preview([signed]);
  if (!p.ok) throw new MatchError(p.code, p.message);
  await ctx.store.append(rt.matchId, [signed], true);
  rt.commit([signed], p.state);
  ctx.metrics.failovers.inc({ kind: 'shadow' });
  ctx.logs.failover.warn({ matchId: rt.matchId, oldShadow: old, newShadow: shadow, epoch: rt.epoch }, 'shadow replaced');
  if (shadow) await startOn(ctx, rt, shadow).catch((err: Error) => ctx.logs.failover.warn({ matchId: rt.matchId, shadow, err: err.message }, 'new shadow not seeded yet'));
  afterAppend(ctx, rt, [signed]);
}

/** This node learned it no longer hosts the match: stop serving it (the epoch fences it). */
export function fence(ctx: MatchContext, rt: MatchRuntime, why: string): void {
  if (ctx.runtimes.get(rt.matchId) === rt) ctx.runtimes.delete(rt.matchId);
  ctx.logs.failover.warn({ matchId: rt.matchId, epoch: rt.epoch, why }, 'fenced: this node stops serving the match');
  rt.role = 'watcher';
}
