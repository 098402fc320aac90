// Each member's Raft role as this node sees it (GET /health, /servers, cluster/status).
import type { Membership } from './membership.ts';

export interface RoleView {
  of(id: string): string;
}

/** Raft's view: what `roleOf` needs of the running node. */
export interface RaftRoles {
  readonly role: string;
  readonly leader: string | null;
  status(): { config: { learners: readonly string[] } };
}

/** Before Raft runs (a first join learns the stock scale first): this node is 'starting'. */
export function startingRoles(selfId: string, membership: Membership): RoleView {
  return { of: (id) => (id === selfId ? 'starting' : membership.isAlive(id) ? 'follower' : 'unknown') };
}

export function raftRoles(selfId: string, membership: Membership, raft: RaftRoles): RoleView {
  return {
    of: (id) => {
      if (id === selfId) return raft.role;
      if (!membership.isAlive(id)) return 'unknown';
      if (raft.leader === id) return 'leader';
      if (raft.status().config.learners.includes(id)) return 'learner';
      return 'follower';
    },
  };
}
