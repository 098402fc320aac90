// The matchmaking driver with several nodes in one process: peers call each other directly
// (random delays, lost requests and lost answers), and a fake ledger is the arbiter that
// refuses a second match for a player, replicated to each node after a random lag.
import { describe, it, expect, afterEach } from 'vitest';
import pino from 'pino';
import { Matchmaker, type PeerTransport } from './matchmaker.ts';
import { CommandError } from '../players/commands.ts';
import type { CreateMatchResult, MatchCreator, PlayerRef } from '../match/contract.ts';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Faults {
  /** Probability that a REST request is lost before it arrives / its answer is lost. */
  lose: number;
  /** Probability that createMatch throws (before or after the ledger commits). */
  createThrows: number;
  /** Extra latency of createMatch. */
  createDelayMs: number;
}

class Sim {
  readonly nodes = new Map<string, { mm: Matchmaker; replica: Map<string, string>; down: boolean }>();
  /** The ledger: player → active match, match → players. */
  readonly active = new Map<string, string>();
  readonly matches = new Map<string, [string, string]>();
  readonly refusals: string[] = [];
  readonly random: () => number;
  hangCreatesOn = new Set<string>();
  /** Nodes whose solicitar_oponente never arrives (forces who asks whom). */
  muteSearchesOf = new Set<string>();

  constructor(
    ids: string[],
    seed: number,
    readonly faults: Faults = { lose: 0, createThrows: 0, createDelayMs: 0 },
    reservationTtlMs = 250,
  ) {
    this.random = rng(seed);
    for (const id of ids) {
      const replica = new Map<string, string>();
      const node = { replica, down: false, mm: null as unknown as Matchmaker };
      node.mm = new Matchmaker({
        selfId: id,
        matches: this.creator(id),
        transport: this.transport(id),
        alivePeers: () => ids.filter((p) => p !== id && this.nodes.get(p)?.down === false),
        nameOf: (p) => `name-${p}`,
        log: pino({ level: process.env.MM_LOG ?? 'silent', base: { node: id } }),
        timing: { retryMinMs: 5, retryMaxMs: 15, reservationTtlMs, commitHoldMs: 2000, peerWatchMs: 20 },
        random: this.random,
      });
      this.nodes.set(id, node);
    }
    for (const n of this.nodes.values()) n.mm.start();
  }

  mm(id: string): Matchmaker {
    return this.nodes.get(id)!.mm;
  }

  stop(): void {
    for (const n of this.nodes.values()) n.mm.stop();
  }

  private delay(max = 3): Promise<void> {
    return sleep(Math.floor(this.random() * max));
  }

  private transport(from: string): PeerTransport {
    const call = async <T>(peer: string, fn: (mm: Matchmaker) => T): Promise<T> => {
      await this.delay();
      if (this.random() < this.faults.lose) throw new Error('request lost');
      const node = this.nodes.get(peer)!;
      if (node.down || this.nodes.get(from)!.down) throw new Error('node down');
      const r = fn(node.mm);
      await this.delay();
      if (this.random() < this.faults.lose) throw new Error('answer lost');
      return r;
    };
    return {
      solicitar: (peer, body) => {
        expect(body.origin).toBe(from);
        if (this.muteSearchesOf.has(from)) return Promise.reject(new Error('muted'));
        return call(peer, (mm) => mm.solicitar(body));
      },
      confirmar: (peer, body) => call(peer, (mm) => mm.confirmar(from, body)),
    };
  }

  private creator(self: string): MatchCreator {
    return {
      activeMatchOf: (p) => this.nodes.get(self)!.replica.get(p) ?? null,
      pickShadow: (exclude) => [...this.nodes.keys()].find((n) => n !== self && !exclude.includes(n)) ?? null,
      createMatch: async (matchId: string, players: [PlayerRef, PlayerRef], _shadow: string | null): Promise<CreateMatchResult> => {
        if (this.hangCreatesOn.has(self)) return new Promise(() => undefined);
        await sleep(this.faults.createDelayMs);
        await this.delay();
        if (this.random() < this.faults.createThrows / 2) throw new Error('ledger unreachable (before commit)');
        const r = this.commit(matchId, [players[0].id, players[1].id], self);
        if (this.random() < this.faults.createThrows / 2) throw new Error('answer lost (after commit)');
        return r;
      },
    };
  }

