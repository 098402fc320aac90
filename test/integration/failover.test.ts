// Failover with real processes: kill -9 of the host mid-match (repeated), of the shadow,
// and a host cut off (SIGSTOP) that must stop serving the old epoch. After every trial:
// the match finished, no acknowledged move is missing from the surviving log, no gaps.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestCluster } from '../support/peer.ts';
import { waitFor, type Peer } from '../support/peer.ts';
import { getJson } from '../support/http.ts';
import { MatchTools, gapless, type MatchLog } from '../support/matches.ts';
import type { MatchBot } from '../support/bot.ts';

const TRIALS = Number(process.env.TRINCA_FAILOVER_TRIALS ?? 10);

describe('match failover (real processes)', () => {
  let tools: MatchTools;
  let cluster: TestCluster;

  beforeAll(async () => {
    tools = await MatchTools.start(['--turn-ms', '20000']);
    cluster = tools.cluster;
  }, 60_000);
  afterAll(async () => {
    await tools?.stop();
  });

  async function allAlive(): Promise<void> {
    for (const p of cluster.peers) if (p.proc?.exitCode !== null || p.proc?.signalCode) await p.start();
    await waitFor('3 alive', async () => {
      const s = (await getJson<{ alive: boolean }[]>(`${cluster.peers[0].url}/servers`)).body;
      return s.length === 3 && s.every((x) => x.alive);
    }, 15_000);
  }

  async function meta(matchId: string): Promise<MatchLog> {
    for (const p of cluster.peers) {
      const l = await tools.log(p, matchId);
      if (l && (l.role === 'host' || l.role === 'shadow')) return l;
    }
    throw new Error(`no peer holds ${matchId}`);
  }

  /** Plays until `moves` cards are on the log, pausing both bots there. */
  async function playUntil(a: MatchBot, b: MatchBot, matchId: string, moves: number): Promise<void> {
    await Promise.all([a.buyHand(), b.buyHand()]);
    await waitFor(`${moves} moves`, async () => {
      const l = await meta(matchId);
      const played = l.events.filter((e) => e.type === 'CARD_PLAYED').length;
      if (played >= moves) {
        a.autoplay = false;
        b.autoplay = false;
        return true;
      }
      return false;
    }, 30_000, 20);
  }

  async function verify(a: MatchBot, b: MatchBot, matchId: string, survivor: Peer): Promise<void> {
    const [ea, eb] = await Promise.all([a.waitEnd(60_000), b.waitEnd(60_000)]);
    expect(eb).toEqual(ea);
    const log = (await tools.log(survivor, matchId))!;
    expect(log).not.toBeNull();
    expect(gapless(log.events)).toBe(true);
    const seqs = new Set(log.events.filter((e) => e.type === 'CARD_PLAYED').map((e) => e.eventSeq));
    for (const s of [...a.acked, ...b.acked]) expect(seqs.has(s), `acked move ${s} missing from the surviving log`).toBe(true);
    expect(log.events.filter((e) => e.type === 'CARD_PLAYED').length + log.events.filter((e) => e.type === 'FORFEIT').length).toBeGreaterThan(0);
  }

  it(`kill -9 of the host mid-match, ${TRIALS} trials: every match finishes, no acknowledged move lost`, async () => {
    for (let t = 0; t < TRIALS; t++) {
      await allAlive();
      const pa = cluster.peers[t % 3];
      const pb = cluster.peers[(t + 1) % 3];
      const { a, b, matchId } = await tools.pair(pa, pb);
        await playUntil(a, b, matchId, 3 + (t % 4));
      const m = await meta(matchId);
      const host = cluster.peer(m.host);
      const shadow = cluster.peer(m.shadow!);
      host.kill9();
      a.resume();
      b.resume();
      await verify(a, b, matchId, shadow);
      const after = (await tools.log(shadow, matchId))!;
      expect(after.events.some((e) => e.type === 'FAILOVER')).toBe(true);
      expect(after.host).toBe(shadow.id);
      // The players were told the match moved (ATUALIZACAO_JOGO names the new host).
      expect([...a.updates, ...b.updates].some((u) => u.host === shadow.id && u.lastEvent === 'FAILOVER')).toBe(true);
      await a.close();
      await b.close();
    }
  }, 600_000);

  it('kill -9 of the shadow mid-match: the host records a new shadow and the match finishes', async () => {
    for (let t = 0; t < 3; t++) {
      await allAlive();
      const { a, b, matchId } = await tools.pair(cluster.peers[t % 3], cluster.peers[(t + 2) % 3]);
        await playUntil(a, b, matchId, 4);
      const m = await meta(matchId);
      const host = cluster.peer(m.host);
      cluster.peer(m.shadow!).kill9();
      a.resume();
      b.resume();
      await verify(a, b, matchId, host);
      const log = (await tools.log(host, matchId))!;
      expect(log.shadow).not.toBe(m.shadow);
      expect(log.epoch).toBeGreaterThan(m.epoch);
      if (log.shadow) {
        const copy = await tools.log(cluster.peer(log.shadow), matchId);
        expect(copy?.events).toEqual(log.events);
      }
      await a.close();
      await b.close();
    }
  }, 300_000);

  it('a host cut off (not killed) stops accepting moves for the old epoch', async () => {
    await allAlive();
    const { a, b, matchId } = await tools.pair(cluster.peers[0], cluster.peers[1]);
    await playUntil(a, b, matchId, 2);
    const m = await meta(matchId);
    const host = cluster.peer(m.host);
    const shadow = cluster.peer(m.shadow!);
    host.proc!.kill('SIGSTOP');
    try {
      await waitFor('shadow took over', async () => (await tools.log(shadow, matchId))?.role === 'host', 15_000, 100);
    } finally {
      host.proc!.kill('SIGCONT');
    }
    // The old host, back, must refuse a move signed for the old epoch.
    const signer = tools.signer();
    const view = [...a.updates, ...b.updates].sort((x, y) => (y.eventSeq as number) - (x.eventSeq as number))[0];
    const mover = view.turn === a.id ? a : b;
    const cmd = signer.sign({ matchId, epoch: m.epoch, playerId: mover.id, type: 'JOGAR' as const, data: { cardId: mover.hand[0]?.id ?? 'x' }, requestId: 'stale-1' });
    const r = await waitFor('old host answers', async () => (await tools.call(host, 'POST', '/game/event', cmd).catch(() => null)) ?? null, 10_000);
    expect(r.status).not.toBe(200);
    expect(['STALE_EPOCH', 'NOT_HOST']).toContain(r.body.error);
    const newLog = (await tools.log(shadow, matchId))!;
    expect(newLog.events.some((e) => e.signature && (e as { requestId?: string }).requestId === 'stale-1')).toBe(false);
    a.resume();
    b.resume();
    await verify(a, b, matchId, shadow);
  }, 120_000);
});
