// POST /register on this node: the leader admits the peer through the log (Admission); a
// follower relays to the leader (vouching with its own protocol version, since it checked
// the peer's). Waits up to 10 s for a leader to be known (the cluster may be electing one).
import { HttpError } from '../http/errors.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { RaftNode } from '../raft/raft-node.ts';
import type { LedgerResult } from '../ledger/machine/index.ts';
import type { Admission } from './admission.ts';
import type { Membership } from './membership.ts';
import type { MemberInfo, RegisterResponse } from '../../protocol/rest.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import type { Logger } from '../log.ts';

export interface RegisterDeps {
  membership: Membership;
  raft: RaftNode<LedgerResult>;
  admission: Admission;
  client: PeerClient;
  clusterId: string;
  /** The cluster's stock scale, handed to the joiner (every replica builds the same stock). */
  stockScale: number;
  log: Logger;
}

const LEADER_WAIT_MS = 10_000;

export type Register = (member: MemberInfo) => Promise<RegisterResponse>;

export function registrar(d: RegisterDeps): Register {
  const addressOf = (id: string) => d.membership.get(id)?.address;
  return async (m) => {
    d.membership.merge([m]);
    d.membership.markSeen(m.id);
    const deadline = performance.now() + LEADER_WAIT_MS;
    while (!d.raft.isLeader() && !d.raft.leader && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const leader = d.raft.leader;
    if (d.raft.isLeader()) {
      await d.admission.admit(m);
      d.log.info({ peer: m.id, address: m.address }, 'peer registered');
    } else if (leader && addressOf(leader)) {
      await d.client.post<RegisterResponse>(addressOf(leader)!, '/register', { ...m, version: PROTOCOL_VERSION }, { timeoutMs: 10_000 });
    } else {
      throw new HttpError(503, 'NO_LEADER', 'no leader to admit the peer yet; try again');
    }
    return { clusterId: d.clusterId, members: d.membership.list(), leader: d.raft.leader, stockScale: d.stockScale };
  };
}
