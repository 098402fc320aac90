// Helpers for ledger tests: a purchase client that behaves like a careful real client
// (retries the SAME requestId on another peer until it gets an answer) and replica checks.
import { peerToken } from './http.ts';
import type { TestCluster, Peer } from './peer.ts';

export interface Card { id: string; name: string; suit: string; value: number; rarity: string }
export interface Purchase { requestId: string; playerId: string; cards: Card[]; remaining: number; via: string }

export class StockClient {
  private token = '';
  private tokenAt = 0;
  constructor(
    private readonly cluster: TestCluster,
    private readonly clusterId: string,
  ) {}

  async auth(): Promise<string> {
    if (Date.now() - this.tokenAt > 30_000) {
      // p1: every peer JWT must name a member (only /register is open to others).
      this.token = await peerToken(this.cluster.secretFile, this.clusterId, 'p1');
      this.tokenAt = Date.now();
    }
    return this.token;
  }

  /** A peer call with a JWT for `serverId` (default: p1, a member). */
  async call(peer: Peer, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 10_000, serverId?: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const token = serverId ? await peerToken(this.cluster.secretFile, this.clusterId, serverId) : await this.auth();
    const res = await fetch(`${peer.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  /** Buys with retries (same requestId) across live peers, starting at `first`. */
  async buy(requestId: string, playerId: string, first: number, deadlineMs = 30_000): Promise<Purchase> {
    const end = Date.now() + deadlineMs;
    let i = first;
    let last = '';
    while (Date.now() < end) {
      const peer = this.cluster.peers[i % this.cluster.peers.length];
      i++;
      try {
        const r = await this.call(peer, 'POST', '/estoque/comprar_pacote', { requestId, playerId }, 8000);
        if (r.status === 200) return { requestId, playerId, cards: r.body.cards as Card[], remaining: r.body.remaining as number, via: peer.id };
        last = `${peer.id}: ${r.status} ${JSON.stringify(r.body)}`;
        if (r.status < 500) throw new Error(last);
      } catch (err) {
        if ((err as Error).message === last && last) throw err;
        last = `${peer.id}: ${(err as Error).message}`;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`purchase ${requestId} not acknowledged: ${last}`);
  }

  async status(peer: Peer) {
    return (await this.call(peer, 'GET', '/estoque/status')).body as {
      total: number;
      remaining: Record<string, number>;
      sold: number;
      leader: string | null;
      term: number;
      commitIndex: number;
    };
  }

  async digest(peer: Peer) {
    return (await this.call(peer, 'GET', '/ledger/digest')).body as { digest: string; lastApplied: number; violations: string[] };
  }

  async cards(peer: Peer, playerId: string): Promise<Card[]> {
    return (await this.call(peer, 'GET', `/ledger/players/${playerId}/cards`)).body.cards as Card[];
  }

  async leader(): Promise<Peer> {
    for (const p of this.cluster.peers) {
      try {
        const s = await this.status(p);
        if (s.leader) return this.cluster.peer(s.leader);
      } catch {
        // peer down: ask the next
      }
    }
    throw new Error('no leader known');
  }
}

export const sumRemaining = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
