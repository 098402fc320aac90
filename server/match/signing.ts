// Game events and forwarded commands are signed with HMAC-SHA256 over their whole content
// (canonical JSON, the signature field left out) with the event key derived from the
// cluster secret (docs/design.md §8, §9). Verification compares in constant time.
import crypto, { createHmac } from 'node:crypto';
import { canonicalJson, matchEventSchema, type MatchEvent } from '../game/index.ts';
import { safeEqual } from '../security/keys.ts';

/** A match event as stored and replicated: the reducer's event plus its place in the match. */
/** `requestId` (signed too) names the player's request an event answers, so a retry after a failover finds it. */
export type SignedEvent = MatchEvent & { matchId: string; epoch: number; eventSeq: number; requestId?: string; signature: string };

export type Unsigned<T> = Omit<T, 'signature'>;

/**
 * The reducer's event behind an event this process signed (no need to take the envelope off
 * again): kept on the signed object itself under a symbol, which JSON never carries.
 */
const BARE = Symbol('bare event');

export class Signer {
  private readonly ipad: Buffer | null;
  private readonly opad: Buffer | null;

  constructor(private readonly key: Buffer) {
    // HMAC-SHA256 as two one-shot hashes (RFC 2104) where crypto.hash exists: the same
    // bytes as createHmac, without building an Hmac object per event (half the cost here).
    const oneShot = typeof (crypto as { hash?: unknown }).hash === 'function' && key.length <= 64;
    this.ipad = oneShot ? Buffer.alloc(64, 0x36) : null;
    this.opad = oneShot ? Buffer.alloc(64, 0x5c) : null;
    if (this.ipad && this.opad) for (let i = 0; i < key.length; i++) {
      this.ipad[i] ^= key[i];
      this.opad[i] ^= key[i];
    }
  }

  mac(body: object, omit?: string): string {
    const text = canonicalJson(body, omit);
    if (!this.ipad || !this.opad) return createHmac('sha256', this.key).update(text).digest('base64url');
    const inner = crypto.hash('sha256', Buffer.concat([this.ipad, Buffer.from(text, 'utf8')]), 'buffer');
    return crypto.hash('sha256', Buffer.concat([this.opad, inner]), 'base64url');
  }

  sign<T extends object>(body: T): T & { signature: string } {
    return { ...body, signature: this.mac(body) };
  }

  verify(signed: { signature?: unknown }): boolean {
    if (typeof signed.signature !== 'string') return false;
    return safeEqual(signed.signature, this.mac(signed, 'signature'));
  }

  signEvent(event: MatchEvent, matchId: string, epoch: number, requestId?: string): SignedEvent {
    const signed = this.sign({ ...event, matchId, epoch, eventSeq: event.seq, ...(requestId ? { requestId } : {}) }) as SignedEvent;
    Object.defineProperty(signed, BARE, { value: event, enumerable: false });
    return signed;
  }
}

const ENVELOPE = ['matchId', 'epoch', 'eventSeq', 'requestId', 'signature'];
const OWN_FIELDS: Record<string, string[]> = { MATCH_START: ['matchId', 'epoch'], FAILOVER: ['epoch'] };

/**
 * The reducer's event inside a stored one with the envelope taken off but NOT validated:
 * for callers that hand it to applyEvent, whose checkEvent validates it anyway (one schema
 * parse per event instead of two). Events signed by this process come back as they were.
 */
export function unwrapEvent(e: unknown): MatchEvent | null {
  if (e === null || typeof e !== 'object') return null;
  const own = (e as { [BARE]?: MatchEvent })[BARE];
  if (own) return own;
  const keep = OWN_FIELDS[String((e as { type?: unknown }).type)] ?? [];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (!ENVELOPE.includes(k) || keep.includes(k)) out[k] = v;
  return out as unknown as MatchEvent;
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
