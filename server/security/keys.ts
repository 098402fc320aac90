// Keys derived from the cluster secret (docs/design.md §9): HKDF-SHA256, salt "trinca", 32 bytes,
// info "jwt" for peer tokens and "event-hmac" for game-event signatures.
import { hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ClusterKeys {
  jwt: Uint8Array;
  eventHmac: Buffer;
}

export class SecretError extends Error {}

export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Decodes the one-line base64url secret; refuses anything that is not exactly 32 bytes. */
export function decodeSecret(text: string): Buffer {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9_-]+$/.test(trimmed)) throw new SecretError('cluster secret must be base64url text');
  const bytes = Buffer.from(trimmed, 'base64url');
  if (bytes.length !== 32) throw new SecretError(`cluster secret must decode to 32 bytes (got ${bytes.length})`);
  return bytes;
}

export function deriveKeys(secretText: string): ClusterKeys {
  const secret = decodeSecret(secretText);
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'trinca', info, 32));
  return { jwt: new Uint8Array(derive('jwt')), eventHmac: derive('event-hmac') };
}

/** Constant-time comparison of two strings of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}
