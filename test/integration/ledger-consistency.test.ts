// Ledger reads and hands you can trust, against real processes: the requestId reuse trick
// is refused (and a match hand can never be traded away), a restarted follower greets and
// lists a collection only once it is current, and a read that cannot be confirmed with a
// majority is an error, never a stale answer.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Peer, TestCluster } from '../support/peer.ts';
import { waitFor } from '../support/peer.ts';
import { MatchTools } from '../support/matches.ts';
import { MatchBot } from '../support/bot.ts';
import { TestPlayer, type AnyEvent } from '../support/player.ts';

interface Card {
  id: string;
}
const ids = (e: AnyEvent): string[] => ((e.cards as Card[] | undefined) ?? []).map((c) => c.id).sort();

describe('ledger consistency (real processes)', () => {
  let tools: MatchTools;
  let cluster: TestCluster;

  beforeAll(async () => {
    tools = await MatchTools.start(['--turn-ms', '20000']);
    cluster = tools.cluster;
  }, 60_000);
  afterAll(async () => {
    await tools?.stop();
  });

  const leader = async (): Promise<Peer> => {
    const id = await waitFor('a leader', async () => (await tools.call(cluster.peers[0], 'GET', '/estoque/status')).body.leader as string, 15_000);
    return cluster.peer(id);
  };
  const violations = async () => Promise.all(cluster.peers.map(async (p) => (await tools.call(p, 'GET', '/ledger/digest')).body.violations));

  /** Two bots on the given peers, connected but not yet queued. */
  async function bots(peerA: Peer, peerB: Peer): Promise<[MatchBot, MatchBot]> {
    const urls = cluster.peers.map((p) => p.mqttUrl);
    const a = new MatchBot(TestPlayer.fresh(), urls);
    const b = new MatchBot(TestPlayer.fresh(), urls);
    tools.bots.push(a, b);
    a.autoplay = false;
    b.autoplay = false;
    await a.connect(cluster.peers.indexOf(peerA));
    await b.connect(cluster.peers.indexOf(peerB));
    return [a, b];
  }
  async function match(a: MatchBot, b: MatchBot): Promise<string> {
    await Promise.all([a.queue(), b.queue()]);
    const [ma, mb] = await Promise.all([a.waitMatch(), b.waitMatch()]);
    expect(ma).toBe(mb);
    return ma;
  }

  it('a requestId reused inside a match is refused with DUPLICATE_REQUEST, and a hand card cannot be traded', async () => {
    const [a, b] = await bots(cluster.peers[0], cluster.peers[1]);
    // 1. An ordinary purchase outside any match, requestId X.
    const X = 'reuse-me';
    const outside = await a.player.request({ type: 'COMPRAR', requestId: X }, 15_000);
    expect(outside.type).toBe('PACOTE_RESULTADO');
    const matchId = await match(a, b);
    // 2. The same X inside the match awaiting purchases: refused, nothing becomes the hand.
    const reused = await a.player.request({ type: 'COMPRAR', requestId: X }, 15_000);
    expect(reused).toMatchObject({ type: 'ERRO', code: 'DUPLICATE_REQUEST' });
    expect(a.hand).toEqual([]);
    expect(ids(await a.player.request({ type: 'COLECAO' }))).toEqual(ids(outside));
    // The pack bought outside is still free to trade (so the refusals below mean something).
    const freeCard = (outside.cards as Card[])[0].id;
    // 3. Real hands, then the match stays unfinished (no moves).
    const handA = await a.buyHand();
    const handB = await b.buyHand();
    expect(ids(handA)).not.toEqual(ids(outside));
    expect(ids(handB)).toHaveLength(5);
    await waitFor('both hands set', () => a.hand.length === 5 && b.hand.length === 5, 15_000);
    expect(a.hand.map((c) => c.id).sort()).toEqual(ids(handA));
    // b also owns cards outside the match (an ordinary purchase once hands are set).
    const extraB = await b.player.request({ type: 'COMPRAR' }, 15_000);
    expect(extraB.type).toBe('PACOTE_RESULTADO');
    const bFree = (extraB.cards as Card[])[0].id;
    // 4. Trading a hand card is refused, offered by its owner or asked for by the other player.
    const offerHand = await a.player.request({ type: 'PROPOR_TROCA', toPlayerId: b.id, offerCardId: a.hand[0].id, wantCardId: bFree }, 15_000);
    expect(offerHand).toMatchObject({ type: 'ERRO' });
    expect(['CARD_IN_MATCH', 'CARD_UNAVAILABLE']).toContain(offerHand.code);
    // Asking for a card of the other's hand is answered as for any card (hands are private,
    // docs/security.md); the lock is checked when the owner accepts, and nothing moves.
    const wanted = a.hand[1].id;
    const aHearsOffer = a.player.next((e) => e.type === 'TROCA_PROPOSTA' && (e.wantCard as Card | undefined)?.id === wanted, 15_000);
    const wantHand = await b.player.request({ type: 'PROPOR_TROCA', toPlayerId: a.id, offerCardId: bFree, wantCardId: wanted }, 15_000);
    expect(wantHand.type).toBe('TROCA_ENVIADA');
    await aHearsOffer; // a's own peer knows the offer before a answers it
    const accepted = await a.player.request({ type: 'RESPONDER_TROCA', tradeId: wantHand.tradeId, accept: true }, 15_000);
    expect(accepted).toMatchObject({ type: 'ERRO', code: 'CARD_UNAVAILABLE' });
    expect(ids(await a.player.request({ type: 'COLECAO' }))).toContain(wanted);
    const fine = await a.player.request({ type: 'PROPOR_TROCA', toPlayerId: b.id, offerCardId: freeCard, wantCardId: bFree }, 15_000);
    expect(fine.type).toBe('TROCA_ENVIADA');
    // The ledger records the hand for this match and every replica agrees it is consistent.
    expect((await violations()).flat()).toEqual([]);
    expect(matchId).toBeTruthy();
    a.resume();
    b.resume();
    await Promise.all([a.waitEnd(), b.waitEnd()]);
  }, 120_000);

  it("a restarted follower's greeting and COLECAO are current", async () => {
    const [a, b] = await bots(cluster.peers[1], cluster.peers[2]);
    const matchId = await match(a, b);
    await Promise.all([a.buyHand(), b.buyHand()]);
    await waitFor('both hands set', () => a.hand.length === 5 && b.hand.length === 5, 15_000);
    // A follower that is neither host nor shadow of the match knows it as active...
    const meta = (await tools.log(cluster.peers[1], matchId)) ?? (await tools.log(cluster.peers[2], matchId));
    const l = await leader();
    const f = cluster.peers.find((p) => p.id !== meta!.host && p.id !== meta!.shadow && p.id !== l.id) ?? cluster.peers.find((p) => p.id !== meta!.host && p.id !== meta!.shadow)!;
    await waitFor('the follower sees the match', async () => (await tools.call(f, 'GET', `/ledger/players/${a.id}/cards`)).body.cards);
    // ...and is killed; meanwhile the match ends and the player buys more.
    f.kill9();
    await f.waitExit();
    a.resume();
    b.resume();
    await Promise.all([a.waitEnd(), b.waitEnd()]);
    for (let i = 0; i < 4; i++) expect((await a.player.request({ type: 'COMPRAR' }, 15_000)).type).toBe('PACOTE_RESULTADO');
    const truth = ids(await a.player.request({ type: 'COLECAO' }));
    expect(truth).toHaveLength(25);
    await a.close();
    // The follower restarts; the player connects to it at once.
    await f.start();
    const p = new TestPlayer(a.id, a.player.token);
    const welcome = (await p.connect(f.mqttUrl))!;
    try {
      expect(welcome.type).toBe('BEM_VINDO');
      expect(welcome.node).toBe(f.id);
      expect(welcome.activeMatchId).toBeUndefined(); // the match it knew as active is over
      expect(ids(await p.request({ type: 'COLECAO' }))).toEqual(truth);
      const st = await tools.call(f, 'GET', '/estoque/status?consistent=1');
      expect(st.status).toBe(200);
      expect(st.body.consistent).toBe(true);
      const atLeader = await tools.call(await leader(), 'GET', '/estoque/status?consistent=1');
      expect(st.body.sold).toBe(atLeader.body.sold);
    } finally {
      await p.close();
    }
  }, 120_000);

  it('POST /raft/read_index: only the leader answers, only members may ask', async () => {
    const l = await leader();
    const f = cluster.peers.find((p) => p !== l)!;
    const member = f.id;
    const before = (await tools.call(l, 'GET', '/estoque/status')).body.commitIndex as number;
    const ok = await tools.call(l, 'POST', '/raft/read_index', {}, member);
    expect(ok.status).toBe(200);
    expect(ok.body.index as number).toBeGreaterThanOrEqual(before);
    const elsewhere = await tools.call(f, 'POST', '/raft/read_index', {}, l.id);
    expect(elsewhere.status).toBe(503);
    expect(elsewhere.body.error).toBe('NOT_LEADER');
    const outsider = await tools.call(l, 'POST', '/raft/read_index', {}, 'test-client');
    expect(outsider.status).toBe(403);
    expect(outsider.body.error).toBe('NOT_A_MEMBER');
    const bad = await tools.call(l, 'POST', '/raft/read_index', { timeoutMs: -5 }, member);
    expect(bad.status).toBe(400);
    const anonymous = await fetch(`${l.url}/raft/read_index`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(anonymous.status).toBe(401);
  }, 30_000);

  it('a read that cannot be confirmed with a majority is UNAVAILABLE, never stale', async () => {
    const l = await leader();
    const p = TestPlayer.fresh();
    await p.connect(l.mqttUrl);
    const others = cluster.peers.filter((x) => x !== l);
    for (const o of others) o.proc!.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const st = await tools.call(l, 'GET', '/estoque/status?consistent=1');
      expect(st.status).toBe(503);
      expect(st.body.error).toBe('UNAVAILABLE');
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await tools.call(l, 'GET', '/estoque/status')).status).toBe(200); // the local read says what it is
      // The session's first COLECAO / RANKING is linearizable too.
      expect(await p.request({ type: 'COLECAO' }, 8000)).toMatchObject({ type: 'ERRO', code: 'UNAVAILABLE' });
      expect(await p.request({ type: 'RANKING' }, 8000)).toMatchObject({ type: 'ERRO', code: 'UNAVAILABLE' });
    } finally {
      for (const o of others) o.proc!.kill('SIGCONT');
    }
    await waitFor('reads again', async () => (await p.request({ type: 'COLECAO' }, 8000)).type === 'COLECAO', 20_000, 200);
    await p.close();
  }, 60_000);
});
