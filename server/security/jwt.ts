// Peer-to-peer JWTs (docs/design.md §3): HS256 via jose, claims server_id/iat/exp (≤ 60 s ahead),
// iss = aud = trinca:<clusterId>. Verification pins the algorithm so `alg: none` and
// key-confusion tokens are refused.
import { SignJWT, jwtVerify, errors } from 'jose';

export const TOKEN_TTL_S = 60;
export const audienceOf = (clusterId: string): string => `trinca:${clusterId}`;

export type AuthFailure = { ok: false; code: 'AUTH_MISSING' | 'AUTH_MALFORMED' | 'AUTH_INVALID' | 'AUTH_EXPIRED' | 'AUTH_WRONG_CLUSTER'; message: string };
export type AuthResult = { ok: true; serverId: string } | AuthFailure;

export async function signPeerToken(key: Uint8Array, clusterId: string, serverId: string, ttlS = TOKEN_TTL_S): Promise<string> {
  const aud = audienceOf(clusterId);
  return new SignJWT({ server_id: serverId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(`${Math.min(ttlS, TOKEN_TTL_S)}s`)
    .setIssuer(aud)
    .setAudience(aud)
    .sign(key);
}

/** Checks an `Authorization` header value; never throws. */
export async function verifyAuthorization(header: string | undefined, key: Uint8Array, clusterId: string): Promise<AuthResult> {
  if (!header) return { ok: false, code: 'AUTH_MISSING', message: 'Authorization: Bearer <JWT> required' };
  const m = /^Bearer ([A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(header.trim());
  if (!m) return { ok: false, code: 'AUTH_MALFORMED', message: 'Authorization header is not a Bearer JWT' };
  const aud = audienceOf(clusterId);
  try {
    const { payload } = await jwtVerify(m[1], key, {
      algorithms: ['HS256'],
      issuer: aud,
      audience: aud,
      requiredClaims: ['server_id', 'iat', 'exp'],
      maxTokenAge: `${TOKEN_TTL_S + 5}s`,
    });
    if (typeof payload.server_id !== 'string' || payload.server_id.length === 0) {
      return { ok: false, code: 'AUTH_INVALID', message: 'server_id claim missing' };
    }
    if (typeof payload.exp === 'number' && typeof payload.iat === 'number' && payload.exp - payload.iat > TOKEN_TTL_S) {
      return { ok: false, code: 'AUTH_INVALID', message: `exp must be at most ${TOKEN_TTL_S}s after iat` };
    }
    return { ok: true, serverId: payload.server_id };
  } catch (err) {
    return classify(err);
  }
}

function classify(err: unknown): AuthFailure {
  if (err instanceof errors.JWTExpired) return { ok: false, code: 'AUTH_EXPIRED', message: 'token expired' };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud' || err.claim === 'iss') {
      return { ok: false, code: 'AUTH_WRONG_CLUSTER', message: 'token is for another cluster' };
    }
    if (err.claim === 'iat') return { ok: false, code: 'AUTH_EXPIRED', message: 'token too old' };
    return { ok: false, code: 'AUTH_INVALID', message: `claim ${err.claim}: ${err.reason}` };
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return { ok: false, code: 'AUTH_INVALID', message: 'signature does not verify with this cluster key' };
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return { ok: false, code: 'AUTH_INVALID', message: 'algorithm not allowed (HS256 only)' };
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return { ok: false, code: 'AUTH_MALFORMED', message: 'token is not a valid JWS' };
  }
  return { ok: false, code: 'AUTH_INVALID', message: 'token rejected' };
}

/** Caches a signed token and refreshes it well before expiry (signing on every call is wasted CPU). */
export class PeerTokenSource {
  private token = '';
  private expiresAt = 0;
  constructor(
    private readonly key: Uint8Array,
    private readonly clusterId: () => string,
    private readonly serverId: string,
    /** Token lifetime (≤ 60 s; shorter only to exercise renewal in tests). */
    private readonly ttlS = TOKEN_TTL_S,
  ) {}

  async get(): Promise<string> {
    const now = Date.now();
    if (now < this.expiresAt - Math.min(20_000, (this.ttlS * 1000) / 3) && this.token) return this.token;
    this.token = await signPeerToken(this.key, this.clusterId(), this.serverId, this.ttlS);
    this.expiresAt = now + Math.min(this.ttlS, TOKEN_TTL_S) * 1000;
    return this.token;
  }

  invalidate(): void {
    this.expiresAt = 0;
  }
}
