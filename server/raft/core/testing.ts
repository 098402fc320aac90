// Test-only helpers for the core's unit tests: an in-memory "disk" per node and a
// synchronous, lossless network (with optional cuts) that drains Ready batches in the
// order the driver contract demands. The fault-injecting simulator lives in test/sim/.
import { RaftCore, type RaftOptions } from './raft.ts';
import type { Entry, HardState, NodeId, RaftMessage, Ready, Snapshot } from './types.ts';

/** mulberry32: a tiny seeded PRNG so unit tests are deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a node has on disk (what a restart gets back). */
export class MemStorage {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];

  save(rd: Ready): void {
    if (rd.snapshot) {
      this.snapshot = rd.snapshot;
      this.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index;
      const base = this.snapshot?.lastIncludedIndex ?? 0;
      this.entries.length = Math.max(0, Math.min(this.entries.length, first - base - 1));
      this.entries.push(...rd.entries);
    }
    if (rd.hardState) this.hardState = { ...rd.hardState };
  }

  restoreOptions(): Pick<RaftOptions, 'hardState' | 'snapshot' | 'entries'> {
    return { hardState: { ...this.hardState }, snapshot: this.snapshot, entries: [...this.entries] };
  }
}

export type CoreOptions = Partial<Omit<RaftOptions, 'id'>>;

export function newCore(id: NodeId, peers: NodeId[], o: CoreOptions = {}): RaftCore {
  return new RaftCore({
    id,
    peers,
    electionTicks: 10,
    heartbeatTicks: 1,
    random: seededRandom(id.charCodeAt(id.length - 1) * 7919),
    ...o,
  });
}

/** Cluster of cores wired by a lossless in-order network with switchable cuts. */
export class TestNet {
  readonly nodes = new Map<NodeId, RaftCore>();
  readonly disks = new Map<NodeId, MemStorage>();
  /** Applied entries per node, in order. */
  readonly applied = new Map<NodeId, Entry[]>();
  /** Every message delivered, for assertions. */
  readonly delivered: RaftMessage[] = [];
  private readonly cut = new Set<string>();
  /** Optional filter: return false to drop a message. */
  filter: ((m: RaftMessage) => boolean) | null = null;
  /** Optional observer of every Ready handled. */
  onReady: ((id: NodeId, rd: Ready) => void) | null = null;

  constructor(ids: NodeId[], o: CoreOptions = {}, voters: NodeId[] = ids) {
    for (const id of ids) this.add(newCore(id, voters, o));
  }

  add(core: RaftCore, disk = new MemStorage()): void {
    this.nodes.set(core.id, core);
    this.disks.set(core.id, disk);
    if (!this.applied.has(core.id)) this.applied.set(core.id, []);
  }

  get(id: NodeId): RaftCore {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Cut both directions between a and b. */
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cutLink(id, other, true);
  }
  cutLink(a: NodeId, b: NodeId, both = true): void {
    this.cut.add(`${a}>${b}`);
    if (both) this.cut.add(`${b}>${a}`);
  }
  heal(): void {
    this.cut.clear();
  }

  /** Persist, collect and advance every node's Ready; returns the messages to send. */
  drain(): RaftMessage[] {
    const out: RaftMessage[] = [];
    for (const [id, core] of this.nodes) {
      for (let rd = core.ready(); rd; rd = core.ready()) {
        this.onReady?.(id, rd);
        this.disks.get(id)!.save(rd);
        out.push(...rd.messages);
        this.applied.get(id)!.push(...rd.committed);
        core.advance(rd);
      }
    }
    return out;
  }

  deliver(msgs: RaftMessage[]): void {
    for (const m of msgs) {
      if (this.cut.has(`${m.from}>${m.to}`)) continue;
      if (this.filter && !this.filter(m)) continue;
      const to = this.nodes.get(m.to);
      if (!to) continue;
      this.delivered.push(m);
      to.step(m);
    }
  }

  /** Exchange messages until nothing moves (bounded, to catch livelock). */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds; i++) {
      const msgs = this.drain();
      if (msgs.length === 0) return;
      this.deliver(msgs);
    }
    throw new Error('network did not stabilize');
  }

  /** Tick every node n times, stabilizing after each tick. */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const core of this.nodes.values()) core.tick();
      this.stabilize();
    }
  }

  leader(): RaftCore | null {
    const ls = [...this.nodes.values()].filter((c) => c.status().role === 'leader');
    if (ls.length === 0) return null;
    // Several may think they lead (in different terms); the newest is the real one.
    ls.sort((a, b) => b.status().term - a.status().term);
    return ls[0];
  }

  /** Elect `id` by forcing its campaign and letting the network settle. */
  elect(id: NodeId): RaftCore {
    this.get(id).campaign();
    this.stabilize();
    const s = this.get(id).status();
    if (s.role !== 'leader') throw new Error(`${id} failed to become leader (${s.role}, term ${s.term})`);
    return this.get(id);
  }
}

/** Build a log of entries from a list of terms (index = position + 1 + offset). */
export function entriesFromTerms(terms: number[], offset = 0): Entry[] {
  return terms.map((term, i) => ({ term, index: offset + i + 1, kind: 'command' as const, data: `e${offset + i + 1}@${term}` }));
}

/** Everything a node holds from `from` on, as [index, term] pairs (for comparisons). */
export function logTerms(core: RaftCore, from = 1): number[] {
  const s = core.status();
  const out: number[] = [];
  for (let i = Math.max(from, s.snapshotIndex + 1); i <= s.lastIndex; i++) out.push(core.termAt(i) as number);
  return out;
}
