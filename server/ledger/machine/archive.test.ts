// Ledger growth is bounded: finished matches fold into their players and leave `matches`,
// purchases are remembered per player for retries, and every replica (and a state loaded
// from an older, unbounded snapshot) forgets the same records.
import { describe, it, expect } from 'vitest';
import { applyCommand } from './apply.ts';
import { checkInvariants } from './invariants.ts';
import { collectionOf, getMatch, getPlayer, getPurchase, historyOf, leaderboard, playedMatchOf } from './queries.ts';
import { AgeQueue, FINISHED_MATCHES_KEPT, PURCHASES_KEPT_PER_PLAYER } from './retention.ts';
import { deserializeLedger, ledgerDigest, serializeLedger } from './snapshot.ts';
import { Harness, expectCode, serializeLedgerV3 } from './test-helpers.ts';
import type { LedgerCommand } from './commands.ts';

/** a and b (or the two players given) play `n` matches with their hands; a wins every third, then b, then a draw. */
function playMany(apply: (c: LedgerCommand) => unknown, n: number, hands: { a: string[]; b: string[] }, from = 0, [a, b] = ['a', 'b']) {
  for (let i = from; i < from + n; i++) {
    const matchId = `m${i}`;
    apply({ type: 'MATCH_CREATED', matchId, players: [a, b], host: 'n1', shadow: 'n2', seed: `s${i}` });
    apply({ type: 'MATCH_HAND', matchId, playerId: a, cardIds: hands.a });
    apply({ type: 'MATCH_HAND', matchId, playerId: b, cardIds: hands.b });
    const winnerId = i % 3 === 0 ? a : i % 3 === 1 ? b : null;
    apply({ type: 'MATCH_FINISHED', matchId, winnerId, reason: winnerId ? 'VITORIA' : 'EMPATE', scores: winnerId === a ? { [a]: 3, [b]: 2 } : { [a]: 2, [b]: 2 }, at: 1000 + i });
  }
}

function twoPlayers() {
  const h = new Harness();
  h.register('a');
  h.register('b');
  const hands = { a: h.buy('a', 'ra').cards.map((c) => c.id), b: h.buy('b', 'rb').cards.map((c) => c.id) };
  return { h, hands };
}

