// A portable player identity: the id and token that the cluster's ledger knows (docs/design.md §4),
// exported to a file or to a short recovery code and imported on any device, against any
// peer. The recovery code packs a UUID (16 bytes) and a 32-byte token with a 16-bit check
// in base64url, shown in groups: `TR1 xxxxxx xxxxxx …`.
import { base64url, isValidCredentials, type Credentials } from './credentials.ts';

export const IDENTITY_FORMAT = 'trinca-identity';
const CODE_PREFIX = 'TR1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IdentityFile {
  format: typeof IDENTITY_FORMAT;
  v: 1;
  playerId: string;
  token: string;
  name: string | null;
}

function fromB64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    return Uint8Array.from(atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** FNV-1a folded to 16 bits: catches a mistyped character, not an attacker (the token does that). */
function check16(bytes: Uint8Array): number {
  let h = 2166136261;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 16777619);
  }
  return (h ^ (h >>> 16)) & 0xffff;
}

/** The recovery code, or null when the identity is not the compact kind (a UUID and a 32-byte token). */
export function recoveryCode(c: Credentials): string | null {
  const token = fromB64url(c.token);
  if (!UUID.test(c.playerId) || !token || token.length !== 32) return null;
  const bytes = new Uint8Array(50);
  const hex = c.playerId.replace(/-/g, '');
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  bytes.set(token, 16);
  const sum = check16(bytes.subarray(0, 48));
  bytes[48] = sum >> 8;
  bytes[49] = sum & 0xff;
  const text = base64url(bytes);
  return [CODE_PREFIX, ...(text.match(/.{1,6}/g) ?? [])].join(' ');
}

export function parseRecoveryCode(input: string): Credentials | null {
  const text = input.replace(/\s+/g, '');
  if (!text.toUpperCase().startsWith(CODE_PREFIX)) return null;
  const bytes = fromB64url(text.slice(CODE_PREFIX.length));
  if (!bytes || bytes.length !== 50) return null;
  if (check16(bytes.subarray(0, 48)) !== ((bytes[48] << 8) | bytes[49])) return null;
  const hex = [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const playerId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const c = { playerId, token: base64url(bytes.subarray(16, 48)) };
  return isValidCredentials(c) ? c : null;
}

export function identityFile(c: Credentials, name: string | null): IdentityFile {
  return { format: IDENTITY_FORMAT, v: 1, playerId: c.playerId, token: c.token, name };
}

/** A recovery code or the text of an identity file → the identity, or null. */
export function parseIdentity(text: string): { credentials: Credentials; name: string | null } | null {
  const code = parseRecoveryCode(text);
  if (code) return { credentials: code, name: null };
  try {
    const v = JSON.parse(text) as Partial<IdentityFile>;
    if (v.format !== IDENTITY_FORMAT || v.v !== 1) return null;
    const c = { playerId: v.playerId, token: v.token };
    if (!isValidCredentials(c)) return null;
    return { credentials: c, name: typeof v.name === 'string' && v.name.length <= 24 ? v.name : null };
  } catch {
    return null;
  }
}
