import { describe, it, expect } from 'vitest';
import { rarityOfValue, type Card, type Suit } from '../../protocol/cards.ts';
import {
  applyEvent,
  endSummary,
  firstLeader,
  handOf,
  initialState,
  lowestCard,
  publicView,
  reduce,
  replay,
  stateHash,
  turnExpired,
  validateCommand,
  type MatchCommand,
  type MatchEvent,
  type MatchState,
} from './index.ts';

const card = (id: string, value: number, suit: Suit = 'paus'): Card => ({ id, name: 'Mago', suit, value, rarity: rarityOfValue(value)! });

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Drives a match like a host would: every command validated, every event applied. */
class Table {
  state: MatchState = initialState();
  log: MatchEvent[] = [];
  t = 1_000;
  constructor(seed = 'seed-1') {
    this.push({
      seq: 1,
      at: this.t,
      type: 'MATCH_START',
      matchId: 'm1',
      players: [{ id: 'ana', name: 'Ana' }, { id: 'bia', name: 'Bia' }],
      seed,
      host: 'n1',
      shadow: 'n2',
      epoch: 1,
    });
  }
  push(e: MatchEvent): void {
    const r = applyEvent(deepFreeze(this.state), e);
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    this.state = r.state;
    this.log.push(e);
  }
  try(playerId: string, cmd: MatchCommand | Record<string, unknown>) {
    this.t += 10;
    return validateCommand(this.state, playerId, cmd, this.t);
  }
  do(playerId: string, cmd: MatchCommand): void {
    const r = this.try(playerId, cmd);
    if (!r.ok) throw new Error(`${r.code}: ${r.message}`);
    this.push(r.event);
  }
  hands(a: Card[], b: Card[]): void {
    this.do('ana', { type: 'SET_HAND', cards: a, source: 'PACK' });
    this.do('bia', { type: 'SET_HAND', cards: b, source: 'PRONTO' });
  }
  /** Plays the current trick: the leader plays `lead`'s card, the other `follow`'s. */
  trick(cards: Record<string, string>): void {
    for (let i = 0; i < 2; i++) this.do(this.state.turn!, { type: 'PLAY', cardId: cards[this.state.turn!] });
  }
}

const anaHand = [card('a1', 10), card('a2', 20), card('a3', 30), card('a4', 40), card('a5', 50)];
const biaHand = [card('b1', 15), card('b2', 25), card('b3', 35), card('b4', 45), card('b5', 5)];

describe('start and hands', () => {
  it('starts awaiting purchases with a leader drawn from the seed', () => {
    const t = new Table();
    expect(t.state).toMatchObject({ matchId: 'm1', phase: 'AGUARDANDO_COMPRA', round: 1, turn: null, eventSeq: 1, epoch: 1, host: 'n1' });
    expect(['ana', 'bia']).toContain(t.state.leader);
    expect(t.state.leader).toBe(new Table().state.leader);
    const leaders = new Set(Array.from({ length: 20 }, (_, i) => firstLeader(`s${i}`, [{ id: 'ana', name: 'A' }, { id: 'bia', name: 'B' }])));
    expect(leaders).toEqual(new Set(['ana', 'bia']));
  });

  it('enters JOGANDO when both hands are set, leader on turn, timer started', () => {
    const t = new Table();
    t.do('ana', { type: 'SET_HAND', cards: anaHand, source: 'PACK' });
    expect(t.state.phase).toBe('AGUARDANDO_COMPRA');
    t.do('bia', { type: 'SET_HAND', cards: biaHand, source: 'PRONTO' });
    expect(t.state.phase).toBe('JOGANDO');
    expect(t.state.turn).toBe(t.state.leader);
    expect(t.state.turnStartedAt).toBe(t.t);
    expect(t.state.handSource).toEqual({ ana: 'PACK', bia: 'PRONTO' });
  });

  it('refuses bad hands', () => {
    const t = new Table();
    const set = (p: string, cards: Card[]) => t.try(p, { type: 'SET_HAND', cards, source: 'PACK' });
    expect(set('ana', anaHand.slice(0, 4))).toMatchObject({ ok: false, code: 'BAD_HAND' });
    expect(set('ana', [...anaHand.slice(0, 4), anaHand[0]])).toMatchObject({ ok: false, code: 'BAD_HAND' });
    expect(set('ana', [...anaHand.slice(0, 4), { ...anaHand[0], value: 999 }])).toMatchObject({ ok: false, code: 'BAD_COMMAND' });
    t.do('ana', { type: 'SET_HAND', cards: anaHand, source: 'PACK' });
    expect(set('ana', biaHand)).toMatchObject({ ok: false, code: 'HAND_ALREADY_SET' });
    expect(set('bia', [...biaHand.slice(0, 4), anaHand[0]])).toMatchObject({ ok: false, code: 'BAD_HAND' });
    expect(set('eve', biaHand)).toMatchObject({ ok: false, code: 'NOT_IN_MATCH' });
  });
});