  /** MATCH_CREATED at the ledger: idempotent by matchId, PLAYER_IN_MATCH for a busy player. */
  private commit(matchId: string, players: [string, string], host: string): CreateMatchResult {
    const existing = this.matches.get(matchId);
    if (existing) {
      return existing[0] === players[0] && existing[1] === players[1] ? { ok: true, matchId } : { ok: false, code: 'MATCH_CONFLICT', message: 'other players' };
    }
    for (const p of players) {
      if (this.active.has(p)) {
        this.refusals.push(p);
        return { ok: false, code: 'PLAYER_IN_MATCH', message: `${p} is in ${this.active.get(p)}` };
      }
    }
    this.matches.set(matchId, players);
    for (const p of players) this.active.set(p, matchId);
    // Replicate: the creating node at once (read-your-writes), the others after a lag.
    for (const [id, node] of this.nodes) {
      const apply = () => {
        for (const p of players) node.replica.set(p, matchId);
        node.mm.matchRecorded(matchId, players);
      };
      if (id === host) apply();
      else setTimeout(apply, Math.floor(this.random() * 10));
    }
    return { ok: true, matchId };
  }

  queued(): number {
    return [...this.nodes.values()].reduce((n, x) => n + x.mm.snapshot().entries.length, 0);
  }

  async until(what: string, pred: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(5);
    }
  }
}

let sim: Sim | null = null;
afterEach(() => {
  sim?.stop();
  sim = null;
});

function everyoneOnce(s: Sim, players: string[]): void {
  const count = new Map<string, number>();
  for (const ps of s.matches.values()) for (const p of ps) count.set(p, (count.get(p) ?? 0) + 1);
  for (const p of players) expect(count.get(p), `player ${p}`).toBe(1);
}

