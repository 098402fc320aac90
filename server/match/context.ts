// Everything the match roles share: dependencies, the runtimes this node holds, and small
// helpers for talking to peers about matches.
import type { PlayerBroker } from '../broker/broker.ts';
import type { Membership } from '../cluster/membership.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import { getMatch } from '../ledger/machine/index.ts';
import type { MatchRecord } from '../ledger/machine/state.ts';
import type { LedgerService } from '../ledger/service.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { MatchLogStore } from '../storage/match-log.ts';
import type { MatchPublisher } from './publisher.ts';
import type { MatchRuntime } from './runtime.ts';
import type { KeyedLock } from './rewrite-lock.ts';
import type { SignedEvent, Signer } from './signing.ts';

export interface MatchTiming {
  turnMs: number;
  disconnectForfeitMs: number;
  /** Silence of the host (or shadow) after which the other side acts. */
  failoverMs: number;
}

export interface MatchLogs {
  host: Logger;
  shadow: Logger;
  replicate: Logger;
  failover: Logger;
}

export interface MatchContext {
  self: string;
  logs: MatchLogs;
  metrics: Metrics;
  broker: PlayerBroker;
  client: PeerClient;
  membership: Membership;
  signer: Signer;
  store: MatchLogStore<SignedEvent>;
  publisher: MatchPublisher;
  replica: () => LedgerReplica | null;
  ledger: () => LedgerService | null;
  timing: MatchTiming;
  runtimes: Map<string, MatchRuntime>;
  /** Serializes whole-log rewrites of one match (/game/start vs adopt): see rewrite-lock.ts. */
  rewrites: KeyedLock;
}

/** A refusal with a code the player or the calling peer sees (ERRO / HTTP error body). */
export class MatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 409,
  ) {
    super(message);
  }
}

/** Returned by a host step that must be re-run from a fresh state (e.g. after a new shadow). */
export const RETRY = Symbol('retry');

export function addressOf(ctx: MatchContext, node: string): string {
  const a = ctx.membership.get(node)?.address;
  if (!a) throw new MatchError('UNAVAILABLE', `no address known for node ${node}`, 503);
  return a;
}

/** A live peer to shadow a match: not this node, not excluded, fewest matches held here first. */
export function pickShadow(ctx: MatchContext, exclude: (string | null)[]): string | null {
  const load = new Map<string, number>();
  for (const rt of ctx.runtimes.values()) {
    const s = rt.state.shadow;
    if (s && !rt.finished) load.set(s, (load.get(s) ?? 0) + 1);
  }
  const candidates = ctx.membership
    .others()
    .filter((m) => !exclude.includes(m.id) && ctx.membership.silenceMs(m.id) < ctx.timing.failoverMs)
    .sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || a.id.localeCompare(b.id));
  return candidates[0]?.id ?? null;
}

const probes = new WeakMap<MatchContext, Map<string, { at: number; answer: Promise<boolean> }>>();

/**
 * "Suspect on silence, confirm before acting" (Colyseus #968): asks `node` directly
 * (GET /health on the control lane, so queued data calls cannot delay it) whether it is up.
 * True — and the node counts as seen — when it answers with its own id within `timeoutMs`.
 * A node whose event loop stalled notices its peers' silence only because it was not
 * running; this keeps such a stall from turning into a failover storm. One probe per node
 * at a time, its answer shared for 250 ms by every match asking.
 */
export function peerAnswers(ctx: MatchContext, node: string, timeoutMs = 500): Promise<boolean> {
  let byNode = probes.get(ctx);
  if (!byNode) probes.set(ctx, (byNode = new Map()));
  const now = performance.now();
  const cur = byNode.get(node);
  if (cur && now - cur.at < 250) return cur.answer;
  const address = ctx.membership.get(node)?.address;
  if (!address) return Promise.resolve(false);
  const answer = ctx.client.get<{ id?: string }>(address, '/health', { timeoutMs, anonymous: true, lane: 'control' }).then(
    (r) => {
      if (r?.id !== node) return false;
      ctx.membership.markSeen(node);
      return true;
    },
    () => false,
  );
  byNode.set(node, { at: now, answer });
  return answer;
}

/**
 * After a refused MATCH_FAILOVER (STALE_EPOCH): did this node's own earlier attempt win?
 * The ledger service retries a proposal whose outcome it could not learn, and the retry is
 * then refused because the first one applied. Returns the shadow the ledger recorded, or
 * undefined when someone else really took the match.
 */
export function ownFailoverWon(ctx: MatchContext, matchId: string, expectedEpoch: number): { shadow: string | null } | undefined {
  const replica = ctx.replica();
  const m = replica ? getMatch(replica.state, matchId) : null;
  if (m && m.status === 'active' && m.host === ctx.self && m.epoch === expectedEpoch + 1) return { shadow: m.shadow };
  return undefined;
}

/**
 * The player's active match as this node's ledger replica records it, without building a
 * MatchView (which turns every hand into Card objects): the hot paths (every command,
 * presence, the reconcile loop over all matches) need only ids, host, shadow and epoch.
 */
export function activeRecord(ctx: MatchContext, playerId: string): MatchRecord | null {
  const state = ctx.replica()?.state;
  const id = state?.players.get(playerId)?.activeMatchId;
  const m = id ? state!.matches.get(id) : undefined;
  return m && m.status === 'active' ? m : null;
}
