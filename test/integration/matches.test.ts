// Matches across real peers: a whole cross-peer match, host and shadow logs identical,
// illegal moves, forged/replayed/stale replication, and a third peer relaying a match.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TestCluster } from '../support/peer.ts';
import { waitFor } from '../support/peer.ts';
import { MatchTools, gapless } from '../support/matches.ts';
import { replay, stateHash } from '../../server/game/index.ts';
import { bareEvent } from '../../server/match/signing.ts';

describe('matches across peers (real processes)', () => {
  let tools: MatchTools;
  let cluster: TestCluster;

  beforeAll(async () => {
    tools = await MatchTools.start(['--turn-ms', '20000']);
    cluster = tools.cluster;
  }, 60_000);
  afterAll(async () => {
    await tools?.stop();
  });

  it('a cross-peer match is played to the end; both see the same result; host and shadow logs are identical', async () => {
    const { a, b, matchId } = await tools.pair(cluster.peers[0], cluster.peers[1]);
    await Promise.all([a.buyHand(), b.buyHand()]);
    const [ea, eb] = await Promise.all([a.waitEnd(), b.waitEnd()]);
    expect(ea).toEqual(eb);
    expect(ea.matchId).toBe(matchId);
    const scores = ea.scores as Record<string, number>;
    expect(Object.keys(scores).sort()).toEqual([a.id, b.id].sort());
    // Host and shadow hold the same signed log.
    const first = (await tools.log(cluster.peers[0], matchId)) ?? (await tools.log(cluster.peers[1], matchId));
    expect(first).not.toBeNull();
    const host = cluster.peer(first!.host);
    const shadow = cluster.peer(first!.shadow!);
    const [hl, sl] = await Promise.all([tools.log(host, matchId), tools.log(shadow, matchId)]);
    expect(hl!.role).toBe('host');
    expect(sl!.role).toBe('shadow');
    expect(sl!.events).toEqual(hl!.events);
    expect(gapless(hl!.events)).toBe(true);
    expect(hl!.events.filter((e) => e.type === 'CARD_PLAYED')).toHaveLength(10);
    // Replaying the log reproduces the same state hash, on both sides.
    const replayed = replay(hl!.events.map((e) => bareEvent(e)!));
    expect(stateHash(replayed)).toBe(hl!.stateHash);
    expect(sl!.stateHash).toBe(hl!.stateHash);
    // A hand stays private: each player only ever got its own MAO.
    for (const [me, other] of [[a, b], [b, a]] as const) {
      const otherCards = new Set(replayed.tricks.flatMap((t) => t.cards.filter((c) => c.playerId === other.id).map((c) => c.card.id)));
      for (const e of me.player.events.filter((x) => x.type === 'MAO')) {
        for (const c of e.hand as { id: string }[]) expect(otherCards.has(c.id)).toBe(false);
      }
    }
    // The result is in the ledger: the leaderboard counts it.
    const rank = await a.player.request({ type: 'RANKING' });
    const row = (rank.entries as { playerId: string; wins: number; losses: number; draws: number }[]).find((r) => r.playerId === a.id);
    expect(row && row.wins + row.losses + row.draws).toBe(1);
    // A finished match outlives its runtime: after a restart the shadow serves it from disk.
    await shadow.stop();
    await shadow.start();
    const stored = (await tools.log(shadow, matchId))!;
    expect(stored.role).toBe('stored');
    expect(stored.events).toEqual(hl!.events);
    expect(stored.stateHash).toBe(hl!.stateHash);
  }, 120_000);

  it('illegal moves get specific ERRO codes', async () => {
    const { a, b, matchId } = await tools.pair(cluster.peers[1], cluster.peers[2]);
    a.autoplay = false;
    b.autoplay = false;
    // Wrong phase: playing before hands are set.
    expect(await a.player.request({ type: 'JOGAR', cardId: 'nope' })).toMatchObject({ type: 'ERRO', code: 'WRONG_PHASE' });
    await Promise.all([a.buyHand(), b.buyHand()]);
    await waitFor('JOGANDO', () => a.updates.some((u) => u.phase === 'JOGANDO') && a.hand.length === 5 && b.hand.length === 5);
    const view = a.updates.filter((u) => u.phase === 'JOGANDO').pop()!;
    const [onTurn, waiting] = view.turn === a.id ? [a, b] : [b, a];
    expect(await waiting.player.request({ type: 'JOGAR', cardId: waiting.hand[0].id })).toMatchObject({ type: 'ERRO', code: 'NOT_YOUR_TURN' });
    expect(await onTurn.player.request({ type: 'JOGAR', cardId: waiting.hand[0].id })).toMatchObject({ type: 'ERRO', code: 'CARD_NOT_IN_HAND' });
    expect(await onTurn.player.request({ type: 'COMPRAR' }, 10_000)).toMatchObject({ type: 'PACOTE_RESULTADO' }); // an ordinary purchase now
    const host = cluster.peer(view.host as string);
    const before = (await tools.log(host, matchId))!.eventSeq;
    // A hand is chosen once.
    expect(await onTurn.player.request({ type: 'PRONTO', cardIds: onTurn.hand.map((c) => c.id) })).toMatchObject({ type: 'ERRO' });
    expect((await tools.log(host, matchId))!.eventSeq).toBe(before);
    a.resume();
    b.resume();
    await Promise.all([a.waitEnd(), b.waitEnd()]);
    // A finished match takes no moves.
    // MATCH_FINISHED while the ledger has not yet recorded the end, NOT_IN_MATCH after.
    const late = await a.player.request({ type: 'JOGAR', cardId: a.hand[0]?.id ?? 'x' });
    expect(late).toMatchObject({ type: 'ERRO' });
    expect(['MATCH_FINISHED', 'NOT_IN_MATCH']).toContain(late.code);
  }, 90_000);

  it('forged, replayed, skipped and stale replication is refused and changes nothing', async () => {
    const { a, b, matchId } = await tools.pair(cluster.peers[0], cluster.peers[2]);
    a.autoplay = false;
    b.autoplay = false;
    await Promise.all([a.buyHand(), b.buyHand()]);
    await waitFor('JOGANDO', () => a.updates.some((u) => u.phase === 'JOGANDO'));
    const meta = (await tools.log(cluster.peers[0], matchId)) ?? (await tools.log(cluster.peers[2], matchId));
    const host = cluster.peer(meta!.host);
    const shadow = cluster.peer(meta!.shadow!);
    const hostLog = (await tools.log(host, matchId))!;
    const shadowBefore = (await tools.log(shadow, matchId))!;
    const signer = tools.signer();
    const last = hostLog.events[hostLog.events.length - 1];
    const chat = { type: 'CHAT', seq: hostLog.eventSeq + 1, at: Date.now(), playerId: a.id, text: 'forged' };
    const good = signer.signEvent(chat as never, matchId, hostLog.epoch);
    const body = (events: unknown[], extra: Record<string, unknown> = {}) => ({ matchId, epoch: hostLog.epoch, fromSeq: (events[0] as { eventSeq: number }).eventSeq, events, stateHash: 'x', ...extra });
    // Not from the host (the token names a member that does not host it): forbidden.
    const notHost = cluster.peers.find((p) => p.id !== hostLog.host)!.id;
    expect((await tools.call(shadow, 'POST', '/game/replicate', body([good]), notHost)).status).toBe(403);
    // From "the host" but tampered after signing.
    const tampered = { ...good, text: 'changed' };
    const r1 = await tools.call(shadow, 'POST', '/game/replicate', body([tampered]), host.id);
    expect(r1.status).toBe(400);
    expect(r1.body.error).toBe('BAD_SIGNATURE');
    // Replayed: the last event again as if new.
    const r2 = await tools.call(shadow, 'POST', '/game/replicate', body([last], { fromSeq: last.eventSeq + 1 }), host.id);
    expect(r2.status).toBe(409);
    expect(r2.body.error).toBe('BAD_SEQUENCE');
    // Skipped eventSeq.
    const skip = signer.signEvent({ ...chat, seq: hostLog.eventSeq + 2 } as never, matchId, hostLog.epoch);
    const r3 = await tools.call(shadow, 'POST', '/game/replicate', body([skip]), host.id);
    expect(r3.status).toBe(409);
    expect(r3.body.error).toBe('BAD_SEQUENCE');
    // Stale epoch.
    const r4 = await tools.call(shadow, 'POST', '/game/replicate', body([good], { epoch: hostLog.epoch - 1 || 0 }), host.id);
    expect([400, 409]).toContain(r4.status);
    // /game/event with a bad signature or a stale epoch.
    const ev = signer.sign({ matchId, epoch: hostLog.epoch, playerId: a.id, type: 'CHAT', data: { text: 'hi' } });
    const r5 = await tools.call(host, 'POST', '/game/event', { ...ev, data: { text: 'other' } });
    expect(r5.status).toBe(400);
    expect(r5.body.error).toBe('BAD_SIGNATURE');
    const stale = signer.sign({ matchId, epoch: hostLog.epoch + 7, playerId: a.id, type: 'CHAT', data: { text: 'hi' } });
    const r6 = await tools.call(host, 'POST', '/game/event', stale);
    expect(r6.status).toBe(409);
    expect(r6.body.error).toBe('STALE_EPOCH');
    // Nothing changed on either side.
    expect((await tools.log(shadow, matchId))!.events).toEqual(shadowBefore.events);
    expect((await tools.log(host, matchId))!.eventSeq).toBe(hostLog.eventSeq);
    a.resume();
    b.resume();
    await Promise.all([a.waitEnd(), b.waitEnd()]);
  }, 90_000);

  it('a player who moves to a third peer keeps getting every update', async () => {
    const { a, b, matchId } = await tools.pair(cluster.peers[0], cluster.peers[0]);
    await Promise.all([a.buyHand(), b.buyHand()]);
    const meta = (await tools.log(cluster.peers[0], matchId))!;
    const third = cluster.peers.find((p) => p.id !== meta.host && p.id !== meta.shadow)!;
    expect(meta.host).toBe('p1');
    // b leaves p1 and reconnects to the third peer (neither host nor shadow).
    b.autoplay = false;
    await b.player.close();
    b.stopped = true;
    const welcome = await b.player.connect(third.mqttUrl);
    expect(welcome?.activeMatchId).toBe(matchId);
    b.stopped = false;
    (b as unknown as { wire(): void }).wire();
    expect(await b.player.subscribeMatch(matchId)).not.toBe(128);
    b.resume();
    const [ea, eb] = await Promise.all([a.waitEnd(), b.waitEnd()]);
    expect(eb).toEqual(ea);
  }, 90_000);
});
