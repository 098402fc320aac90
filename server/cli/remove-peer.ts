// `trinca remove-peer --data DIR --id X`: removes a peer that is gone for good from the
// cluster (docs/operations.md). Run it next to a live node: it reads that node's data dir
// (identity, secret, the address book), mints a peer JWT and asks the node — or, if that
// one does not answer, any other member — to remove X (POST /cluster/remove_member); the
// request reaches the leader, which commits the Raft configuration change.
import path from 'node:path';
import fs from 'node:fs/promises';
import { loadIdentity, readSecret } from '../cluster/identity.ts';
import { deriveKeys } from '../security/keys.ts';
import { signPeerToken } from '../security/jwt.ts';
import { ID_PATTERN } from '../config.ts';
import type { MemberInfo, RemoveMemberResponse } from '../../protocol/rest.ts';
import { fromText, readOptions, usage } from './options.ts';

export const REMOVE_PEER_OPTIONS = {
  data: { flag: 'data', arg: 'DIR', help: 'the data dir of a live node of the cluster', schema: fromText((t) => path.resolve(t)) },
  id: { flag: 'id', arg: 'X', help: 'the peer to remove', schema: fromText((t) => {
    if (!ID_PATTERN.test(t)) throw new Error(`must be 1–64 of A–Z a–z 0–9 _ . - (got "${t}")`);
    return t;
  }) },
  secretFile: { flag: 'secret-file', arg: 'FILE', shows: 'DIR/secret', help: 'the cluster secret, when the node keeps it outside its data dir', schema: fromText((t) => path.resolve(t)).optional() },
  peer: { flag: 'peer', arg: 'URL', shows: 'the members in DIR\'s address book', help: 'a live member to ask first', schema: fromText((t) => t).optional() },
} as const;

export const REMOVE_PEER_USAGE = usage('trinca remove-peer --data DIR --id X [options]', REMOVE_PEER_OPTIONS, 'Removes peer X, gone for good, from the cluster (a Raft configuration change through the leader).\nRun it next to a live member; never reuse X for another machine.');

export async function removePeer(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s)): Promise<void> {
  const values = readOptions(REMOVE_PEER_OPTIONS, argv);
  const dataDir = values.data;
  const identity = await loadIdentity(dataDir);
  if (!identity) throw new Error(`${dataDir} holds no Trinca node (no identity.json)`);
  if (identity.id === values.id) throw new Error(`${dataDir} is ${values.id}'s own data dir: run remove-peer from another member`);
  const secret = await readSecret({ dataDir, secretFile: values.secretFile });
  if (!secret) throw new Error(`no cluster secret found for ${dataDir} (give --secret-file)`);
  let members: MemberInfo[] = [];
  try {
    members = JSON.parse(await fs.readFile(path.join(dataDir, 'members.json'), 'utf8')) as MemberInfo[];
  } catch {
    // no address book yet: only --peer can say where to go
  }
  const self = members.find((m) => m.id === identity.id);
  const targets = [...new Set([values.peer, self?.address, ...members.filter((m) => m.id !== values.id).map((m) => m.address)].filter((x): x is string => !!x))];
  if (targets.length === 0) throw new Error('no member address known: give --peer URL (a live member)');
  const token = await signPeerToken(deriveKeys(secret).jwt, identity.clusterId, identity.id);
  const problems: string[] = [];
  for (const base of targets) {
    let res: Response;
    try {
      res = await fetch(new URL('/cluster/remove_member', base), {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: values.id }),
        signal: AbortSignal.timeout(25_000),
      });
    } catch (err) {
      problems.push(`${base}: ${(err as Error).message}`);
      continue;
    }
    const body = (await res.json().catch(() => ({}))) as Partial<RemoveMemberResponse> & { error?: string; message?: string };
    if (res.ok) {
      out(`removed ${values.id} from cluster ${identity.clusterId}; voters: ${(body.voters ?? []).join(', ')}${body.learners?.length ? `; learners: ${body.learners.join(', ')}` : ''}\n`);
      return;
    }
    // The cluster said no (unknown peer, last voter): asking another member will not change that.
    if (res.status < 500) throw new Error(`${body.error ?? res.status}: ${body.message ?? 'refused'}`);
    problems.push(`${base}: ${res.status} ${body.error ?? ''} ${body.message ?? ''}`.trim());
  }
  throw new Error(`no member could remove ${values.id}:\n  ${problems.join('\n  ')}`);
}
