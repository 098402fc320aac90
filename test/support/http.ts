// HTTP helpers for tests: plain fetch plus a peer JWT minted from the cluster secret,
// exactly as any tool holding the secret could (docs/design.md §9).
import fs from 'node:fs';
import { deriveKeys } from '../../server/security/keys.ts';
import { signPeerToken } from '../../server/security/jwt.ts';

export async function getJson<T = unknown>(url: string, token?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function postJson<T = unknown>(url: string, body: unknown, token?: string, rawBody?: string): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: rawBody ?? JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // leave as text
  }
  return { status: res.status, body: parsed as T };
}

export function jwtKeyFromSecretFile(file: string): Uint8Array {
  return deriveKeys(fs.readFileSync(file, 'utf8')).jwt;
}

export async function peerToken(secretFile: string, clusterId: string, serverId = 'tester'): Promise<string> {
  return signPeerToken(jwtKeyFromSecretFile(secretFile), clusterId, serverId);
}
