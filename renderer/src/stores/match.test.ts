import { afterEach, describe, expect, it } from 'vitest';
import type { AtualizacaoJogo } from '../../../protocol/events.ts';
import { matchEventsTopic } from '../../../protocol/topics.ts';
import { TRICK_BEAT_MS, useMatchStore } from './match.ts';
import { useConnectionStore } from './connection.ts';
import { usePlayerStore } from './player.ts';
import { connectedHarness, until } from '../testing/setup.ts';
import { flush } from '../testing/fake-network.ts';
import { card, hand5 } from '../testing/cards.ts';
import { readJson } from '../lib/storage.ts';

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function harness() {
  const h = await connectedHarness();
  const connection = useConnectionStore(h.pinia);
  cleanup = () => connection.disconnect();
  const me = usePlayerStore(h.pinia).playerId;
  return { ...h, connection, match: useMatchStore(h.pinia), me, n1: h.net.node('n1') };
}

function update(me: string, over: Partial<AtualizacaoJogo> = {}): AtualizacaoJogo {
  return {
    type: 'ATUALIZACAO_JOGO',
    matchId: 'm1',
    eventSeq: 3,
    phase: 'JOGANDO',
    round: 1,
    turn: me,
    table: [],
    scores: { [me]: 0, opp: 0 },
    handCounts: { [me]: 5, opp: 5 },
    message: 'Vez de você',
    host: 'n1',
    ...over,
  };
}

async function found(h: Awaited<ReturnType<typeof harness>>) {
  h.n1.activeMatch.set(h.me, 'm1');
  h.n1.emit(h.me, { type: 'PARTIDA_ENCONTRADA', matchId: 'm1', opponentId: 'opp', opponentName: 'Bruno', host: 'n1', shadow: 'n2' });
  await until(() => h.match.matchId === 'm1');
  await flush();
}

