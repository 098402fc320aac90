// The verified-token cache in front of JWT verification must be exactly as strict as
// verifying again: same header, same cluster, inside the token's time limits.
import { describe, it, expect } from 'vitest';
import { SignJWT, decodeJwt } from 'jose';
import { VerifiedTokens } from './app.ts';
import { signPeerToken } from '../security/jwt.ts';

const key = new Uint8Array(32).fill(9);

describe('VerifiedTokens', () => {
  it('answers the peer for a remembered header until the token expires', async () => {
    const cache = new VerifiedTokens();
    const token = await signPeerToken(key, 'c1', 'p2');
    const header = `Bearer ${token}`;
    expect(cache.lookup(header, 'c1')).toBeNull();
    cache.remember(header, 'c1', 'p2');
    const { iat, exp } = decodeJwt(token) as { iat: number; exp: number };
    const now = iat * 1000;
    expect(cache.lookup(header, 'c1', now)).toBe('p2');
    expect(cache.lookup(header, 'c1', exp * 1000 - 1)).toBe('p2');
    // At exp the token is refused, as jose refuses it (exp <= now).
    expect(cache.lookup(header, 'c1', exp * 1000)).toBeNull();
    // …and forgotten.
    expect(cache.lookup(header, 'c1', now)).toBeNull();
  });

  it('is keyed by the exact header and the cluster id', async () => {
    const cache = new VerifiedTokens();
    const token = await signPeerToken(key, 'c1', 'p2');
    cache.remember(`Bearer ${token}`, 'c1', 'p2');
    expect(cache.lookup(`Bearer ${token}`, 'c2')).toBeNull();
    expect(cache.lookup(`Bearer ${token}x`, 'c1')).toBeNull();
    expect(cache.lookup(`bearer ${token}`, 'c1')).toBeNull();
  });

  it('ignores headers it cannot read the time limits of', async () => {
    const cache = new VerifiedTokens();
    const noExp = await new SignJWT({ server_id: 'p2' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(key);
    cache.remember(`Bearer ${noExp}`, 'c1', 'p2');
    cache.remember('Bearer not-a-jwt', 'c1', 'p2');
    expect(cache.lookup(`Bearer ${noExp}`, 'c1')).toBeNull();
    expect(cache.lookup('Bearer not-a-jwt', 'c1')).toBeNull();
  });

  it('stays bounded, dropping the oldest entry first', async () => {
    const cache = new VerifiedTokens(2);
    const headers = await Promise.all(['a', 'b', 'c'].map(async (id) => `Bearer ${await signPeerToken(key, 'c1', id)}`));
    headers.forEach((h, i) => cache.remember(h, 'c1', ['a', 'b', 'c'][i]));
    expect(cache.lookup(headers[0], 'c1')).toBeNull();
    expect(cache.lookup(headers[1], 'c1')).toBe('b');
    expect(cache.lookup(headers[2], 'c1')).toBe('c');
  });
});
