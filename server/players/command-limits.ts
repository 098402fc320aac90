// Per-player rate limits on commands (docs/security.md "Limits"): one token bucket per player
// and class. Commands that write to the ledger and CHAT (which every node of the match
// relays) get small buckets; the rest (moves, pings, reads) a roomy one. `scale` multiplies
// both sizes and rates (--rate-limit-scale; benchmarks and tests raise it).
import { TokenBuckets, type BucketSpec, type Take } from '../security/token-bucket.ts';
import type { CommandType } from '../../protocol/commands.ts';

export type CommandClass = 'ledger' | 'chat' | 'other';

const LEDGER_WRITES: ReadonlySet<string> = new Set<CommandType>(['COMPRAR', 'PROPOR_TROCA', 'RESPONDER_TROCA', 'PERFIL']);

export function classOf(type: string | null): CommandClass {
  if (type && LEDGER_WRITES.has(type)) return 'ledger';
  return type === 'CHAT' ? 'chat' : 'other';
}

/**
 * ledger: a burst of 10 (a few packs and trades in a row), then 1 per second — a whole
 *   --stock-scale 1 stock takes one player 9 minutes, not a second;
 * chat: 5, then 1 per second; other: 40, then 10 per second (a match needs about 10 commands).
 */
export const COMMAND_LIMITS: Record<CommandClass, BucketSpec> = {
  ledger: { capacity: 10, perSecond: 1 },
  chat: { capacity: 5, perSecond: 1 },
  other: { capacity: 40, perSecond: 10 },
};

export class CommandLimiter {
  private readonly buckets: Record<CommandClass, TokenBuckets<string>>;

  constructor(
    scale: number,
    private readonly now: () => number,
  ) {
    const scaled = (s: BucketSpec): BucketSpec => ({ capacity: Math.max(1, Math.round(s.capacity * scale)), perSecond: s.perSecond * scale });
    this.buckets = { ledger: new TokenBuckets(scaled(COMMAND_LIMITS.ledger)), chat: new TokenBuckets(scaled(COMMAND_LIMITS.chat)), other: new TokenBuckets(scaled(COMMAND_LIMITS.other)) };
  }

  take(playerId: string, type: string | null): Take {
    return this.buckets[classOf(type)].take(playerId, this.now());
  }
}
