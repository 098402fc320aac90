// Removing a peer that is gone for good (docs/operations.md): `POST /cluster/remove_member
// {id}` on any member; the leader proposes the Raft configuration change `remove` with the
// ledger's REMOVE_MEMBER (Admission.remove), a follower relays to the leader. Answers once
// the change is committed, with the new configuration.
import { HttpError } from '../http/errors.ts';
import { PeerRefusedError, type PeerClient } from '../http/peer-client.ts';
import { ConfigChangeRefused, NotLeaderError, ProposalLostError, type RaftNode } from '../raft/raft-node.ts';
import { UnknownMemberError, type Admission } from './admission.ts';
import type { LedgerResult } from '../ledger/machine/index.ts';
import type { RemoveMemberResponse } from '../../protocol/rest.ts';

export interface RemovalDeps {
  raft: RaftNode<LedgerResult>;
  admission: Admission;
  client: PeerClient;
  addressOf: (id: string) => string | undefined;
}

export async function removeMember(d: RemovalDeps, id: string): Promise<RemoveMemberResponse> {
  const { raft, admission } = d;
  if (raft.isLeader()) {
    try {
      await admission.remove(id);
    } catch (err) {
      if (err instanceof UnknownMemberError) throw new HttpError(404, 'UNKNOWN_MEMBER', err.message);
      if (err instanceof ConfigChangeRefused) throw new HttpError(409, 'REFUSED', err.message);
      if (err instanceof NotLeaderError) throw new HttpError(503, 'NOT_LEADER', err.message);
      if (err instanceof ProposalLostError) throw new HttpError(503, 'UNAVAILABLE', `the change was not committed in time: ${err.message}`);
      throw err;
    }
    const cfg = raft.status().config;
    return { removed: id, voters: [...cfg.voters], learners: [...cfg.learners] };
  }
  const leader = raft.leader;
  const address = leader ? d.addressOf(leader) : undefined;
  if (!leader || !address) throw new HttpError(503, 'NO_LEADER', 'no leader known right now: try again shortly');
  try {
    return await d.client.post<RemoveMemberResponse>(address, '/cluster/remove_member', { id }, { timeoutMs: 20_000 });
  } catch (err) {
    if (err instanceof PeerRefusedError) throw new HttpError(err.status, err.code, err.message.replace(/^.*?: \d+ [A-Z_]+: /, ''));
    throw new HttpError(503, 'UNAVAILABLE', `the leader ${leader} did not answer: ${(err as Error).message}`);
  }
}