describe('Matchmaker across nodes (in process)', () => {
  for (const [label, faults] of [
    ['a clean network', { lose: 0, createThrows: 0, createDelayMs: 0 }],
    ['lost messages and createMatch failures', { lose: 0.2, createThrows: 0.2, createDelayMs: 2 }],
  ] as const) {
    it(`20 players joining at once over 3 nodes make exactly 10 matches (${label})`, async () => {
      for (const seed of [1, 2, 3]) {
        sim = new Sim(['p1', 'p2', 'p3'], seed, faults);
        const s = sim;
        const players = Array.from({ length: 20 }, (_, i) => `pl${i}`);
        players.forEach((p, i) => expect(s.mm(`p${(i % 3) + 1}`).join(p, 'r1').type).toBe('AGUARDANDO_OPONENTE'));
        await s.until('10 matches and empty queues', () => s.matches.size === 10 && s.queued() === 0, 15_000);
        everyoneOnce(s, players);
        // Reservations end (committed ones once every replica shows the match).
        await s.until('no reservations left', () => [...s.nodes.values()].every((n) => n.mm.snapshot().reservations === 0), 5000);
        s.stop();
      }
    }, 60_000);
  }

  it('crossed requests between two nodes pair the two players once, without livelock', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      sim = new Sim(['p1', 'p2'], seed);
      const s = sim;
      s.mm('p1').join('a', 'r');
      s.mm('p2').join('b', 'r');
      await s.until('the match', () => s.matches.size === 1 && s.queued() === 0, 3000);
      expect([...s.matches.values()][0].slice().sort()).toEqual(['a', 'b']);
      s.stop();
    }
  }, 60_000);

  it('a lone player stays queued, then is matched with a player arriving on another node', async () => {
    sim = new Sim(['p1', 'p2', 'p3'], 7);
    const s = sim;
    s.mm('p2').join('lonely', 'r');
    await sleep(300);
    expect(s.mm('p2').snapshot().entries.map((e) => e.playerId)).toEqual(['lonely']);
    expect(s.matches.size).toBe(0);
    s.mm('p3').join('late', 'r');
    await s.until('the match', () => s.matches.size === 1 && s.queued() === 0);
    everyoneOnce(s, ['lonely', 'late']);
  });

  it('joining twice is idempotent; joining in a match is refused', async () => {
    sim = new Sim(['p1', 'p2'], 3);
    const s = sim;
    s.mm('p1').join('a', 'r1');
    s.mm('p1').join('a', 'r2');
    expect(s.mm('p1').snapshot().entries).toHaveLength(1);
    s.mm('p1').join('b', 'r1');
    await s.until('the match everywhere', () => s.queued() === 0 && s.nodes.get('p2')!.replica.has('a'));
    expect(() => s.mm('p1').join('a', 'r3')).toThrow(CommandError);
    expect(() => s.mm('p2').join('a', 'r3')).toThrowError(/already playing/);
  });

  it('SAIR_FILA leaves; leaving an empty queue is NOT_QUEUED', async () => {
    sim = new Sim(['p1'], 1);
    const s = sim;
    s.mm('p1').join('a', 'r1');
    await expect(s.mm('p1').leave('a', 'r2')).resolves.toEqual({ type: 'FILA_CANCELADA', requestId: 'r2' });
    await expect(s.mm('p1').leave('a', 'r3')).rejects.toMatchObject({ code: 'NOT_QUEUED' });
    s.mm('p1').join('a', 'r4');
    s.mm('p1').playerGone('a');
    expect(s.queued()).toBe(0);
  });

  it('a player leaving during a pairing gets its outcome: a recorded match wins', async () => {
    sim = new Sim(['p1', 'p2'], 5, { lose: 0, createThrows: 0, createDelayMs: 80 });
    const s = sim;
    s.mm('p2').join('b', 'r');
    await sleep(20);
    s.mm('p1').join('a', 'r');
    // Either p1 reserved b, or p2's search found a: both hold b in a pairing in flight.
    await s.until('b in a pairing', () => ['reserved', 'matching'].includes(s.mm('p2').snapshot().entries[0]?.state ?? ''), 2000);
    await expect(s.mm('p2').leave('b', 'bye')).rejects.toMatchObject({ code: 'PLAYER_IN_MATCH' });
    everyoneOnce(s, ['a', 'b']);
  });

  it('a reservation whose requester vanishes expires and the player is matched elsewhere', async () => {
    sim = new Sim(['p1', 'p2', 'p3'], 11, undefined, 1000);
    const s = sim;
    s.hangCreatesOn.add('p1');
    s.muteSearchesOf.add('p2');
    s.muteSearchesOf.add('p3');
    s.mm('p2').join('b', 'r');
    await sleep(20);
    s.mm('p1').join('a', 'r');
    await s.until('b reserved by p1', () => s.mm('p2').snapshot().entries[0]?.state === 'reserved', 2000);
    s.nodes.get('p1')!.down = true; // p1 "crashes": nothing it sends arrives any more
    await sleep(300);
    expect(s.mm('p2').snapshot().entries[0]?.state).toBe('reserved');
    await s.until('b free again', () => s.mm('p2').snapshot().entries[0]?.state !== 'reserved', 2000);
    s.muteSearchesOf.clear();
    s.mm('p3').join('c', 'r');
    await s.until('b matched with c', () => s.matches.size === 1 && s.mm('p2').snapshot().entries.length === 0, 3000);
    everyoneOnce(s, ['b', 'c']);
  });

  it('a disconnect while reserved releases the player out of the queue when the pairing fails', async () => {
    sim = new Sim(['p1', 'p2'], 9, { lose: 0, createThrows: 0, createDelayMs: 60 });
    const s = sim;
    s.active.set('a', 'old-match'); // the ledger will refuse a's match (its replicas do not know yet)
    s.muteSearchesOf.add('p2');
    s.mm('p2').join('b', 'r');
    await sleep(20);
    s.mm('p1').join('a', 'r');
    await s.until('b reserved', () => s.mm('p2').snapshot().entries[0]?.state === 'reserved', 2000);
    s.mm('p2').playerGone('b');
    expect(s.mm('p2').snapshot().entries[0]?.leaving).toBe(true);
    await s.until('b out of the queue', () => s.mm('p2').snapshot().entries.length === 0, 2000);
    expect(s.matches.size).toBe(0);
    expect(s.refusals).toContain('a');
  });
});