describe('match store', () => {
  it('queues: ENTRAR_FILA → AGUARDANDO_OPONENTE, then PARTIDA_ENCONTRADA starts the match and subscribes to its topic', async () => {
    const h = await harness();
    h.n1.handlers.ENTRAR_FILA = (_p, cmd) => ({ type: 'AGUARDANDO_OPONENTE', requestId: cmd.requestId });
    await h.match.joinQueue();
    expect(h.match.queue).toBe('queued');
    await found(h);
    expect(h.match.queue).toBe('idle');
    expect(h.match.inMatch).toBe(true);
    expect(h.match.opponentName).toBe('Bruno');
    expect([...h.n1.clients][0].subscriptions).toContain(matchEventsTopic('m1'));
    expect(readJson<{ matchId: string }>('match')?.matchId).toBe('m1');
  });

  it('ALREADY_QUEUED counts as queued; leaving answers FILA_CANCELADA', async () => {
    const h = await harness();
    h.n1.handlers.ENTRAR_FILA = (_p, cmd) => ({ type: 'ERRO', requestId: cmd.requestId, code: 'ALREADY_QUEUED', message: 'x' });
    await h.match.joinQueue();
    expect(h.match.queue).toBe('queued');
    h.n1.handlers.SAIR_FILA = (_p, cmd) => ({ type: 'FILA_CANCELADA', requestId: cmd.requestId });
    await h.match.leaveQueue();
    expect(h.match.queue).toBe('idle');
  });

  it('follows updates: hand, turn, timer, scores; ignores stale sequence numbers; remembers cards seen', async () => {
    const h = await harness();
    await found(h);
    h.n1.emit(h.me, { type: 'MAO', matchId: 'm1', hand: hand5('a') });
    h.n1.emit(h.me, update(h.me), 'match');
    await flush();
    expect(h.match.hand).toHaveLength(5);
    expect(h.match.myTurn).toBe(true);
    expect(h.match.turnDeadline).toBeGreaterThan(Date.now());
    const oppCard = card('b9', 77, 'ouros', 'Lobo');
    h.n1.emit(h.me, update(h.me, { eventSeq: 5, turn: 'opp', table: [{ playerId: 'opp', card: oppCard }], scores: { [h.me]: 1, opp: 0 } }), 'match');
    h.n1.emit(h.me, update(h.me, { eventSeq: 4, turn: h.me }), 'match'); // late duplicate
    await flush();
    expect(h.match.state?.eventSeq).toBe(5);
    expect(h.match.myTurn).toBe(false);
    expect(h.match.myScore).toBe(1);
    expect(h.match.seen.opp.map((c) => c.id)).toEqual(['b9']);
    // A card that closed a trick never sits on the table: it is remembered from lastTrick.
    const closing = card('b3', 12, 'copas', 'Tigre');
    h.n1.emit(h.me, update(h.me, { eventSeq: 6, turn: h.me, table: [], lastTrick: { cards: [{ playerId: h.me, card: hand5('a')[0] }, { playerId: 'opp', card: closing }] } } as never), 'match');
    await flush();
    expect(h.match.seen.opp.map((c) => c.id)).toEqual(['b9', 'b3']);
    expect(h.match.seen[h.me]).toBeUndefined();
  });

  it('plays a card only on its turn', async () => {
    const h = await harness();
    await found(h);
    h.n1.handlers.JOGAR = (_p, cmd) => ({ type: 'OK', requestId: cmd.requestId, command: 'JOGAR' });
    h.n1.emit(h.me, update(h.me, { turn: 'opp' }), 'match');
    await flush();
    await h.match.play('a0');
    expect(h.n1.lastSent('JOGAR')).toBeUndefined();
    h.n1.emit(h.me, update(h.me, { eventSeq: 4, turn: h.me }), 'match');
    await flush();
    await h.match.play('a0');
    expect(h.n1.lastSent('JOGAR')?.cardId).toBe('a0');
  });

  it('raises the failover banner when an update names a new host', async () => {
    const h = await harness();
    await found(h);
    h.n1.emit(h.me, update(h.me, { host: 'n1', epoch: 1 }), 'match');
    await flush();
    expect(h.match.failover).toBeNull();
    h.n1.emit(h.me, update(h.me, { eventSeq: 4, host: 'n2', epoch: 2, message: 'Partida movida para o servidor reserva n2' }), 'match');
    await flush();
    expect(h.match.failover).toMatchObject({ from: 'n1', to: 'n2' });
    expect(h.match.timeline.some((e) => e.kind === 'failover')).toBe(true);
  });

  it('raises the failover banner from the structured narration (host unknown before), never from the text', async () => {
    const h = await harness();
    h.n1.activeMatch.set(h.me, 'm1');
    // A sentence that mentions the reserve server is not a failover.
    h.n1.emit(h.me, update(h.me, { host: 'n3', message: 'Novo servidor reserva: n2.', narration: { key: 'SHADOW_CHANGED', params: { shadow: 'n2' } } }));
    await flush();
    expect(h.match.matchId).toBe('m1');
    expect(h.match.failover).toBeNull();
    h.n1.emit(h.me, update(h.me, { eventSeq: 4, host: 'n3', message: 'x', narration: { key: 'FAILOVER', params: { from: 'n1', to: 'n3', shadow: 'n2' } } }));
    await flush();
    expect(h.match.failover).toMatchObject({ from: 'n1', to: 'n3' });
    const entries = h.match.timeline.filter((e) => e.kind === 'failover' || e.kind === 'update');
    expect(entries.at(-1)).toMatchObject({ kind: 'failover', from: 'n1', host: 'n3' });
  });

  it('a closed trick stays on the table for a beat (the last one too, before the end screen)', async () => {
    const h = await harness();
    await found(h);
    const lead = card('a1', 30);
    const follow = card('b1', 20);
    h.n1.emit(h.me, update(h.me, { table: [{ playerId: h.me, card: lead }], turn: 'opp' }), 'match');
    await flush();
    expect(h.match.resolving).toBeNull();
    const lastTrick = { round: 5, leader: h.me, cards: [{ playerId: h.me, card: lead }, { playerId: 'opp', card: follow }], winnerId: h.me };
    h.n1.emit(
      h.me,
      update(h.me, { eventSeq: 4, phase: 'FINALIZADO', turn: null, lastTrick, narration: { key: 'MATCH_WON', params: { player: 'opp', card: follow, auto: false, round: 5, trickWinner: h.me, winner: h.me, won: 3, lost: 2 } } }),
      'match',
    );
    h.n1.emit(h.me, { type: 'FIM_DE_JOGO', matchId: 'm1', winnerId: h.me, winnerName: 'Ana', scores: { [h.me]: 3, opp: 2 }, reason: 'VITORIA' }, 'match');
    await flush();
    expect(h.match.resolving).toMatchObject({ round: 5, winnerId: h.me });
    expect(h.match.resolving?.cards.map((c) => c.card.id)).toEqual(['a1', 'b1']);
    const { useNavigationStore } = await import('./navigation.ts');
    usePlayerStore(h.pinia).name = 'Ana';
    expect(useNavigationStore(h.pinia).screen).toBe('match');
    await until(() => h.match.resolving === null, TRICK_BEAT_MS + 1500);
    expect(useNavigationStore(h.pinia).screen).toBe('end');
  });

  it('while the host is suspected dead there is no "your turn": no move is sent', async () => {
    const h = await harness();
    await found(h);
    h.n1.emit(h.me, { type: 'MAO', matchId: 'm1', hand: hand5('a') }, 'match');
    h.n1.emit(h.me, update(h.me, { host: 'n2' }), 'match');
    await flush();
    expect(h.match.myTurn).toBe(true);
    expect(h.match.hostSuspect).toBe(false);
    const { useClusterStore } = await import('./cluster.ts');
    useClusterStore(h.pinia).onStatus({ clusterId: 'c', node: 'n1', leader: 'n1', term: 2, at: Date.now(), stock: null, peers: [{ id: 'n2', address: 'http://n2', mqttPort: 1, alive: false, raftRole: 'follower' }] });
    expect(h.match.hostSuspect).toBe(true);
    await h.match.play(hand5('a')[0].id);
    expect(h.n1.lastSent('JOGAR')).toBeUndefined();
  });

  it('after its node dies, returns to the match from what the new node re-sends (BEM_VINDO, MAO, ATUALIZACAO_JOGO)', async () => {
    const h = await harness();
    h.connection.setKnownPeers([{ id: 'n2', address: 'http://n2.test', alive: true }]);
    await found(h);
    h.n1.emit(h.me, update(h.me, { host: 'n1' }), 'match');
    await flush();
    const n2 = h.net.node('n2');
    n2.activeMatch.set(h.me, 'm1');
    n2.greeting = (p) => [
      { topic: 'player', event: { type: 'MAO', matchId: 'm1', hand: hand5('a').slice(1) } },
      { topic: 'match', event: update(p, { eventSeq: 9, host: 'n2', epoch: 2, turn: p, message: 'Partida movida para o servidor reserva n2' }) },
    ];
    h.n1.kill();
    await until(() => h.connection.nodeId === 'n2');
    await until(() => h.match.state?.eventSeq === 9);
    const client = [...n2.clients][0];
    // The match topic is subscribed before the own-events topic, so the re-sent update is not missed.
    expect(client.subscriptions.indexOf(matchEventsTopic('m1'))).toBeLessThan(client.subscriptions.length - 1);
    expect(h.match.hand).toHaveLength(4);
    expect(h.match.failover?.to).toBe('n2');
    expect(h.match.timeline.some((e) => e.kind === 'reconnected')).toBe(true);
  });

  it('restores a match after a reload from localStorage and subscribes before greeting', async () => {
    const h = await connectedHarness({ connect: false });
    localStorage.setItem('trinca.match', JSON.stringify({ matchId: 'm7', opponentId: 'opp', opponentName: 'Bruno', host: 'n1', shadow: 'n2' }));
    const { startSession } = await import('../lib/session.ts');
    h.net.node('n1').activeMatch.set(usePlayerStore(h.pinia).playerId, 'm7');
    startSession(h.pinia, { connector: h.net.connector, url: 'ws://n1.test/mqtt', pollServers: false });
    const connection = useConnectionStore(h.pinia);
    cleanup = () => connection.disconnect();
    await until(() => connection.online);
    const match = useMatchStore(h.pinia);
    expect(match.matchId).toBe('m7');
    expect(match.opponentName).toBe('Bruno');
    expect([...h.net.node('n1').clients][0].subscriptions).toContain(matchEventsTopic('m7'));
  });

  it('a greeting without activeMatchId while in a match means it ended while we were away', async () => {
    const h = await harness();
    h.connection.setKnownPeers([{ id: 'n2', address: 'http://n2.test', alive: true }]);
    await found(h);
    h.n1.kill();
    await until(() => h.connection.nodeId === 'n2');
    await until(() => h.match.endedAway);
    expect(readJson('match')).toBeNull();
  });

  it('FIM_DE_JOGO shows the result; leaving returns to the lobby', async () => {
    const h = await harness();
    await found(h);
    h.n1.emit(h.me, { type: 'FIM_DE_JOGO', matchId: 'm1', winnerId: h.me, winnerName: 'Ana', scores: { [h.me]: 3, opp: 2 }, reason: 'VITORIA' }, 'match');
    await flush();
    expect(h.match.result?.winnerId).toBe(h.me);
    expect(h.match.inMatch).toBe(false);
    expect(readJson('match')).toBeNull();
    h.match.leave();
    expect(h.match.matchId).toBeNull();
  });

  it('chat messages go to the timeline with the sender name', async () => {
    const h = await harness();
    await found(h);
    h.n1.emit(h.me, { type: 'CHAT_RECEBIDO', matchId: 'm1', from: 'opp', fromName: 'Bruno', text: 'oi' }, 'match');
    await flush();
    const chat = h.match.timeline.find((e) => e.kind === 'chat');
    expect(chat).toMatchObject({ kind: 'chat', from: 'Bruno', text: 'oi', mine: false });
  });
});
