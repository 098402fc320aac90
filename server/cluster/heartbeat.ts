// Liveness and address gossip (DESIGN §3 /heartbeat): every ~500 ms each node tells every
// member it is alive; a successful answer counts as hearing from that member, and its
// member list is merged (so a peer that joined through someone else becomes known).
import type { Membership } from './membership.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { HeartbeatBody, MemberInfo } from '../../protocol/rest.ts';
import type { Logger } from '../log.ts';

export interface HeartbeatDeps {
  membership: Membership;
  client: PeerClient;
  intervalMs: number;
  log: Logger;
  /** Current Raft term and leader as this node sees them. */
  raftView: () => { term: number; leader: string | null };
  /** Called with the member list a peer answered (gossip). */
  onMembers: (members: MemberInfo[]) => void;
}

export class HeartbeatLoop {
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<string>();
  private readonly wasAlive = new Map<string, boolean>();

  constructor(private readonly deps: HeartbeatDeps) {}

  start(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Tells every peer this node is leaving (clean stop), without waiting long. */
  async farewell(): Promise<void> {
    const { membership, client, raftView } = this.deps;
    const self = membership.self;
    const body: HeartbeatBody = { id: self.id, address: self.address, mqttPort: self.mqttPort, ...raftView(), leaving: true };
    await Promise.allSettled(membership.others().map((p) => client.post(p.address, '/heartbeat', body, { timeoutMs: 300 })));
  }

  private beat(): void {
    const { membership, client, raftView } = this.deps;
    const self = membership.self;
    const view = raftView();
    const body: HeartbeatBody = { id: self.id, address: self.address, mqttPort: self.mqttPort, term: view.term, leader: view.leader };
    for (const peer of membership.others()) {
      // One beat in flight per peer: a hung peer must not pile up sockets.
      if (this.inFlight.has(peer.id)) continue;
      this.inFlight.add(peer.id);
      client
        .post<{ members: MemberInfo[] }>(peer.address, '/heartbeat', body, { timeoutMs: this.deps.intervalMs * 2 })
        .then((res) => {
          membership.markSeen(peer.id);
          if (Array.isArray(res?.members)) this.deps.onMembers(res.members);
        })
        .catch(() => undefined)
        .finally(() => this.inFlight.delete(peer.id));
    }
    this.logTransitions();
  }

  private logTransitions(): void {
    for (const m of this.deps.membership.others()) {
      const alive = this.deps.membership.isAlive(m.id);
      const before = this.wasAlive.get(m.id);
      if (before !== undefined && before !== alive) {
        this.deps.log.info({ peer: m.id, alive }, alive ? 'peer is alive again' : 'peer marked dead');
      }
      this.wasAlive.set(m.id, alive);
    }
  }
}
