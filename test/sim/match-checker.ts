// The match invariants of the simulator, checked after every event and every Ready:
//   1. at most one node acts as host of a match per epoch;
//   2. every move acknowledged to a player is in the log of every host of that epoch or later;
//   3. the host's and the shadow's logs of one epoch are prefixes of each other, no gaps;
//   4. no publish to a player carries the opponent's hand.
import type { MatchCore, Ready } from '../../server/match/core/index.ts';
import type { Signer } from '../../server/match/signing.ts';

export class MatchViolation extends Error {
  constructor(rule: string, detail: string) {
    super(`${rule}: ${detail}`);
  }
}

interface Holder {
  id: string;
  core: MatchCore | null;
}

export class MatchChecker {
  /** matchId → eventSeq → the acknowledged event's signature and epoch. */
  private readonly acks = new Map<string, Map<number, { sig: string; epoch: number }>>();
  readonly stats = { checks: 0, acks: 0, maxEpoch: 0 };

  constructor(
    private readonly signer: Signer,
    /** The live nodes now (an answer relayed from the host is checked against the host's copy). */
    private readonly holders: () => Iterable<Holder>,
  ) {}

  crashed(_id: string): void {}

  /** What one node just emitted: answers become acknowledged moves; publishes are inspected. */
  afterReady(node: string, core: MatchCore, r: Ready, now: number): void {
    for (const a of r.answers) {
      if (!a.ok) continue;
      // Shown somewhere: on the answering node, or on the host whose answer it relayed.
      let e = core.match(a.matchId)?.events[a.eventSeq - 1];
      if (!e || (core.match(a.matchId)?.shownSeq ?? 0) < a.eventSeq) {
        for (const h of this.holders()) {
          const m = h.core?.match(a.matchId);
          if (m && m.shownSeq >= a.eventSeq) e = m.events[a.eventSeq - 1];
          if (e && m && m.shownSeq >= a.eventSeq) break;
        }
      }
      if (!e) throw new MatchViolation('acknowledged move', `${node} acknowledged seq ${a.eventSeq} of ${a.matchId} that no live node shows (t=${now})`);
      if (!this.signer.verify(e)) throw new MatchViolation('acknowledged move', `${node} acknowledged an unsigned event`);
      let byMatch = this.acks.get(a.matchId);
      if (!byMatch) this.acks.set(a.matchId, (byMatch = new Map()));
      const prev = byMatch.get(a.eventSeq);
      if (prev && prev.sig !== e.signature) throw new MatchViolation('acknowledged move', `two different events acknowledged at seq ${a.eventSeq} of ${a.matchId}`);
      byMatch.set(a.eventSeq, { sig: e.signature, epoch: e.epoch });
      this.stats.acks++;
    }
    for (const p of r.publishes) {
      if (p.to === 'match') {
        if (JSON.stringify(p.event).includes('"hands"')) throw new MatchViolation('hand privacy', `${node} published hands on the match topic`);
        continue;
      }
      if (p.event.type !== 'MAO') continue;
      const m = core.match(String(p.event.matchId));
      const own = new Set<string>();
      for (const e of m?.events ?? []) if (e.type === 'HAND_SET' && e.playerId === p.playerId) for (const c of e.cards) own.add(c.id);
      for (const c of p.event.hand as { id: string }[]) {
        if (!own.has(c.id)) throw new MatchViolation('hand privacy', `${node} sent ${p.playerId} card ${c.id}, not of its hand`);
      }
    }
  }

  check(nodes: Iterable<Holder>, now: number): void {
    this.stats.checks++;
    const live = [...nodes].filter((n): n is Holder & { core: MatchCore } => n.core !== null);
    const matchIds = new Set<string>();
    for (const n of live) for (const id of n.core.matches.keys()) matchIds.add(id);
    for (const id of matchIds) {
      const hosts = new Map<number, string>();
      const holders = live.map((n) => ({ id: n.id, core: n.core, m: n.core.match(id) })).filter((h) => h.m && h.m.seq > 0);
      for (const h of holders) {
        const m = h.m!;
        m.events.forEach((e, i) => {
          if (e.eventSeq !== i + 1) throw new MatchViolation('no gaps', `${h.id} holds event ${e.eventSeq} of ${id} at position ${i + 1}`);
        });
        if (m.head.epoch > this.stats.maxEpoch) this.stats.maxEpoch = m.head.epoch;
        if (!h.core.acting(m)) continue;
        const other = hosts.get(m.head.epoch);
        if (other && other !== h.id) throw new MatchViolation('one host per epoch', `${other} and ${h.id} both host ${id} at epoch ${m.head.epoch} (t=${now})`);
        hosts.set(m.head.epoch, h.id);
        for (const [seq, a] of this.acks.get(id) ?? []) {
          if (a.epoch > m.head.epoch) continue;
          if (m.events[seq - 1]?.signature !== a.sig) throw new MatchViolation('acknowledged moves survive', `host ${h.id} (epoch ${m.head.epoch}) of ${id} lacks acknowledged seq ${seq} (t=${now})`);
        }
      }
      for (const h of holders) {
        const m = h.m!;
        if (h.core.role(m) !== 'shadow') continue;
        const hostId = hosts.get(m.head.epoch);
        const host = hostId ? holders.find((x) => x.id === hostId)?.m : undefined;
        if (!host) continue;
        const [short, long] = host.seq <= m.seq ? [host.events, m.events] : [m.events, host.events];
        for (let i = 0; i < short.length; i++) {
          if (short[i].signature !== long[i].signature) throw new MatchViolation('prefix-consistent logs', `host ${hostId} and shadow ${h.id} of ${id} differ at seq ${i + 1} (t=${now})`);
        }
      }
    }
  }
}
