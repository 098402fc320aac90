// REST for membership. From the start: /health, /servers, /heartbeat (clusterRestRouter).
// Once Raft runs: /register and /cluster/remove_member (admissionRestRouter).
import Router from '@koa/router';
import { parseBody } from '../http/errors.ts';
import { HeartbeatBody, RegisterBody, RemoveMemberBody, type HealthBody, type HeartbeatResponse, type RegisterResponse, type RemoveMemberResponse } from '../../protocol/rest.ts';
import type { Membership } from './membership.ts';
import type { RoleView } from './roles.ts';
import type { Register } from './register.ts';
import type { PeerState } from '../http/app.ts';
import { HttpError } from '../http/errors.ts';
import { INCOMPATIBLE_VERSION, PROTOCOL_VERSION, versionProblem } from '../../protocol/version.ts';

export interface ClusterRouteDeps {
  membership: Membership;
  clusterId: string;
  /** Raft roles as this node sees them ('starting' for itself until Raft runs). */
  roles: RoleView;
  /** Heartbeat side effects beyond liveness (e.g. gossip merge). */
  onHeartbeat: (body: HeartbeatBody) => void;
}

export interface AdmissionRouteDeps {
  membership: Membership;
  /** Admits a peer through the replicated log and answers with the view (register.ts). */
  register: Register;
  /** Operator: removes a peer that is gone for good (through the leader); see removal.ts. */
  removeMember: (id: string) => Promise<RemoveMemberResponse>;
}

/** 409 INCOMPATIBLE_VERSION, with the message the peer's operator reads, for a peer of another major version. */
function refuseIncompatible(version: string | undefined, peer: string, self: string): void {
  const problem = versionProblem(version, `peer ${peer}`, `node ${self}`);
  if (problem) throw new HttpError(409, INCOMPATIBLE_VERSION, problem);
}

export function clusterRestRouter(deps: ClusterRouteDeps): Router<PeerState> {
  const r = new Router<PeerState>();
  const self = deps.membership.self.id;

  r.get('/health', (ctx) => {
    const body: HealthBody = { ok: true, id: self, clusterId: deps.clusterId, raftRole: deps.roles.of(self), version: PROTOCOL_VERSION };
    ctx.body = body;
  });

  r.get('/servers', (ctx) => {
    ctx.body = deps.membership.servers((id) => deps.roles.of(id));
  });

  r.post('/heartbeat', (ctx) => {
    const body = parseBody(HeartbeatBody, ctx.request.body);
    if (body.id !== ctx.state.peer) throw new HttpError(403, 'FORBIDDEN', 'heartbeat id must equal the token server_id');
    refuseIncompatible(body.version, body.id, self);
    if (body.leaving) deps.membership.markGone(body.id);
    else if (deps.membership.get(body.id)) deps.membership.markSeen(body.id, { term: body.term, leader: body.leader });
    deps.onHeartbeat(body);
    ctx.body = { members: deps.membership.list(), version: PROTOCOL_VERSION } satisfies HeartbeatResponse;
  });

  return r;
}

export function admissionRestRouter(deps: AdmissionRouteDeps): Router<PeerState> {
  const r = new Router<PeerState>();

  r.post('/register', async (ctx) => {
    const body = parseBody(RegisterBody, ctx.request.body);
    // A peer registers itself, or a member relays a registration to the leader.
    const relayed = body.id !== ctx.state.peer;
    if (relayed && !deps.membership.get(ctx.state.peer ?? '')) {
      throw new HttpError(403, 'FORBIDDEN', 'a peer may only register itself (id must equal the token server_id)');
    }
    if (body.id === deps.membership.self.id) throw new HttpError(409, 'ID_TAKEN', `id ${body.id} is this node's own id`);
    const { version, ...member } = body;
    refuseIncompatible(version, body.id, deps.membership.self.id);
    ctx.body = { ...(await deps.register(member)), version: PROTOCOL_VERSION } satisfies RegisterResponse;
  });

  r.post('/cluster/remove_member', async (ctx) => {
    const body = parseBody(RemoveMemberBody, ctx.request.body);
    ctx.body = await deps.removeMember(body.id);
  });

  return r;
}
