// Liveness and address gossip (docs/design.md §3 /heartbeat): every ~500 ms each node tells
// every member it is alive; a successful answer counts as hearing from that member, and its
// member list is merged (so a peer that joined through someone else becomes known). Both
// sides name their protocol version: a peer of another major version is not counted alive,
// and the mismatch is logged once per peer.
//
// Fast crash detection: heartbeats keep a keep-alive connection to every peer open (on the
// peer client's control lane). When a peer's process dies its kernel closes that
// connection at once; the close triggers an immediate probe, and a probe answered with
// "connection refused" (nothing listens at the peer's address any more) marks the peer gone
// right away (Membership.markGone: silence = ∞) instead of after a second of silence. A
// shadow then asks the ledger for the failover within one watchdog tick. Only a refused
// connection counts: a slow or cut-off peer is still judged by silence alone, and the
// ledger's epoch compare-and-set decides ownership either way (docs/design.md §8).
import type { Membership } from './membership.ts';
import type { PeerClient } from '../http/peer-client.ts';
import type { HeartbeatBody, MemberInfo } from '../../protocol/rest.ts';
import type { Logger } from '../log.ts';
import { PeerRefusedError } from '../http/peer-client.ts';
import { INCOMPATIBLE_VERSION, PROTOCOL_VERSION, versionProblem } from '../../protocol/version.ts';

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
  /** Peers whose version mismatch was already logged. */
  private readonly mismatchLogged = new Set<string>();

  constructor(private readonly deps: HeartbeatDeps) {}

  start(): void {
    this.deps.client.onControlConnectionLost = (address) => {
      const peer = this.deps.membership.others().find((m) => m.address === address);
      if (peer) this.probe(peer);
    };
    this.beat();
    this.timer = setInterval(() => this.beat(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.deps.client.onControlConnectionLost = null;
  }

  /** Tells every peer this node is leaving (clean stop), without waiting long. */
  async farewell(): Promise<void> {
    const { membership, client, raftView } = this.deps;
    const self = membership.self;
    const body: HeartbeatBody = { id: self.id, address: self.address, mqttPort: self.mqttPort, ...raftView(), leaving: true, version: PROTOCOL_VERSION };
    await Promise.allSettled(membership.others().map((p) => client.post(p.address, '/heartbeat', body, { timeoutMs: 300 })));
  }

  private beat(): void {
    const { membership, raftView } = this.deps;
    const self = membership.self;
    const view = raftView();
    const body: HeartbeatBody = { id: self.id, address: self.address, mqttPort: self.mqttPort, term: view.term, leader: view.leader, version: PROTOCOL_VERSION };
    for (const peer of membership.others()) this.send(peer, body, true);
    this.logTransitions();
  }

  /** One beat to `peer` now (its connection just closed): refused → gone at once. */
  private probe(peer: MemberInfo): void {
    const { membership, raftView } = this.deps;
    const self = membership.self;
    this.send(peer, { id: self.id, address: self.address, mqttPort: self.mqttPort, ...raftView(), version: PROTOCOL_VERSION }, true);
  }

  private send(peer: MemberInfo, body: HeartbeatBody, retryOnReset: boolean): void {
    const { membership, client } = this.deps;
    // One beat in flight per peer: a hung peer must not pile up sockets.
    if (this.inFlight.has(peer.id)) return;
    this.inFlight.add(peer.id);
    let again = false;
    client
      .post<{ members: MemberInfo[]; version?: string }>(peer.address, '/heartbeat', body, { timeoutMs: this.deps.intervalMs * 2, lane: 'control' })
      .then((res) => {
        const problem = versionProblem(res?.version, `peer ${peer.id}`, `node ${membership.self.id}`);
        if (problem) return this.mismatch(peer.id, problem);
        this.mismatchLogged.delete(peer.id);
        membership.markSeen(peer.id);
        if (Array.isArray(res?.members)) this.deps.onMembers(res.members);
      })
      .catch((err: Error) => {
        if (err instanceof PeerRefusedError && err.code === INCOMPATIBLE_VERSION) return this.mismatch(peer.id, err.detail);
        const msg = err.message;
        if (/ECONNREFUSED/.test(msg)) {
          if (membership.silenceMs(peer.id) !== Infinity) this.deps.log.info({ peer: peer.id }, 'peer refuses connections: marked gone');
          membership.markGone(peer.id);
        } else if (retryOnReset && /ECONNRESET|socket hang up|EPIPE/.test(msg)) {
          again = true; // a reused connection that just died: ask again on a fresh one
        }
      })
      .finally(() => {
        this.inFlight.delete(peer.id);
        if (again) this.send(peer, body, false);
      });
  }

  private mismatch(peer: string, problem: string): void {
    if (this.mismatchLogged.has(peer)) return;
    this.mismatchLogged.add(peer);
    this.deps.log.error({ peer }, problem);
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
