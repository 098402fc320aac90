// A player's identity: a UUID and a token of 32 random bytes (base64url), created once on
// this device and presented on every MQTT CONNECT (docs/design.md §4, trust on first use).
// Works outside secure contexts too (a peer reached at http://192.168.x.y has no
// crypto.randomUUID), using crypto.getRandomValues, which every browser exposes.

export interface Credentials {
  playerId: string;
  token: string;
}

export function base64url(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function randomUuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function newCredentials(): Credentials {
  return { playerId: randomUuid(), token: base64url(crypto.getRandomValues(new Uint8Array(32))) };
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{43,512}$/;

export function isValidCredentials(c: unknown): c is Credentials {
  const v = c as Partial<Credentials> | null;
  return !!v && typeof v.playerId === 'string' && ID.test(v.playerId) && typeof v.token === 'string' && TOKEN.test(v.token);
}

/** A requestId unique enough for one player's commands. */
let seq = 0;
export function newRequestId(prefix = 'ui'): string {
  seq = (seq + 1) % 1_000_000;
  return `${prefix}-${Date.now().toString(36)}-${seq.toString(36)}-${base64url(crypto.getRandomValues(new Uint8Array(4)))}`;
}
