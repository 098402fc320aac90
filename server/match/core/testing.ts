// A deterministic harness for the match core's unit tests: N cores in one process over the
// real ledger state machine (applied at once, like a ledger that always has a quorum),
// with manual control of the network, the disks and the clock. Messages, durables and
// proposals are queued and delivered by `settle()` until nothing moves.
import { applyCommand, createLedger, type LedgerCommand, type LedgerResult, type LedgerState } from '../../ledger/machine/index.ts';
import { stateHash } from '../../game/index.ts';
import { Signer, type SignedEvent } from '../signing.ts';
import { recordOf, matchTouched } from '../ledger-records.ts';
import { MatchCore } from './core.ts';
import type { Answer, CoreInput, CoreTiming, PeerReply, PeerRequest, Publish, Ready } from './types.ts';
import type { HandSource } from '../../game/index.ts';

export const TEST_TIMING: CoreTiming = { turnMs: 30_000, disconnectForfeitMs: 60_000, commandDeadlineMs: 8000, lingerMs: 30_000 };

export interface TestNode {
  id: string;
  core: MatchCore;
  up: boolean;
  /** What a crash keeps: the durable log per match. */
  disk: Map<string, SignedEvent[]>;
  /** Appends not yet durable (kept until `durable` is let through). */
  unsynced: Ready['appends'];
  holdDisk: boolean;
  published: Publish[];
  answers: Answer[];
}

type Wire = { kind: 'req'; from: string; to: string; id: number; request: PeerRequest } | { kind: 'rep'; to: string; id: number; reply: PeerReply };

export class CoreNet {
  readonly nodes = new Map<string, TestNode>();
  ledger: LedgerState;
  now = 1_700_000_000_000;
  readonly signer = new Signer(Buffer.alloc(32, 7));
  /** Pairs of nodes that cannot talk ([a,b] blocks both ways). */
  readonly cut = new Set<string>();
  /** False: proposals wait (no ledger quorum). */
  ledgerUp = true;
  private wire: Wire[] = [];
  private proposals: { from: string; cmd: LedgerCommand }[] = [];
  private index = 0;
  private tokens = 1;
  private readonly sources = new Map<string, Record<string, HandSource>>();
  private readonly tokenOf = new Map<number, { from: string; id: number }>();

  constructor(ids: string[], readonly timing: CoreTiming = TEST_TIMING) {
    this.ledger = createLedger({ clusterId: 'test-cluster', stockScale: 1, members: ids.map((id) => ({ id, address: `http://${id}`, mqttPort: 0, voter: true })) });
    for (const id of ids) this.nodes.set(id, this.fresh(id, new Map()));
    this.broadcastPeers();
  }

  private fresh(id: string, disk: Map<string, SignedEvent[]>): TestNode {
    const core = new MatchCore({
      self: id,
      timing: this.timing,
      sign: (e, matchId, epoch, requestId) => this.signer.signEvent(e, matchId, epoch, requestId),
      verify: (e) => this.signer.verify(e),
      hash: (s) => stateHash(s),
    });
    return { id, core, up: true, disk, unsynced: [], holdDisk: false, published: [], answers: [] };
  }

  node(id: string): TestNode {
    return this.nodes.get(id)!;
  }

  step(id: string, input: CoreInput): void {
    const n = this.node(id);
    if (!n.up) return;
    n.core.step(input, this.now);
    this.drain(n);
  }

  /** The ledger command applied now (as committed), its records fed to every live node. */
  commit(cmd: LedgerCommand): LedgerResult {
    const r = applyCommand(this.ledger, cmd, { index: ++this.index, term: 1 });
    const t = matchTouched(cmd, r);
    if (t) {
      if (t.source) this.sources.set(t.matchId, { ...this.sources.get(t.matchId), [t.source.playerId]: t.source.source });
      const rec = recordOf(this.ledger, t.matchId, this.sources.get(t.matchId));
      for (const n of this.nodes.values()) if (n.up && rec) this.step(n.id, { kind: 'record', record: rec });
    }
    return r;
  }

  record(matchId: string) {
    return recordOf(this.ledger, matchId, this.sources.get(matchId));
  }

  private drain(n: TestNode): void {
    const r = n.core.ready();
    n.unsynced.push(...r.appends);
    for (const m of r.messages) this.wire.push({ kind: 'req', from: n.id, to: m.to, id: m.id, request: m.request });
    for (const { token, reply } of r.replies) {
      const t = this.tokenOf.get(token);
      if (!t) continue;
      this.tokenOf.delete(token);
      this.wire.push({ kind: 'rep', to: t.from, id: t.id, reply });
    }
    n.published.push(...r.publishes);
    for (const cmd of r.proposals) this.proposals.push({ from: n.id, cmd });
    n.answers.push(...r.answers);
  }

  private reachesMajority(id: string): boolean {
    const all = [...this.nodes.values()];
    const reach = all.filter((o) => o.id === id || (o.up && !this.blocked(id, o.id))).length;
    return reach * 2 > all.length;
  }

  private blocked(a: string, b: string): boolean {
    return this.cut.has(`${a}|${b}`) || this.cut.has(`${b}|${a}`);
  }

  partition(a: string, b: string): void {
    this.cut.add(`${a}|${b}`);
    this.broadcastPeers();
  }

  heal(): void {
    this.cut.clear();
    this.broadcastPeers();
  }