describe('tricks', () => {
  it('plays a full match: higher value wins, the winner leads, more tricks wins', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    const first = t.state.leader!;
    // Ana wins a5>b4, a4>b3, a3>b2; Bia wins b1>a1, a2<b... (b5=5 loses to a2=20).
    t.trick({ ana: 'a5', bia: 'b4' });
    expect(t.state.scores).toEqual({ ana: 1, bia: 0 });
    expect(t.state.leader).toBe('ana');
    expect(t.state.turn).toBe('ana');
    expect(t.state.round).toBe(2);
    expect(t.state.tricks[0]).toMatchObject({ round: 1, leader: first, winnerId: 'ana' });
    t.trick({ ana: 'a1', bia: 'b1' });
    expect(t.state.leader).toBe('bia');
    t.trick({ ana: 'a4', bia: 'b3' });
    t.trick({ ana: 'a3', bia: 'b2' });
    expect(t.state.round).toBe(5);
    t.trick({ ana: 'a2', bia: 'b5' });
    expect(t.state).toMatchObject({ phase: 'FINALIZADO', turn: null, scores: { ana: 4, bia: 1 }, result: { winnerId: 'ana', reason: 'VITORIA' } });
    expect(t.state.hands).toEqual({ ana: [], bia: [] });
    expect(endSummary(t.state)).toEqual({ matchId: 'm1', winnerId: 'ana', winnerName: 'Ana', scores: { ana: 4, bia: 1 }, reason: 'VITORIA' });
    expect(t.state.narration).toMatchObject({ key: 'MATCH_WON', params: { winner: 'ana', won: 4, lost: 1, round: 5 } });
    expect(publicView(t.state).message).toMatch(/Ana venceu por 4 a 1/);
  });

  it('breaks equal values by suit: espadas > copas > ouros > paus', () => {
    const pairs: [Suit, Suit][] = [['espadas', 'copas'], ['copas', 'ouros'], ['ouros', 'paus'], ['espadas', 'paus']];
    for (const [strong, weak] of pairs) {
      const t = new Table();
      const a = [card('a1', 30, weak), ...anaHand.slice(1)];
      const b = [card('b1', 30, strong), ...biaHand.slice(1)];
      t.hands(a, b);
      t.trick({ ana: 'a1', bia: 'b1' });
      expect(t.state.scores).toEqual({ ana: 0, bia: 1 });
      expect(t.state.tricks[0].winnerId).toBe('bia');
    }
  });

  it('a dead-even trick (same value and suit) scores nobody; the leader leads again', () => {
    const t = new Table();
    t.hands([card('a1', 30, 'ouros'), ...anaHand.slice(1)], [card('b1', 30, 'ouros'), ...biaHand.slice(1)]);
    const leader = t.state.leader;
    t.trick({ ana: 'a1', bia: 'b1' });
    expect(t.state.scores).toEqual({ ana: 0, bia: 0 });
    expect(t.state.tricks[0].winnerId).toBeNull();
    expect(t.state.leader).toBe(leader);
    expect(t.state.round).toBe(2);
  });

  it('equal tricks after five rounds is a draw (winnerId null, EMPATE)', () => {
    const t = new Table();
    const a = [card('a1', 30, 'ouros'), card('a2', 60), card('a3', 70), card('a4', 1), card('a5', 2)];
    const b = [card('b1', 30, 'ouros'), card('b2', 3), card('b3', 4), card('b4', 80), card('b5', 90)];
    t.hands(a, b);
    t.trick({ ana: 'a1', bia: 'b1' }); // dead even
    t.trick({ ana: 'a2', bia: 'b2' }); // ana
    t.trick({ ana: 'a3', bia: 'b3' }); // ana
    t.trick({ ana: 'a4', bia: 'b4' }); // bia
    t.trick({ ana: 'a5', bia: 'b5' }); // bia
    expect(t.state).toMatchObject({ phase: 'FINALIZADO', scores: { ana: 2, bia: 2 }, result: { winnerId: null, reason: 'EMPATE' } });
    expect(endSummary(t.state)?.winnerName).toBeNull();
  });
});

