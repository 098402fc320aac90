// DESISTIR, HISTORICO and REPLAY against real peers: a player concedes, both players' histories
// record it from the ledger, and the replay is served (signatures verified) only to the match's
// players, only by a node that holds the log, with cards hidden until played.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { MatchTools } from '../support/matches.ts';
import { TestPlayer } from '../support/player.ts';
import { waitFor } from '../support/peer.ts';

describe('concede, history and replay (real processes)', () => {
  let tools: MatchTools;

  beforeAll(async () => {
    tools = await MatchTools.start(['--turn-ms', '20000']);
  }, 60_000);
  afterAll(async () => {
    await tools?.stop();
  });

  it('a concession ends the match for the other player; history and replay follow', async () => {
    const [p1, p2, p3] = tools.cluster.peers;
    const { a, b, matchId } = await tools.pair(p1, p2);
    a.autoplay = false;
    b.autoplay = false;
    await a.player.request({ type: 'PERFIL', name: 'Ana' });
    await b.player.request({ type: 'PERFIL', name: 'Bia' });
    await Promise.all([a.buyHand(), b.buyHand()]);

    const ok = await a.player.request({ type: 'DESISTIR' }, 10_000);
    expect(ok).toMatchObject({ type: 'OK', command: 'DESISTIR', matchId });
    const [ea, eb] = await Promise.all([a.waitEnd(), b.waitEnd()]);
    expect(ea).toMatchObject({ matchId, winnerId: b.id, reason: 'DESISTENCIA' });
    expect(eb).toEqual(ea);
    // Conceding again: there is no match any more.
    // MATCH_FINISHED while the ledger has not yet recorded the end, NOT_IN_MATCH after.
    const again = await a.player.request({ type: 'DESISTIR' }, 10_000);
    expect(again).toMatchObject({ type: 'ERRO' });
    expect(['MATCH_FINISHED', 'NOT_IN_MATCH']).toContain(again.code);

    await waitFor('history', async () => ((await a.player.request({ type: 'HISTORICO' })).entries as unknown[]).length > 0, 10_000);
    const ha = (await a.player.request({ type: 'HISTORICO' })).entries as Record<string, unknown>[];
    const hb = (await b.player.request({ type: 'HISTORICO' })).entries as Record<string, unknown>[];
    expect(ha[0]).toMatchObject({ matchId, opponentId: b.id, opponentName: 'Bia', result: 'lost', reason: 'DESISTENCIA', tricks: [0, 0] });
    expect(hb[0]).toMatchObject({ matchId, opponentId: a.id, opponentName: 'Ana', result: 'won' });
    expect(typeof ha[0].at).toBe('number'); // from the log (the host's MATCH_FINISHED may carry it too)

    const r = await a.player.request({ type: 'REPLAY', matchId }, 10_000);
    expect(r).toMatchObject({ type: 'REPLAY', matchId, node: p1.id });
    const events = r.events as { type: string; count?: number; cards?: unknown }[];
    expect(events[0].type).toBe('MATCH_START');
    expect(events.at(-1)!.type).toBe('FORFEIT');
    // Both hands were set, but no card was played: none is revealed.
    const hands = events.filter((e) => e.type === 'HAND_SET');
    expect(hands).toHaveLength(2);
    for (const h of hands) {
      expect(h.count).toBe(5);
      expect(h.cards).toBeUndefined();
    }
    expect(JSON.stringify(r)).not.toMatch(/"suit"/);
    expect((r.narrations as ({ key: string } | null)[]).at(-1)).toMatchObject({ key: 'FORFEIT', params: { player: a.id, winner: b.id } });

    // A stranger learns nothing; an unknown match neither.
    const c = TestPlayer.fresh();
    await c.connect(p3.mqttUrl);
    try {
      expect(await c.request({ type: 'REPLAY', matchId }, 10_000)).toMatchObject({ type: 'ERRO', code: 'NOT_IN_MATCH' });
      expect(await a.player.request({ type: 'REPLAY', matchId: 'no-such-match' })).toMatchObject({ type: 'ERRO', code: 'NOT_IN_MATCH' });
      // A peer that holds no log of the match says so.
      const again = new TestPlayer(a.id, a.player.token);
      await again.connect(p3.mqttUrl);
      try {
        expect(await again.request({ type: 'REPLAY', matchId }, 10_000)).toMatchObject({ type: 'ERRO', code: 'REPLAY_UNAVAILABLE' });
      } finally {
        await again.close();
      }
    } finally {
      await c.close();
    }
  });
});
