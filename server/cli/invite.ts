// `trinca invite` and `trinca token`: read a node's data dir and print what a friend
// (an invite code) or a tool (a short-lived peer JWT) needs.
import { parseArgs } from 'node:util';
import path from 'node:path';
import fs from 'node:fs/promises';
import { loadIdentity, readSecret } from '../cluster/identity.ts';
import { encodeInvite } from '../cluster/invite.ts';
import { deriveKeys } from '../security/keys.ts';
import { signPeerToken } from '../security/jwt.ts';
import type { MemberInfo } from '../../protocol/rest.ts';

async function readNodeDir(argv: string[]) {
  const { values } = parseArgs({ args: argv, strict: true, options: { data: { type: 'string' }, 'secret-file': { type: 'string' } } });
  if (!values.data) throw Object.assign(new Error('--data is required'), { code: 'ERR_PARSE_ARGS_USAGE' });
  const dataDir = path.resolve(values.data);
  const identity = await loadIdentity(dataDir);
  if (!identity) throw new Error(`${dataDir} holds no Trinca node (no identity.json); start the node once first`);
  const secret = await readSecret({ dataDir, secretFile: values['secret-file'] ? path.resolve(values['secret-file']) : undefined });
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
  process.stdout.write(encodeInvite({ clusterId: identity.clusterId, secret, peers }) + '\n');
}

export async function printToken(argv: string[]): Promise<void> {
  const { identity, secret } = await readNodeDir(argv);
  process.stdout.write((await signPeerToken(deriveKeys(secret).jwt, identity.clusterId, identity.id)) + '\n');
}
