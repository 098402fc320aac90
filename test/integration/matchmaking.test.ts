// Matchmaking across real node processes with real MQTT players: a burst of 20 players over
// 3 peers makes exactly 10 matches, SAIR_FILA and disconnects remove, a lone player waits
// (never dropped) until someone arrives elsewhere, a player in a match cannot queue, and the
// peer REST endpoints are idempotent and authenticated.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TestCluster, waitFor, type Peer } from '../support/peer.ts';
import { TestPlayer, type AnyEvent } from '../support/player.ts';
import { getJson } from '../support/http.ts';
import { MatchTools } from '../support/matches.ts';

interface Fila {
  node: string;
  entries: { playerId: string; state: string; leaving: boolean }[];
  reservations: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('matchmaking across peers (real processes)', () => {
  let cluster: TestCluster;
  let tools: MatchTools;
  const open: TestPlayer[] = [];
  /** Players left in an active match by the first test. */
  const matched: { player: TestPlayer; matchId: string; peer: number }[] = [];

  const fila = async (peer: Peer): Promise<Fila> => (await tools.call(peer, 'GET', '/matchmaking/fila')).body as unknown as Fila;
  const connect = async (peer: Peer, player = TestPlayer.fresh()): Promise<TestPlayer> => {
    await player.connect(peer.mqttUrl);
    open.push(player);
    return player;
  };
  const found = (p: TestPlayer): AnyEvent[] => p.events.filter((e) => e.type === 'PARTIDA_ENCONTRADA');

  beforeAll(async () => {
    cluster = await TestCluster.start(3);
    const clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
    tools = new MatchTools(cluster, clusterId);
    await waitFor('a leader', async () => (await tools.call(cluster.peers[0], 'GET', '/estoque/status')).body.leader, 15_000);
    // Every peer must see the others alive, or searches would skip them.
    await waitFor('all peers alive everywhere', async () => {
      const views = await Promise.all(cluster.peers.map((p) => getJson<{ alive: boolean }[]>(`${p.url}/servers`)));
      return views.every((v) => v.body.length === 3 && v.body.every((s) => s.alive));
    }, 15_000);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((p) => p.close()));
    await cluster?.stop();
  });

  it('20 players joining at once over 3 peers make exactly 10 matches, each player in exactly one', async () => {
    const players = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(cluster.peers[i % 3])));
    const matches = players.map((p) => p.next((e) => e.type === 'PARTIDA_ENCONTRADA', 30_000));
    const replies = await Promise.all(players.map((p) => p.request({ type: 'ENTRAR_FILA' }, 10_000)));
    for (const r of replies) expect(r.type).toBe('AGUARDANDO_OPONENTE');
    const events = await Promise.all(matches);

    // Nobody is told twice, even after every late retry and reservation has settled.
    await sleep(2000);
    for (const p of players) expect(found(p), `PARTIDA_ENCONTRADA for ${p.playerId}`).toHaveLength(1);

    // Pairs agree on the match and on each other.
    const byMatch = new Map<string, string[]>();
    events.forEach((e, i) => byMatch.set(e.matchId as string, [...(byMatch.get(e.matchId as string) ?? []), players[i].playerId]));
    expect(byMatch.size).toBe(10);
    for (const ids of byMatch.values()) expect(ids).toHaveLength(2);
    events.forEach((e, i) => {
      const mine = byMatch.get(e.matchId as string)!;
      expect(e.opponentId).toBe(mine.find((id) => id !== players[i].playerId));
      expect(e.host).not.toBe(e.shadow);
    });

    // The ledger agrees: every player's active match, read by a second connection on another peer.
    for (const [i, p] of players.entries()) {
      const other = cluster.peers[(i + 1) % 3];
      const twin = new TestPlayer(p.playerId, p.token);
      const welcome = await waitFor(`ledger shows ${p.playerId.slice(0, 8)} in its match`, async () => {
        const w = await twin.connect(other.mqttUrl);
        await twin.close();
        return w?.activeMatchId === events[i].matchId ? w : null;
      }, 10_000, 200);
      expect(welcome.activeMatchId).toBe(events[i].matchId);
      matched.push({ player: p, matchId: events[i].matchId as string, peer: i % 3 });
    }

    // And the host holds each match with these two players.
    for (const [matchId, ids] of byMatch) {
      const e = events[players.findIndex((p) => p.playerId === ids[0])];
      const log = await tools.log(cluster.peer(e.host as string), matchId);
      expect(log?.role).toBe('host');
      const start = log!.events[0] as unknown as { type: string; players: { id: string }[] };
      expect(start.type).toBe('MATCH_START');
      expect(start.players.map((x) => x.id).sort()).toEqual([...ids].sort());
    }

    // Queues are empty and no reservation is left anywhere.
    await waitFor('empty queues', async () => {
      const fs = await Promise.all(cluster.peers.map(fila));
      return fs.every((f) => f.entries.length === 0 && f.reservations === 0);
    }, 40_000, 250);
  }, 120_000);

  it('ENTRAR_FILA while in a match is refused with PLAYER_IN_MATCH', async () => {
    const { player } = matched[0];
    expect(await player.request({ type: 'ENTRAR_FILA' })).toMatchObject({ type: 'ERRO', code: 'PLAYER_IN_MATCH' });
    expect((await Promise.all(cluster.peers.map(fila))).every((f) => f.entries.length === 0)).toBe(true);
  });

  it('SAIR_FILA removes the player; joining twice queues once; leaving twice is NOT_QUEUED', async () => {
    const p = await connect(cluster.peers[0]);
    expect(await p.request({ type: 'ENTRAR_FILA' })).toMatchObject({ type: 'AGUARDANDO_OPONENTE' });
    expect(await p.request({ type: 'ENTRAR_FILA' })).toMatchObject({ type: 'AGUARDANDO_OPONENTE' });
    expect((await fila(cluster.peers[0])).entries.filter((e) => e.playerId === p.playerId)).toHaveLength(1);
    const left = await p.request({ type: 'SAIR_FILA', requestId: 'leave-1' });
    expect(left).toEqual({ type: 'FILA_CANCELADA', requestId: 'leave-1' });
    expect((await fila(cluster.peers[0])).entries).toEqual([]);
    expect(await p.request({ type: 'SAIR_FILA' })).toMatchObject({ type: 'ERRO', code: 'NOT_QUEUED' });
  });

  it('a player who disconnects leaves its queue', async () => {
    const p = await connect(cluster.peers[1]);
    await p.request({ type: 'ENTRAR_FILA' });
    expect((await fila(cluster.peers[1])).entries.map((e) => e.playerId)).toEqual([p.playerId]);
    await p.close();
    await waitFor('the queue to forget it', async () => (await fila(cluster.peers[1])).entries.length === 0, 5000);
  });

  it('a player queued alone stays queued, then is matched with a player arriving on another peer', async () => {
    const lonely = await connect(cluster.peers[1]);
    await lonely.request({ type: 'ENTRAR_FILA' });
    // Longer than a reservation's lifetime and many search rounds: still there, still unmatched.
    await sleep(6000);
    const f = await fila(cluster.peers[1]);
    expect(f.entries.map((e) => e.playerId)).toEqual([lonely.playerId]);
    expect(found(lonely)).toHaveLength(0);

    const late = await connect(cluster.peers[2]);
    const [ml, mlate] = [lonely.next((e) => e.type === 'PARTIDA_ENCONTRADA', 15_000), late.next((e) => e.type === 'PARTIDA_ENCONTRADA', 15_000)];
    await late.request({ type: 'ENTRAR_FILA' });
    const [a, b] = await Promise.all([ml, mlate]);
    expect(a.matchId).toBe(b.matchId);
    expect(a.opponentId).toBe(late.playerId);
    expect(b.opponentId).toBe(lonely.playerId);
    // The node whose request found the opponent hosts; the other player's node shadows.
    expect([a.host, a.shadow].sort()).toEqual(['p2', 'p3']);
    await waitFor('empty queues', async () => (await Promise.all(cluster.peers.map(fila))).every((x) => x.entries.length === 0), 10_000);
  }, 40_000);

  it('solicitar_oponente / confirmar_partida: authenticated, validated, idempotent, and a release gives the player back', async () => {
    const peer = cluster.peers[1]; // p2
    const x = await connect(peer);
    await x.request({ type: 'ENTRAR_FILA' });
    const ask = { requestId: 't-1', playerId: 'remote-player', playerName: 'Remote', origin: 'p1' };
    // Only p1 may speak for p1; a bad body is a 400.
    expect((await tools.call(peer, 'POST', '/matchmaking/solicitar_oponente', ask, 'p3')).status).toBe(403);
    expect((await tools.call(peer, 'POST', '/matchmaking/solicitar_oponente', { ...ask, origin: 42 }, 'p1')).status).toBe(400);
    expect((await tools.call(peer, 'POST', '/matchmaking/confirmar_partida', { requestId: 't-1', commit: 'yes' }, 'p1')).status).toBe(400);

    const first = await tools.call(peer, 'POST', '/matchmaking/solicitar_oponente', ask, 'p1');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ partida_encontrada: true, oponente_id: x.playerId, servidor_host: 'p2' });
    const again = await tools.call(peer, 'POST', '/matchmaking/solicitar_oponente', ask, 'p1');
    expect(again.body).toEqual(first.body);
    expect((await tools.call(peer, 'POST', '/matchmaking/solicitar_oponente', { ...ask, requestId: 't-2' }, 'p1')).body).toEqual({ partida_encontrada: false });
    expect((await fila(peer)).entries).toMatchObject([{ playerId: x.playerId, state: 'reserved' }]);

    const sala = first.body.sala_id as string;
    const confirm = (body: object, as = 'p1') => tools.call(peer, 'POST', '/matchmaking/confirmar_partida', body, as);
    expect((await confirm({ requestId: 't-1', sala_id: sala, commit: false }, 'p3')).body).toEqual({ status: 'unknown' });
    expect((await confirm({ requestId: 't-9', sala_id: sala, commit: false })).body).toEqual({ status: 'unknown' });
    expect((await confirm({ requestId: 't-1', sala_id: sala, commit: false })).body).toEqual({ status: 'released' });
    expect((await confirm({ requestId: 't-1', sala_id: sala, commit: false })).body).toEqual({ status: 'released' });
    expect((await fila(peer)).entries.map((e) => e.playerId)).toEqual([x.playerId]);
    expect((await fila(peer)).entries[0].state).not.toBe('reserved');
    // The offer is over: a retry of t-1 reserves nothing.
    expect((await tools.call(peer, 'POST', '/matchmaking/solicitar_oponente', ask, 'p1')).body).toEqual({ partida_encontrada: false });

    // A reservation never confirmed expires on its own (5 s) and the player waits again.
    const held = await tools.call(peer, 'POST', '/matchmaking/solicitar_oponente', { ...ask, requestId: 't-3' }, 'p1');
    expect(held.body.partida_encontrada).toBe(true);
    await waitFor('the reservation to expire', async () => (await fila(peer)).entries[0]?.state !== 'reserved', 8000, 200);
    expect((await fila(peer)).entries.map((e) => e.playerId)).toEqual([x.playerId]);
    expect((await confirm({ requestId: 't-3', sala_id: held.body.sala_id, commit: false })).body).toEqual({ status: 'expired' });

    expect(await x.request({ type: 'SAIR_FILA' })).toMatchObject({ type: 'FILA_CANCELADA' });
    expect(found(x)).toHaveLength(0);
  }, 40_000);
});