describe('illegal moves', () => {
  it('WRONG_PHASE before hands are set', () => {
    const t = new Table();
    t.do('ana', { type: 'SET_HAND', cards: anaHand, source: 'PACK' });
    expect(t.try('ana', { type: 'PLAY', cardId: 'a1' })).toMatchObject({ ok: false, code: 'WRONG_PHASE' });
  });

  it('NOT_YOUR_TURN and CARD_NOT_IN_HAND', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    const other = t.state.turn === 'ana' ? 'bia' : 'ana';
    const mine = t.state.turn === 'ana' ? 'a1' : 'b1';
    expect(t.try(other, { type: 'PLAY', cardId: other === 'ana' ? 'a1' : 'b1' })).toMatchObject({ ok: false, code: 'NOT_YOUR_TURN' });
    expect(t.try(t.state.turn!, { type: 'PLAY', cardId: mine === 'a1' ? 'b1' : 'a1' })).toMatchObject({ ok: false, code: 'CARD_NOT_IN_HAND' });
    t.do(t.state.turn!, { type: 'PLAY', cardId: mine });
    // A played card has left the hand.
    expect(t.try(t.state.turn!, { type: 'PLAY', cardId: mine })).toMatchObject({ ok: false, code: 'CARD_NOT_IN_HAND' });
  });

  it('NOT_IN_MATCH for strangers, even on an unstarted match', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    expect(t.try('eve', { type: 'PLAY', cardId: 'a1' })).toMatchObject({ ok: false, code: 'NOT_IN_MATCH' });
    expect(t.try('eve', { type: 'CHAT', text: 'oi' })).toMatchObject({ ok: false, code: 'NOT_IN_MATCH' });
    expect(validateCommand(initialState(), 'ana', { type: 'CHAT', text: 'oi' }, 1)).toMatchObject({ ok: false, code: 'NOT_IN_MATCH' });
  });

  it('MATCH_FINISHED after the end', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    t.do('bia', { type: 'FORFEIT', reason: 'DESISTENCIA' });
    expect(t.try('ana', { type: 'PLAY', cardId: 'a1' })).toMatchObject({ ok: false, code: 'MATCH_FINISHED' });
    expect(t.try('ana', { type: 'CHAT', text: 'gg' })).toMatchObject({ ok: false, code: 'MATCH_FINISHED' });
    expect(t.try('ana', { type: 'FORFEIT', reason: 'DESISTENCIA' })).toMatchObject({ ok: false, code: 'MATCH_FINISHED' });
  });

  it('BAD_COMMAND for malformed commands', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    for (const bad of [null, {}, { type: 'CHEAT' }, { type: 'PLAY' }, { type: 'CHAT', text: '' }, { type: 'CHAT', text: 'x'.repeat(201) }]) {
      expect(t.try('ana', bad as Record<string, unknown>)).toMatchObject({ ok: false, code: 'BAD_COMMAND' });
    }
  });

  it('refuses out-of-order and malformed events without changing the state', () => {
    const t = new Table();
    const s = t.state;
    const chat = (seq: number): MatchEvent => ({ seq, at: 1, type: 'CHAT', playerId: 'ana', text: 'oi' });
    expect(applyEvent(s, chat(3))).toMatchObject({ ok: false, code: 'BAD_SEQ' });
    expect(applyEvent(s, chat(1))).toMatchObject({ ok: false, code: 'BAD_SEQ' });
    expect(reduce(s, chat(5))).toBe(s);
    expect(applyEvent(s, { ...chat(2), at: Number.NaN })).toMatchObject({ ok: false, code: 'BAD_EVENT' });
    expect(applyEvent(s, { seq: 2, at: 1, type: 'NOPE' } as unknown as MatchEvent)).toMatchObject({ ok: false, code: 'BAD_EVENT' });
    expect(applyEvent(s, { ...(t.log[0] as MatchEvent), seq: 2 })).toMatchObject({ ok: false, code: 'WRONG_PHASE' });
    expect(reduce(s, chat(2)).eventSeq).toBe(2);
  });
});

