// Invite codes: everything a friend needs to join, in one copy-pasteable string.
// Format: "trinca1." + base64url(JSON {c: clusterId, s: secret, p: [peer URLs], v: protocol
// version}); `v` is absent from invites made before protocol versions existed.
import { z } from 'zod';
import { versionProblem } from '../../protocol/version.ts';

const PREFIX = 'trinca1.';
const InvitePayload = z.object({
  c: z.string().min(1).max(128),
  s: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'secret must be 32 bytes of base64url'),
  p: z.array(z.string().url().max(512)).min(1).max(32),
  v: z.string().max(80).optional(),
});

export interface Invite {
  clusterId: string;
  secret: string;
  peers: string[];
  /** The protocol version of the peer that made the invite (PROTOCOL_VERSION when made now). */
  version?: string;
}

export class InviteError extends Error {}

export function encodeInvite(inv: Invite): string {
  return PREFIX + Buffer.from(JSON.stringify({ c: inv.clusterId, s: inv.secret, p: inv.peers, v: inv.version })).toString('base64url');
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
  return { clusterId: r.data.c, secret: r.data.s, peers: r.data.p, ...(r.data.v ? { version: r.data.v } : {}) };
}

/** An invite from a peer this one cannot work with: the version message, else null. */
export function inviteVersionProblem(inv: Invite): string | null {
  return versionProblem(inv.version, 'the cluster of this invite');
}
