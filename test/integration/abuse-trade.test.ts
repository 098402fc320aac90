// Hand privacy against real node processes (docs/security.md): a player probing its
// opponent's cards with PROPOR_TROCA mid-match gets the same answer for a card in the
// opponent's hand as for any other card the opponent owns, and the trade of a hand card is
// refused only when it is accepted — with "a card is not available", nothing moved. The
// same match shows CHAT's rate limit (its own bucket, stricter than moves).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { TestCluster, waitFor, type Peer } from '../support/peer.ts';
import { TestPlayer, type AnyEvent } from '../support/player.ts';
import { getJson } from '../support/http.ts';
import { StockClient, type Card } from '../support/stock.ts';

describe('hand privacy (real processes)', () => {
  let cluster: TestCluster;
  let stock: StockClient;
  let p1: Peer, p2: Peer;
  let A: TestPlayer, B: TestPlayer;
  let aCards: Card[], bOwned: Card[], bHand: Card[];
  let matchId: string;

  beforeAll(async () => {
    // --rate-limit-scale 2 (after the raised test default): real buckets, twice the size, so
    // the probes below fit in the ledger bucket and CHAT's limit shows at 10.
    cluster = await TestCluster.start(3, ['--turn-ms', '600000', '--forfeit-ms', '600000', '--rate-limit-scale', '2']);
    [p1, p2] = cluster.peers;
    stock = new StockClient(cluster, (await getJson<{ clusterId: string }>(`${p1.url}/health`)).body.clusterId);
    await waitFor('a leader', () => stock.leader(), 15_000);
    A = TestPlayer.fresh();
    B = TestPlayer.fresh();
    await A.connect(p1.mqttUrl);
    await B.connect(p2.mqttUrl);
    aCards = ((await A.request({ type: 'COMPRAR' }, 15_000)).cards as Card[]);
    bOwned = ((await B.request({ type: 'COMPRAR' }, 15_000)).cards as Card[]);
    // A match between A and B; B's hand is a new pack (locked while the match runs).
    const found = [A.next((e) => e.type === 'PARTIDA_ENCONTRADA', 20_000), B.next((e) => e.type === 'PARTIDA_ENCONTRADA', 20_000)];
    expect((await A.request({ type: 'ENTRAR_FILA' }, 10_000)).type).toBe('AGUARDANDO_OPONENTE');
    expect((await B.request({ type: 'ENTRAR_FILA' }, 10_000)).type).toBe('AGUARDANDO_OPONENTE');
    matchId = (await Promise.all(found))[0].matchId as string;
    const pack = await B.request({ type: 'COMPRAR' }, 15_000);
    expect(pack.type).toBe('PACOTE_RESULTADO');
    bHand = pack.cards as Card[];
    await B.next((e) => e.type === 'MAO', 10_000).catch(() => null);
    await waitFor('every peer knows B owns its hand', async () => {
      const views = await Promise.all(cluster.peers.map((p) => stock.cards(p, B.playerId)));
      return views.every((v) => bHand.every((h) => v.some((c) => c.id === h.id)));
    }, 10_000);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([A?.close(), B?.close()]);
    await cluster?.stop();
  });

  /** The answer with what varies by construction (ids, the cards named) masked out. */
  const shape = (e: AnyEvent) => ({ ...e, requestId: '·', tradeId: '·', offerCard: '·', wantCard: '·', message: e.message === undefined ? undefined : '·' });

  it('PROPOR_TROCA answers alike for a card in the opponent\'s hand and one it merely owns', async () => {
    const probes: [string, Card][] = [];
    for (let i = 0; i < 4; i++) probes.push(['hand', bHand[i]], ['owned', bOwned[i]]);
    const answers: Record<string, AnyEvent[]> = { hand: [], owned: [] };
    for (const [kind, want] of probes) {
      const offer = aCards[probes.findIndex((p) => p[1] === want) % aCards.length];
      answers[kind].push(await A.request({ type: 'PROPOR_TROCA', toPlayerId: B.playerId, offerCardId: offer.id, wantCardId: want.id }, 15_000));
    }
    for (const e of [...answers.hand, ...answers.owned]) expect(e.type).toBe('TROCA_ENVIADA');
    expect(answers.hand.map(shape)).toEqual(answers.owned.map(shape));
    // A card B does not own gets the same refusal whatever it is.
    const notOwned = await A.request({ type: 'PROPOR_TROCA', toPlayerId: B.playerId, offerCardId: aCards[0].id, wantCardId: aCards[1].id }, 15_000);
    expect(notOwned).toMatchObject({ type: 'ERRO', code: 'CARD_NOT_OWNED' });
    expect(JSON.stringify(notOwned)).not.toMatch(/hand|m[aã]o|match|partida/i);
  });

  it('accepting the trade of a hand card is refused then ("a card is not available"), and nothing moves', async () => {
    const bHearsOffer = B.next((e) => e.type === 'TROCA_PROPOSTA' && (e.offerCard as Card | undefined)?.id === aCards[4].id, 15_000);
    const offered = (await A.request({ type: 'PROPOR_TROCA', toPlayerId: B.playerId, offerCardId: aCards[4].id, wantCardId: bHand[4].id }, 15_000)) as AnyEvent & { tradeId: string };
    expect(offered.type).toBe('TROCA_ENVIADA');
    await bHearsOffer; // B's own peer knows the offer before B answers it
    const before = [await stock.cards(p1, A.playerId), await stock.cards(p1, B.playerId)];
    const aHears = A.next((e) => e.type === 'TROCA_RECUSADA' && e.tradeId === offered.tradeId, 15_000);
    const reply = await B.request({ type: 'RESPONDER_TROCA', tradeId: offered.tradeId, accept: true }, 15_000);
    expect(reply).toMatchObject({ type: 'ERRO', code: 'CARD_UNAVAILABLE' });
    const heard = await aHears;
    expect(heard).toMatchObject({ type: 'TROCA_RECUSADA', reason: 'CARD_UNAVAILABLE' });
    expect(JSON.stringify([reply, heard])).not.toMatch(/IN_MATCH|hand|m[aã]o/i);
    for (const p of cluster.peers) {
      await waitFor(`${p.id} caught up`, async () => JSON.stringify([await stock.cards(p, A.playerId), await stock.cards(p, B.playerId)]) === JSON.stringify(before), 10_000);
    }
    // Accepting again: the offer is closed, and still says no more than that.
    const again = await B.request({ type: 'RESPONDER_TROCA', tradeId: offered.tradeId, accept: true }, 15_000);
    expect(again).toMatchObject({ type: 'ERRO', code: 'TRADE_CLOSED' });
    expect(again.message).toContain('CARD_UNAVAILABLE');
    expect(JSON.stringify(again)).not.toMatch(/IN_MATCH|hand/i);
    // The control: a trade of a card B owns outside the match goes through.
    // B answers once its own peer told it of the offer (B's peer may apply the offer later).
    const bHears = B.next((e) => e.type === 'TROCA_PROPOSTA' && (e.offerCard as Card | undefined)?.id === aCards[3].id, 15_000);
    const ok = (await A.request({ type: 'PROPOR_TROCA', toPlayerId: B.playerId, offerCardId: aCards[3].id, wantCardId: bOwned[4].id }, 15_000)) as AnyEvent & { tradeId: string };
    await bHears;
    expect(await B.request({ type: 'RESPONDER_TROCA', tradeId: ok.tradeId, accept: true }, 15_000)).toMatchObject({ type: 'TROCA_CONCLUIDA' });
  });

  it('CHAT in the match: a burst past its bucket gets RATE_LIMITED and is not relayed', async () => {
    expect(await B.subscribeMatch(matchId)).toBe(0);
    const t0 = B.matchEvents.length;
    const replies = await Promise.all(Array.from({ length: 14 }, (_v, i) => A.request({ type: 'CHAT', text: `oi ${i}` }, 15_000)));
    const sent = replies.filter((r) => r.type === 'OK');
    const limited = replies.filter((r) => r.type === 'ERRO' && r.code === 'RATE_LIMITED');
    expect(sent.length).toBeGreaterThanOrEqual(10);
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(limited.length).toBe(14 - sent.length);
    // The opponent hears exactly the accepted ones.
    const heard = () => B.matchEvents.slice(t0).filter((e) => e.type === 'CHAT_RECEBIDO' && e.from === A.playerId);
    await waitFor('the chats relayed', () => heard().length >= sent.length, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(heard().length).toBe(sent.length);
    // Moves have their own bucket: A can still ping at once.
    expect(await A.request({ type: 'PING', t: 1 })).toMatchObject({ type: 'PONG' });
  });
});