  /** Every live node learns which peers it can reach (the driver's failure detector). */
  broadcastPeers(): void {
    for (const n of this.nodes.values()) {
      if (!n.up) continue;
      const alive = [...this.nodes.values()].filter((o) => o.id !== n.id && o.up && !this.blocked(n.id, o.id)).map((o) => o.id);
      this.step(n.id, { kind: 'peers', alive });
    }
  }

  /** Delivers everything queued (messages, durables, proposals) until nothing moves. */
  settle(maxRounds = 10_000): void {
    for (let round = 0; round < maxRounds; round++) {
      let moved = false;
      for (const n of this.nodes.values()) {
        if (!n.up || n.holdDisk || n.unsynced.length === 0) continue;
        moved = true;
        for (const a of n.unsynced.splice(0)) {
          n.disk.set(a.matchId, a.rewrite ? a.events.slice() : [...(n.disk.get(a.matchId) ?? []), ...a.events]);
          this.step(n.id, { kind: 'durable', matchId: a.matchId, gen: a.gen, eventSeq: a.events[a.events.length - 1]?.eventSeq ?? 0 });
        }
      }
      if (this.ledgerUp && this.proposals.length > 0) {
        moved = true;
        // Only a node on the majority's side of a partition reaches the ledger.
        for (const p of this.proposals.splice(0)) if (this.reachesMajority(p.from)) this.commit(p.cmd);
      }
      const wire = this.wire.splice(0);
      for (const w of wire) {
        moved = true;
        if (w.kind === 'req') this.deliver(w);
        else {
          const to = this.nodes.get(w.to);
          if (to?.up) this.step(w.to, { kind: 'reply', id: w.id, reply: w.reply });
        }
      }
      if (!moved) return;
    }
    throw new Error('the network did not settle');
  }

  private deliver(w: Extract<Wire, { kind: 'req' }>): void {
    const to = this.nodes.get(w.to);
    const unreachable: PeerReply = { ok: false, code: 'UNREACHABLE', message: `${w.to} cannot be reached`, status: 503 };
    if (!to?.up || this.blocked(w.from, w.to)) {
      const from = this.nodes.get(w.from);
      if (from?.up) this.wire.push({ kind: 'rep', to: w.from, id: w.id, reply: unreachable });
      return;
    }
    const token = this.tokens++;
    this.tokenOf.set(token, { from: w.from, id: w.id });
    this.step(w.to, { kind: 'peer', token, from: w.from, request: w.request });
  }

  /** Time passes: every live node ticks. */
  advance(ms: number): void {
    this.now += ms;
    for (const n of this.nodes.values()) this.step(n.id, { kind: 'tick' });
    this.settle();
  }

  /** kill -9: memory and unsynced appends are lost; the disk stays. */
  crash(id: string): void {
    const n = this.node(id);
    n.up = false;
    n.unsynced = [];
    this.broadcastPeers();
  }

  /** A restart: the logs on disk, then the ledger's records of its matches. */
  restart(id: string): void {
    const old = this.node(id);
    const n = this.fresh(id, old.disk);
    this.nodes.set(id, n);
    this.broadcastPeers();
    for (const [matchId, events] of n.disk) if (events.length > 0) this.step(id, { kind: 'loaded', matchId, events });
    for (const m of this.ledger.matches.values()) {
      const rec = this.record(m.matchId);
      if (rec && m.status === 'active') this.step(id, { kind: 'record', record: rec });
    }
    this.settle();
  }

  // ---- players -------------------------------------------------------------------------------

  registerPlayer(id: string, name = id): void {
    this.commit({ type: 'REGISTER_PLAYER', playerId: id, name, tokenHash: 'x'.repeat(64) });
  }

  /** Two registered players in a match hosted by `host`, shadowed by `shadow`, both with a hand. */
  startMatch(matchId: string, host: string, shadow: string | null, players: [string, string], opts: { hands?: boolean } = {}): void {
    for (const p of players) if (!this.ledger.players.has(p)) this.registerPlayer(p);
    const r = this.commit({ type: 'MATCH_CREATED', matchId, players, host, shadow, seed: `seed-${matchId}` });
    if (!r.ok) throw new Error(`MATCH_CREATED refused: ${r.code}`);
    this.settle();
    if (opts.hands !== false) {
      for (const p of players) this.commit({ type: 'BUY_PACK', requestId: `${matchId}-${p}`, playerId: p, matchId });
      this.settle();
    }
  }

  connect(node: string, playerId: string): void {
    const id = this.ledger.players.get(playerId)?.activeMatchId;
    this.step(node, { kind: 'connected', playerId, record: id ? this.record(id) : null });
  }

  /** A local player's move; returns the answer once the network settled (or undefined). */
  move(node: string, playerId: string, requestId: string, move: Extract<CoreInput, { kind: 'command' }>['move']): Answer | undefined {
    const token = this.tokens++;
    this.step(node, { kind: 'command', token, playerId, requestId, move });
    this.settle();
    return this.node(node).answers.find((a) => a.token === token);
  }

  /** The player on turn in the host's view, and the card it would lead with (lowest). */
  onTurn(host: string, matchId: string): { playerId: string; cardId: string } | null {
    const m = this.node(host).core.match(matchId);
    const turn = m?.head.turn;
    if (!m || !turn) return null;
    const hand = [...(m.head.hands[turn] ?? [])].sort((a, b) => a.value - b.value);
    return hand[0] ? { playerId: turn, cardId: hand[0].id } : null;
  }
}
