// Game events and forwarded commands are signed with HMAC-SHA256 over their whole content
// (canonical JSON, the signature field left out) with the event key derived from the
// cluster secret (DESIGN §8, §9). Verification compares in constant time.
import { createHmac } from 'node:crypto';
import { canonicalJson, matchEventSchema, type MatchEvent } from '../game/index.ts';
import { safeEqual } from '../security/keys.ts';

/** A match event as stored and replicated: the reducer's event plus its place in the match. */
/** `requestId` (signed too) names the player's request an event answers, so a retry after a failover finds it. */
export type SignedEvent = MatchEvent & { matchId: string; epoch: number; eventSeq: number; requestId?: string; signature: string };

export type Unsigned<T> = Omit<T, 'signature'>;

export class Signer {
  constructor(private readonly key: Buffer) {}

  mac(body: object): string {
    return createHmac('sha256', this.key).update(canonicalJson(body)).digest('base64url');
  }

  sign<T extends object>(body: T): T & { signature: string } {
    return { ...body, signature: this.mac(body) };
  }

  verify(signed: { signature?: unknown }): boolean {
    if (typeof signed.signature !== 'string') return false;
    const { signature, ...rest } = signed;
    return safeEqual(signature, this.mac(rest));
  }

  signEvent(event: MatchEvent, matchId: string, epoch: number, requestId?: string): SignedEvent {
    return this.sign({ ...event, matchId, epoch, eventSeq: event.seq, ...(requestId ? { requestId } : {}) }) as SignedEvent;
  }
}

/**
 * The reducer's event inside a stored one, validated (unknown envelope fields are dropped by
 * the schema; MATCH_START and FAILOVER keep their own matchId/epoch, which equal the
 * envelope's). Null when the content is not a valid event.
 */
export function bareEvent(e: unknown): MatchEvent | null {
  const r = matchEventSchema.safeParse(e);
  return r.success ? r.data : null;
}