describe('finished matches', () => {
  it(`fold into the players and stay readable while among the last ${FINISHED_MATCHES_KEPT}`, () => {
    const { h, hands } = twoPlayers();
    const restored = deserializeLedger(serializeLedger(h.state)); // a peer that joins from a snapshot
    const both = (cmd: LedgerCommand) => {
      const r = h.apply(cmd);
      expect(applyCommand(restored, cmd, { index: h.index, term: 1 })).toEqual(r);
      return r;
    };
    const n = FINISHED_MATCHES_KEPT + 30;
    playMany(both, n, hands);
    expect(h.state.matches.size).toBe(FINISHED_MATCHES_KEPT);
    expect(getMatch(h.state, 'm29')).toBeNull();
    expect(getMatch(h.state, 'm30')).toMatchObject({ status: 'finished' });
    // Every result counts: the ranking and the player views are the fold, not the kept matches.
    const wins = Math.ceil(n / 3);
    expect(getPlayer(h.state, 'a')).toMatchObject({ wins, losses: Math.ceil((n - 1) / 3), activeMatchId: null });
    expect(leaderboard(h.state, 2).map((r) => r.playerId).sort()).toEqual(['a', 'b']);
    expect(historyOf(h.state, 'a')[0]).toMatchObject({ matchId: `m${n - 1}`, opponentId: 'b' });
    // Cards of a forgotten match's hands are free again; collections are intact.
    expect(h.state.locked.size).toBe(0);
    expect(collectionOf(h.state, 'a').map((c) => c.id)).toEqual(hands.a);
    expect(checkInvariants(h.state)).toEqual([]);
    expect(ledgerDigest(restored)).toBe(ledgerDigest(h.state));
  });

  it('a late retry about a forgotten match is told MATCH_FINISHED and changes nothing', () => {
    const { h, hands } = twoPlayers();
    playMany((c) => h.apply(c), 1, hands);
    // Other players finish enough matches to push m0 out (a and b keep it in their history).
    h.register('c');
    h.register('d');
    const other = { a: h.buy('c', 'rc').cards.map((c) => c.id), b: h.buy('d', 'rd').cards.map((c) => c.id) };
    playMany((c) => h.apply(c), FINISHED_MATCHES_KEPT, other, 1, ['c', 'd']);
    expect(getMatch(h.state, 'm0')).toBeNull();
    const before = serializeLedger(h.state);
    const same = (r: unknown, code: string) => {
      expectCode(r as never, code);
      expect({ ...serializeLedger(h.state), lastApplied: 0 }).toEqual({ ...before, lastApplied: 0 });
    };
    // A retried MATCH_CREATED must not start the match again (its players are free now).
    same(h.apply({ type: 'MATCH_CREATED', matchId: 'm0', players: ['a', 'b'], host: 'n1', shadow: 'n2', seed: 's0' }), 'MATCH_FINISHED');
    same(h.apply({ type: 'MATCH_FINISHED', matchId: 'm0', winnerId: 'b', reason: 'VITORIA', scores: { a: 0, b: 3 } }), 'MATCH_FINISHED');
    same(h.apply({ type: 'MATCH_HAND', matchId: 'm0', playerId: 'a', cardIds: hands.a }), 'MATCH_FINISHED');
    same(h.apply({ type: 'BUY_PACK', requestId: 'late', playerId: 'b', matchId: 'm0' }), 'MATCH_FINISHED');
    expect(playedMatchOf(h.state, 'a', 'm0')).toMatchObject({ matchId: 'm0', result: 'won', tricks: [3, 2] });
    expect(playedMatchOf(h.state, 'b', 'm0')).toMatchObject({ result: 'lost' });
    // A match nobody played is still unknown.
    expectCode(h.apply({ type: 'MATCH_HAND', matchId: 'never', playerId: 'a', cardIds: hands.a }), 'UNKNOWN_MATCH');
  });

  it('an active match is never forgotten, however many finish around it', () => {
    const { h, hands } = twoPlayers();
    h.register('c');
    h.register('d');
    h.buy('c', 'rc');
    h.apply({ type: 'MATCH_CREATED', matchId: 'long', players: ['c', 'd'], host: 'n1', shadow: null, seed: 's' });
    h.apply({ type: 'MATCH_HAND', matchId: 'long', playerId: 'c', cardIds: collectionOf(h.state, 'c').map((x) => x.id) });
    playMany((c) => h.apply(c), FINISHED_MATCHES_KEPT + 5, hands);
    expect(getMatch(h.state, 'long')).toMatchObject({ status: 'active' });
    expect(h.state.locked.size).toBe(5);
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('a version 3 snapshot (every match kept) loads as the state this code would have reached', () => {
    const { h, hands } = twoPlayers();
    playMany((c) => h.apply(c), FINISHED_MATCHES_KEPT + 40, hands);
    // What version 3 wrote for the same history: the forgotten matches too.
    const old = serializeLedgerV3(h.state);
    const v3 = new Harness();
    v3.register('a');
    v3.register('b');
    v3.buy('a', 'ra');
    v3.buy('b', 'rb');
    const all: Record<string, unknown>[] = [];
    playMany((c) => {
      v3.apply(c);
      if (c.type === 'MATCH_FINISHED') all.push({ ...serializeLedgerV3(v3.state).matches.find((m) => m.matchId === c.matchId)! });
    }, FINISHED_MATCHES_KEPT + 40, hands);
    old.matches = all;
    expect(old.matches).toHaveLength(FINISHED_MATCHES_KEPT + 40);
    const loaded = deserializeLedger(JSON.parse(JSON.stringify(old)));
    expect(loaded.matches.size).toBe(FINISHED_MATCHES_KEPT);
    expect(ledgerDigest(loaded)).toBe(ledgerDigest(h.state));
  });
});

describe('purchases', () => {
  it(`answer a retry from each player's last ${PURCHASES_KEPT_PER_PLAYER}; older requestIds are forgotten`, () => {
    const h = new Harness();
    h.register('p');
    h.register('q');
    const first = new Map<string, string[]>();
    for (let i = 0; i < PURCHASES_KEPT_PER_PLAYER + 8; i++) first.set(`r${i}`, h.buy('p', `r${i}`).cards.map((c) => c.id));
    h.buy('q', 'q0');
    expect(h.state.purchases.size).toBe(PURCHASES_KEPT_PER_PLAYER + 1);
    expect(getPurchase(h.state, 'r7')).toBeNull();
    const kept = `r${PURCHASES_KEPT_PER_PLAYER + 7}`;
    const sold = h.state.sold;
    // A retry of a remembered one: the same pack, nothing sold; another player's is refused.
    expect(h.apply({ type: 'BUY_PACK', requestId: kept, playerId: 'p' })).toMatchObject({ ok: true, cards: first.get(kept)!.map((id) => expect.objectContaining({ id })) });
    expectCode(h.apply({ type: 'BUY_PACK', requestId: kept, playerId: 'q' }), 'DUPLICATE_REQUEST');
    expectCode(h.apply({ type: 'BUY_PACK', requestId: 'r8', playerId: 'p', matchId: 'x' }), 'DUPLICATE_REQUEST');
    expect(h.state.sold).toBe(sold);
    // q's purchases do not push out p's.
    expect(getPurchase(h.state, 'r8')).not.toBeNull();
    expect(checkInvariants(h.state)).toEqual([]);
    const copy = deserializeLedger(JSON.parse(JSON.stringify(serializeLedger(h.state))));
    expect(ledgerDigest(copy)).toBe(ledgerDigest(h.state));
    // Both forget the same one next.
    for (const s of [h.state, copy]) applyCommand(s, { type: 'BUY_PACK', requestId: 'next', playerId: 'p' }, { index: h.index + 1, term: 1 });
    expect(getPurchase(copy, 'r8')).toBeNull();
    expect(ledgerDigest(copy)).toBe(ledgerDigest(h.state));
  });
});

describe('BATCH entries', () => {
  it('apply each command with its own result under one index; nesting and membership are refused per command', () => {
    const h = new Harness();
    h.register('a');
    const r = h.apply({
      type: 'BATCH',
      commands: [
        { type: 'BUY_PACK', requestId: 'x1', playerId: 'a' },
        { type: 'BUY_PACK', requestId: 'x2', playerId: 'ghost' },
        { type: 'BATCH', commands: [{ type: 'BUY_PACK', requestId: 'x3', playerId: 'a' }] },
        { type: 'ADD_MEMBER', id: 'n9', address: 'http://x', mqttPort: 1 },
        { type: 'NOPE' },
        { type: 'BUY_PACK', requestId: 'x4', playerId: 'a' },
      ],
    });
    expect(r.ok && 'results' in r && r.results.map((x) => (x.ok ? 'ok' : x.code))).toEqual(['ok', 'UNKNOWN_PLAYER', 'BAD_COMMAND', 'BAD_COMMAND', 'BAD_COMMAND', 'ok']);
    expect(getPurchase(h.state, 'x1')?.index).toBe(h.index);
    expect(getPurchase(h.state, 'x4')?.index).toBe(h.index);
    expect(getPurchase(h.state, 'x1')?.cards).not.toEqual(getPurchase(h.state, 'x4')?.cards);
    expect(h.state.members.has('n9')).toBe(false);
    expectCode(h.apply({ type: 'BATCH', commands: [] }), 'BAD_COMMAND');
    expect(checkInvariants(h.state)).toEqual([]);
  });

  it('matches finishing in one entry are forgotten together, the same after a snapshot', () => {
    const { h, hands } = twoPlayers();
    playMany((c) => h.apply(c), FINISHED_MATCHES_KEPT - 4, hands);
    // Ten other pairs finish their matches in one BATCH entry: 1,030 finished, so the six oldest go.
    const pairs = Array.from({ length: 10 }, (_, i) => [`x${i}`, `y${i}`]);
    for (const [x, y] of pairs) {
      h.register(x);
      h.register(y);
    }
    h.apply({ type: 'BATCH', commands: pairs.map(([x, y], i) => ({ type: 'MATCH_CREATED', matchId: `b${i}`, players: [x, y], host: 'n1', shadow: null, seed: 's' })) });
    h.apply({ type: 'BATCH', commands: pairs.map(([x, y], i) => ({ type: 'MATCH_FINISHED', matchId: `b${i}`, winnerId: null, reason: 'EMPATE', scores: { [x]: 0, [y]: 0 } })) });
    expect(h.state.matches.size).toBe(FINISHED_MATCHES_KEPT);
    expect(getMatch(h.state, 'm5')).toBeNull();
    expect(getMatch(h.state, 'm6')).not.toBeNull();
    expect(checkInvariants(h.state)).toEqual([]);
    const copy = deserializeLedger(JSON.parse(JSON.stringify(serializeLedger(h.state))));
    expect(ledgerDigest(copy)).toBe(ledgerDigest(h.state));
  });
});

describe('AgeQueue', () => {
  it('drops whole oldest index groups, never the newest one, whatever the push order inside a group', () => {
    const dropped: string[] = [];
    const q = new AgeQueue();
    for (const [id, at] of [['a', 1], ['b', 2], ['c', 2], ['d', 3]] as const) q.push(id, at);
    q.trim(2, (id) => dropped.push(id));
    expect([...q.values()]).toEqual(['d']); // b and c share index 2: both go, or neither
    expect(dropped).toEqual(['a', 'b', 'c']);
    for (const id of ['e', 'f', 'g']) q.push(id, 4);
    q.trim(2, (id) => dropped.push(id));
    expect([...q.values()]).toEqual(['e', 'f', 'g']); // the newest group stays even above the limit
    expect(AgeQueue.of([{ id: 'y', at: 4 }, { id: 'x', at: 1 }]).oneGroup()).toBe(false);
  });
});