describe('turn timer, forfeit, chat, failover', () => {
  it('PLAY_LOWEST plays the lowest card (weakest suit on equal values), marked auto', () => {
    const t = new Table();
    const a = [card('a1', 9, 'copas'), card('a2', 9, 'paus'), card('a3', 40), card('a4', 41), card('a5', 42)];
    const b = [card('b1', 9, 'ouros'), card('b2', 9, 'espadas'), card('b3', 43), card('b4', 44), card('b5', 45)];
    expect(lowestCard(a)?.id).toBe('a2');
    expect(lowestCard(b)?.id).toBe('b1');
    expect(lowestCard([])).toBeNull();
    t.hands(a, b);
    const who = t.state.turn!;
    const r = t.try(who, { type: 'PLAY_LOWEST' });
    expect(r).toMatchObject({ ok: true, event: { type: 'CARD_PLAYED', playerId: who, cardId: who === 'ana' ? 'a2' : 'b1', auto: true } });
    if (r.ok) t.push(r.event);
    expect(t.state.narration).toMatchObject({ key: 'CARD_PLAYED', params: { player: who, auto: true } });
    expect(publicView(t.state).message).toMatch(/tempo/);
    // An "auto" event naming a card that is not the lowest is forged.
    const forged: MatchEvent = { seq: t.state.eventSeq + 1, at: t.t, type: 'CARD_PLAYED', playerId: t.state.turn!, cardId: t.state.turn === 'ana' ? 'a5' : 'b5', auto: true };
    expect(applyEvent(t.state, forged)).toMatchObject({ ok: false, code: 'BAD_EVENT' });
    expect(t.try(who, { type: 'PLAY_LOWEST' })).toMatchObject({ ok: false, code: 'NOT_YOUR_TURN' });
  });

  it('turnExpired compares the passed-in time with the turn start', () => {
    const t = new Table();
    expect(turnExpired(t.state, 1e12, 30_000)).toBe(false);
    t.hands(anaHand, biaHand);
    const start = t.state.turnStartedAt!;
    expect(turnExpired(t.state, start + 29_999, 30_000)).toBe(false);
    expect(turnExpired(t.state, start + 30_000, 30_000)).toBe(true);
  });

  it('a forfeit ends the match for the other player, in any phase', () => {
    const t = new Table();
    t.do('ana', { type: 'FORFEIT', reason: 'DESCONECTADO' });
    expect(t.state).toMatchObject({ phase: 'FINALIZADO', result: { winnerId: 'bia', reason: 'DESCONECTADO' }, turn: null });
    const u = new Table();
    u.hands(anaHand, biaHand);
    u.do(u.state.turn!, { type: 'PLAY', cardId: u.state.turn === 'ana' ? 'a1' : 'b1' });
    u.do('bia', { type: 'FORFEIT', reason: 'DESISTENCIA' });
    expect(endSummary(u.state)).toMatchObject({ winnerId: 'ana', winnerName: 'Ana', reason: 'DESISTENCIA' });
  });

  it('chat only advances eventSeq', () => {
    const t = new Table();
    const before = t.state;
    t.do('bia', { type: 'CHAT', text: 'boa sorte' });
    expect({ ...t.state, eventSeq: 1, lastEventAt: before.lastEventAt }).toEqual(before);
  });

  it('FAILOVER moves the host with a higher epoch only, and restarts the turn timer', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    const fo = (epoch: number, oldHost: string, at = t.t + 5_000): MatchEvent => ({ seq: t.state.eventSeq + 1, at, type: 'FAILOVER', oldHost, newHost: 'n2', shadow: 'n3', epoch });
    expect(applyEvent(t.state, fo(1, 'n1'))).toMatchObject({ ok: false, code: 'STALE_EPOCH' });
    expect(applyEvent(t.state, fo(2, 'n9'))).toMatchObject({ ok: false, code: 'BAD_EVENT' });
    t.push(fo(2, 'n1', 99_999));
    expect(t.state).toMatchObject({ host: 'n2', shadow: 'n3', epoch: 2, turnStartedAt: 99_999 });
    expect(publicView(t.state).message).toMatch(/servidor reserva/);
    expect(publicView(t.state).host).toBe('n2');
  });

  it('ABORT ends without a winner', () => {
    const t = new Table();
    t.push({ seq: 2, at: 5, type: 'ABORT', reason: 'ESTOQUE_ESGOTADO' });
    expect(t.state.result).toEqual({ winnerId: null, reason: 'ESTOQUE_ESGOTADO' });
  });
});

