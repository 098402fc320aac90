// Every match ends: the turn timer plays the lowest card for a player who does not move,
// and a player whose connection is gone too long forfeits (docs/design.md §5).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestCluster } from '../support/peer.ts';
import { waitFor } from '../support/peer.ts';
import { MatchTools } from '../support/matches.ts';

describe('turn timer and disconnect forfeit', () => {
  let tools: MatchTools;
  let cluster: TestCluster;

  beforeAll(async () => {
    tools = await MatchTools.start(['--turn-ms', '800', '--forfeit-ms', '2500']);
    cluster = tools.cluster;
  }, 60_000);
  afterAll(async () => {
    await tools?.stop();
  });

  it('a player who does not move gets its lowest card played; the match ends anyway', async () => {
    const { a, b, matchId } = await tools.pair(cluster.peers[0], cluster.peers[1]);
    a.autoplay = false;
    b.autoplay = false;
    await Promise.all([a.buyHand(), b.buyHand()]);
    await waitFor('hands', () => a.hand.length === 5 && b.hand.length === 5);
    const handsAtStart = new Map([...a.hand, ...b.hand].map((c) => [c.id, c]));
    const [ea, eb] = await Promise.all([a.waitEnd(30_000), b.waitEnd(30_000)]);
    expect(eb).toEqual(ea);
    const log = (await tools.log(cluster.peers[0], matchId)) ?? (await tools.log(cluster.peers[1], matchId));
    const plays = log!.events.filter((e) => e.type === 'CARD_PLAYED') as unknown as { playerId: string; cardId: string; auto?: boolean }[];
    expect(plays).toHaveLength(10);
    expect(plays.every((p) => p.auto === true)).toBe(true);
    // Each automatic play was the player's lowest remaining card.
    const byPlayer = new Map<string, { id: string; value: number }[]>();
    for (const p of plays) {
      const list = byPlayer.get(p.playerId) ?? [];
      list.push(handsAtStart.get(p.cardId)!);
      byPlayer.set(p.playerId, list);
    }
    for (const [, cards] of byPlayer) {
      for (let i = 1; i < cards.length; i++) expect(cards[i].value).toBeGreaterThanOrEqual(cards[i - 1].value);
    }
  }, 60_000);

  it('a player whose connection is gone too long forfeits', async () => {
    const { a, b } = await tools.pair(cluster.peers[1], cluster.peers[2]);
    a.autoplay = false;
    b.autoplay = false;
    await Promise.all([a.buyHand(), b.buyHand()]);
    // b vanishes for good (no reconnection anywhere).
    b.stopped = true;
    await b.player.close();
    const end = await a.waitEnd(30_000);
    expect(end.reason).toBe('DESCONECTADO');
    expect(end.winnerId).toBe(a.id);
  }, 60_000);
});
