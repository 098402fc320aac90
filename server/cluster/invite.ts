// Invite codes: everything a friend needs to join, in one copy-pasteable string.
// Format: "trinca1." + base64url(JSON {c: clusterId, s: secret, p: [peer URLs]}).
import { z } from 'zod';

const PREFIX = 'trinca1.';
const InvitePayload = z.object({
  c: z.string().min(1).max(128),
  s: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'secret must be 32 bytes of base64url'),
  p: z.array(z.string().url().max(512)).min(1).max(32),
});

export interface Invite {
  clusterId: string;
  secret: string;
  peers: string[];
}

export class InviteError extends Error {}

export function encodeInvite(inv: Invite): string {
  return PREFIX + Buffer.from(JSON.stringify({ c: inv.clusterId, s: inv.secret, p: inv.peers })).toString('base64url');
}

export function decodeInvite(code: string): Invite {
  const text = code.trim();
  if (!text.startsWith(PREFIX)) throw new InviteError('invite code must start with "trinca1."');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw new InviteError('invite code is damaged (not decodable)');
  }
  const r = InvitePayload.safeParse(raw);
  if (!r.success) throw new InviteError(`invite code is damaged: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return { clusterId: r.data.c, secret: r.data.s, peers: r.data.p };
}