describe('views and hashes', () => {
  it('publicView never shows a card still in a hand', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    t.do(t.state.turn!, { type: 'PLAY', cardId: t.state.turn === 'ana' ? 'a3' : 'b3' });
    const v = publicView(t.state);
    const text = JSON.stringify(v);
    const unplayed = [...t.state.hands.ana, ...t.state.hands.bia].map((c) => c.id);
    expect(unplayed).toHaveLength(9);
    for (const id of unplayed) expect(text).not.toContain(`"${id}"`);
    expect(v.handCounts).toEqual(t.state.turn === 'ana' ? { ana: 5, bia: 4 } : { ana: 4, bia: 5 });
    expect(v.table).toHaveLength(1);
    expect(Object.keys(v)).toEqual(expect.arrayContaining(['matchId', 'eventSeq', 'phase', 'round', 'turn', 'table', 'scores', 'handCounts', 'message', 'host']));
    expect(v).not.toHaveProperty('hands');
    expect(handOf(t.state, 'ana')).toEqual(t.state.hands.ana);
    expect(handOf(t.state, 'eve')).toEqual([]);
  });

  it('shows the completed trick as lastTrick after the table clears', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    t.trick({ ana: 'a5', bia: 'b4' });
    const v = publicView(t.state);
    expect(v.table).toEqual([]);
    expect(v.lastTrick?.cards.map((c) => c.card.id).sort()).toEqual(['a5', 'b4']);
    expect(v.lastTrick?.winnerId).toBe('ana');
  });

  it('replay of the log gives the same state and hash', () => {
    const t = new Table('replay-seed');
    t.hands(anaHand, biaHand);
    t.do('ana', { type: 'CHAT', text: 'vamos' });
    t.trick({ ana: 'a2', bia: 'b2' });
    t.trick({ ana: 'a4', bia: 'b1' });
    const again = replay(JSON.parse(JSON.stringify(t.log)));
    expect(again).toEqual(t.state);
    expect(stateHash(again)).toBe(stateHash(t.state));
    // Replaying from a midpoint continues to the same state.
    const mid = replay(t.log.slice(0, 4));
    expect(stateHash(replay(t.log.slice(4), mid))).toBe(stateHash(t.state));
    // Any change in history changes the hash.
    expect(stateHash(replay(t.log.slice(0, -1)))).not.toBe(stateHash(t.state));
  });

  it('replay throws on a forged or corrupt log', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    const forged = [...t.log, { seq: t.log.length + 1, at: 1, type: 'CARD_PLAYED', playerId: 'ana', cardId: 'b1' } as MatchEvent];
    expect(() => replay(forged)).toThrow(/illegal event seq 4/);
    expect(() => replay([t.log[0], t.log[2]])).toThrow(/BAD_SEQ/);
  });

  it('stateHash ignores key order but covers every field', () => {
    const t = new Table();
    t.hands(anaHand, biaHand);
    t.trick({ ana: 'a5', bia: 'b4' });
    t.do(t.state.turn!, { type: 'PLAY', cardId: t.state.turn === 'ana' ? 'a1' : 'b1' });
    const s = t.state;
    const h = stateHash(s);
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    const reordered = Object.fromEntries(Object.entries(s).reverse()) as unknown as MatchState;
    expect(stateHash(reordered)).toBe(h);
    const changed: Record<string, unknown> = {
      matchId: 'm2', players: [s.players[1], s.players[0]], phase: 'FINALIZADO', hands: { ...s.hands, ana: s.hands.ana.slice(1) },
      handSource: { ana: 'PRONTO', bia: 'PRONTO' }, round: 9, leader: 'zz', turn: null, table: [], scores: { ana: 5, bia: 0 },
      tricks: [], result: { winnerId: null, reason: 'X' }, eventSeq: 99, epoch: 9, host: 'x', shadow: 'y', seed: 'z',
      turnStartedAt: 1, lastEventAt: 2, narration: { key: 'ABORT', params: { reason: 'X' } },
    };
    expect(Object.keys(changed).sort()).toEqual(Object.keys(s).sort());
    for (const [k, v] of Object.entries(changed)) expect(stateHash({ ...s, [k]: v }), k).not.toBe(h);
    // Deep changes too: a card's suit in a hand, on the table, in a past trick.
    const flip = (c: Card): Card => ({ ...c, suit: c.suit === 'paus' ? 'copas' : 'paus' });
    expect(stateHash({ ...s, hands: { ...s.hands, bia: s.hands.bia.map(flip) } })).not.toBe(h);
    expect(stateHash({ ...s, table: s.table.map((p) => ({ ...p, card: flip(p.card) })) })).not.toBe(h);
    expect(stateHash({ ...s, tricks: s.tricks.map((tr) => ({ ...tr, cards: tr.cards.map((p) => ({ ...p, card: flip(p.card) })) })) })).not.toBe(h);
  });
});
