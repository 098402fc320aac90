// Helpers for match tests: start a pair of bots on given peers and read match logs.
import fs from 'node:fs';
import { MatchBot } from './bot.ts';
import { TestPlayer } from './player.ts';
import { getJson, peerToken } from './http.ts';
import { TestCluster, waitFor } from './peer.ts';
import { deriveKeys } from '../../server/security/keys.ts';
import { Signer, type SignedEvent } from '../../server/match/signing.ts';
import type { Peer } from './peer.ts';

export interface MatchLog {
  matchId: string;
  role: string;
  epoch: number;
  host: string;
  shadow: string | null;
  eventSeq: number;
  stateHash: string;
  events: SignedEvent[];
}

export class MatchTools {
  /** Bots made by pair(), closed by stop(). */
  readonly bots: MatchBot[] = [];

  constructor(
    readonly cluster: TestCluster,
    readonly clusterId: string,
  ) {}

  /** A 3-peer cluster of real processes (extra node flags, e.g. --turn-ms), with a leader elected. */
  static async start(extraArgs: string[]): Promise<MatchTools> {
    const cluster = await TestCluster.start(3, extraArgs);
    const clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
    const tools = new MatchTools(cluster, clusterId);
    await waitFor('a leader', async () => (await tools.call(cluster.peers[0], 'GET', '/estoque/status')).body.leader, 15_000);
    return tools;
  }

  async stop(): Promise<void> {
    await Promise.all(this.bots.map((b) => b.close()));
    await this.cluster.stop();
  }

  signer(): Signer {
    return new Signer(deriveKeys(fs.readFileSync(this.cluster.secretFile, 'utf8')).eventHmac);
  }

  async call(peer: Peer, method: 'GET' | 'POST', path: string, body?: unknown, serverId = 'p1'): Promise<{ status: number; body: Record<string, unknown> }> {
    const token = await peerToken(this.cluster.secretFile, this.clusterId, serverId);
    const res = await fetch(`${peer.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async log(peer: Peer, matchId: string): Promise<MatchLog | null> {
    const r = await this.call(peer, 'GET', `/game/${matchId}/log`).catch(() => null);
    return r && r.status === 200 ? (r.body as unknown as MatchLog) : null;
  }

  /** Two bots on the given peers, queued together; resolves once both know the match. */
  async pair(peerA: Peer, peerB: Peer, paceMs = 0): Promise<{ a: MatchBot; b: MatchBot; matchId: string }> {
    const urls = this.cluster.peers.map((p) => p.mqttUrl);
    const a = new MatchBot(TestPlayer.fresh(), urls, paceMs);
    const b = new MatchBot(TestPlayer.fresh(), urls, paceMs);
    this.bots.push(a, b);
    await a.connect(this.cluster.peers.indexOf(peerA));
    await b.connect(this.cluster.peers.indexOf(peerB));
    await Promise.all([a.queue(), b.queue()]);
    const [ma, mb] = await Promise.all([a.waitMatch(), b.waitMatch()]);
    if (ma !== mb) throw new Error(`bots matched into different matches ${ma} / ${mb}`);
    return { a, b, matchId: ma };
  }
}

/** Checks a log's sequence: eventSeq 1..n with no gap or repeat. */
export function gapless(events: SignedEvent[]): boolean {
  return events.every((e, i) => e.eventSeq === i + 1);
}
