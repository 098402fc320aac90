// `trinca invite` and `trinca token`: read a node's data dir and print what a friend
// (an invite code) or a tool (a short-lived peer JWT) needs.
import path from 'node:path';
import fs from 'node:fs/promises';
import { loadIdentity, readSecret } from '../cluster/identity.ts';
import { encodeInvite } from '../cluster/invite.ts';
import { deriveKeys } from '../security/keys.ts';
import { signPeerToken } from '../security/jwt.ts';
import type { MemberInfo } from '../../protocol/rest.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { fromText, readOptions, usage } from './options.ts';

export const NODE_DIR_OPTIONS = {
  data: { flag: 'data', arg: 'DIR', help: 'the data dir of a node of the cluster (run next to it)', schema: fromText((t) => path.resolve(t)) },
  secretFile: { flag: 'secret-file', arg: 'FILE', shows: 'DIR/secret', help: 'the cluster secret, when the node keeps it outside its data dir', schema: fromText((t) => path.resolve(t)).optional() },
} as const;

export const INVITE_USAGE = usage('trinca invite --data DIR [options]', NODE_DIR_OPTIONS, 'Prints an invite code (cluster id, secret, peer addresses) for a friend\'s `trinca node --invite`.\nIt holds the cluster secret: share it like a password.');
export const TOKEN_USAGE = usage('trinca token --data DIR [options]', NODE_DIR_OPTIONS, 'Prints a peer JWT valid 60 s, e.g. for curl -H "Authorization: Bearer $(trinca token --data DIR)".\nFor Prometheus, see --metrics-bind in trinca node --help and docs/operations.md.');

async function readNodeDir(argv: string[]) {
  const { data: dataDir, secretFile } = readOptions(NODE_DIR_OPTIONS, argv);
  const identity = await loadIdentity(dataDir);
  if (!identity) throw new Error(`${dataDir} holds no Trinca node (no identity.json); start the node once first`);
  const secret = await readSecret({ dataDir, secretFile });
  if (!secret) throw new Error(`no cluster secret found for ${dataDir} (give --secret-file)`);
  let members: MemberInfo[] = [];
  try {
    members = JSON.parse(await fs.readFile(path.join(dataDir, 'members.json'), 'utf8')) as MemberInfo[];
  } catch {
    // A bootstrap node that never saw a peer has no members.json yet.
  }
  return { identity, secret, members };
}

export async function printInvite(argv: string[]): Promise<void> {
  const { identity, secret, members } = await readNodeDir(argv);
  const self = members.find((m) => m.id === identity.id);
  const peers = [...new Set([...(self ? [self.address] : []), ...members.map((m) => m.address)])];
  if (peers.length === 0) throw new Error('no peer address known yet: start the node once so members.json is written');
  process.stdout.write(encodeInvite({ clusterId: identity.clusterId, secret, peers, version: PROTOCOL_VERSION }) + '\n');
}

export async function printToken(argv: string[]): Promise<void> {
  const { identity, secret } = await readNodeDir(argv);
  process.stdout.write((await signPeerToken(deriveKeys(secret).jwt, identity.clusterId, identity.id)) + '\n');
}
