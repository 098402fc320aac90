// Everything the match roles share: dependencies, the runtimes this node holds, and small
// helpers for talking to peers about matches.
import type { PlayerBroker } from '../broker/broker.ts';
import type { Membership } from '../cluster/membership.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { LedgerReplica } from '../ledger/replica.ts';
import type { LedgerService } from '../ledger/service.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { MatchLogStore } from '../storage/match-log.ts';
import type { MatchPublisher } from './publisher.ts';
import type { MatchRuntime } from './runtime.ts';
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
