// The checker must catch what it exists for. A clean history + final state passes; each
// deliberately injected bug is flagged with its own kind: (a) a card owned twice, (b) an
// acknowledged purchase missing, (c) a requestId applied twice, (d) an acknowledged move
// missing and a gap in a log, (e) divergent digests — plus the other promises it checks.
import { describe, it, expect } from 'vitest';
import { check, checkHistoryText, allowedOwners, parseHistory } from './checker.ts';
import { planFaults, planHash, countFaults } from './plan.ts';
import type { FinalMatchLog, FinalState, HistoryEntry } from './types.ts';

const A = 'player-a';
const B = 'player-b';
const packA = ['c1', 'c2', 'c3', 'c4', 'c5'];
const packB = ['c6', 'c7', 'c8', 'c9', 'c10'];
const packA2 = ['c11', 'c12', 'c13', 'c14', 'c15'];

/** A small history: A buys twice (once over REST, once with an unknown outcome that did apply), B buys once, A trades c1 for B's c6, a match with two acknowledged moves. */
function history(): HistoryEntry[] {
  const h: HistoryEntry[] = [];
  let op = 0;
  const add = (process: string, type: HistoryEntry['type'], f: string, value: Record<string, unknown>, id = op) => h.push({ index: h.length, time: h.length * 10, process, type, f, op: id, value });
  const call = (process: string, f: string, invoke: Record<string, unknown>, type: HistoryEntry['type'], result: Record<string, unknown>) => {
    op++;
    add(process, 'invoke', f, invoke);
    add(process, type, f, result);
  };
  call('b1', 'buy', { key: 'k1', playerId: A, via: 'rest' }, 'ok', { cards: packA, remaining: 2790 });
  call('b2', 'buy', { key: 'k2', playerId: B, via: 'mqtt' }, 'ok', { cards: packB, remaining: 2785 });
  call('b1', 'buy', { key: 'k3', playerId: A, via: 'mqtt' }, 'info', { error: 'timeout' });
  call('b1', 'buy', { key: 'k4', playerId: A, via: 'rest' }, 'fail', { code: 'ESTOQUE_ESGOTADO' });
  call('b1', 'propose', { requestId: 'r1', from: A, to: B, offer: 'c1', want: 'c6' }, 'ok', { tradeId: 't1' });
  call('b2', 'respond', { tradeId: 't1', by: B, accept: true, from: A, to: B, offer: 'c1', want: 'c6' }, 'ok', { result: 'done' });
  add('b1', 'event', 'match-found', { matchId: 'm1', playerId: A, host: 'p1', shadow: 'p2' });
  add('b2', 'event', 'match-found', { matchId: 'm1', playerId: B, host: 'p1', shadow: 'p2' });
  call('b1', 'move', { matchId: 'm1', playerId: A, cardId: 'c2' }, 'ok', { eventSeq: 4 });
  call('b2', 'move', { matchId: 'm1', playerId: B, cardId: 'c7' }, 'ok', { eventSeq: 5 });
  h.push({ index: h.length, time: 999, process: 'nemesis', type: 'info', f: 'kill', value: { peer: 'p1' } });
  return h;
}

function log(peer: string, role: string): FinalMatchLog {
  const events = [
    { eventSeq: 1, type: 'MATCH_START', signature: 's1' },
    { eventSeq: 2, type: 'HAND_SET', playerId: A, signature: 's2' },
    { eventSeq: 3, type: 'HAND_SET', playerId: B, signature: 's3' },
    { eventSeq: 4, type: 'CARD_PLAYED', playerId: A, cardId: 'c2', signature: 's4' },
    { eventSeq: 5, type: 'CARD_PLAYED', playerId: B, cardId: 'c7', signature: 's5' },
    { eventSeq: 6, type: 'FORFEIT', playerId: B, signature: 's6' },
  ];
  return { peer, source: 'rest', role, epoch: 1, host: 'p1', shadow: 'p2', finished: true, events };
}

/** After the trade: A has c6 (from B) and its second pack (k3 did apply); B has c1. */
function finalState(): FinalState {
  const cards = { [A]: ['c6', 'c2', 'c3', 'c4', 'c5', ...packA2], [B]: ['c1', 'c7', 'c8', 'c9', 'c10'] };
  const peer = (id: string) => ({
    id,
    reachable: true,
    digest: { digest: 'd-same', lastApplied: 42, violations: [] },
    status: { total: 2800, remaining: { C: 2000, U: 600, R: 160, L: 25 }, sold: 15 },
    cards: structuredClone(cards),
  });
  return { peers: [peer('p1'), peer('p2'), peer('p3')], matches: { m1: [log('p1', 'host'), log('p2', 'shadow')] }, activeMatch: { [A]: null, [B]: null } };
}

const kinds = (f: FinalState, h = history()) => check(h, f).violations.map((v) => v.kind);

describe('chaos checker', () => {
  it('passes a clean history and final state', () => {
    const r = check(history(), finalState());
    expect(r.violations).toEqual([]);
    expect(r.stats.purchases).toEqual({ ok: 2, info: 1, fail: 1 });
    expect(r.stats.trades).toEqual({ done: 1, info: 0 });
    expect(r.stats.moves.ok).toBe(2);
    expect(r.stats.matches).toBe(1);
  });

  it('(a) flags a card owned twice', () => {
    const f = finalState();
    f.peers[1].cards![B].push('c3'); // also still A's
    f.peers[1].status!.sold = 16;
    f.peers[1].status!.remaining.C -= 1;
    expect(kinds(f)).toContain('card-owned-twice');
  });

  it('(a) flags one card acknowledged in two purchases', () => {
    const h = history();
    const buy = h.find((e) => e.type === 'ok' && e.value.cards === packB)!;
    buy.value = { cards: ['c6', 'c7', 'c8', 'c9', 'c1'], remaining: 2785 };
    expect(kinds(finalState(), h)).toContain('card-sold-twice');
  });

  it('(b) flags an acknowledged purchase missing from the final ledger', () => {
    const f = finalState();
    f.peers[2].cards![B] = ['c1']; // B's pack vanished on p3 (stock got it back)
    f.peers[2].status = { ...f.peers[2].status!, sold: 11, remaining: { ...f.peers[2].status!.remaining, C: 2004 } };
    const k = kinds(f);
    expect(k).toContain('acked-purchase-lost');
    expect(check(history(), f).violations.filter((v) => v.kind === 'acked-purchase-lost').every((v) => v.peer === 'p3')).toBe(true);
  });

  it('(b) flags an acknowledged trade that is not in the ledger', () => {
    const f = finalState();
    for (const p of f.peers) {
      p.cards![A][0] = 'c1';
      p.cards![B][0] = 'c6';
    }
    expect(kinds(f)).toContain('acked-trade-lost');
  });

  it('(c) flags a requestId applied twice: more packs than requests, or one key answered with two packs', () => {
    const f = finalState();
    for (const p of f.peers) {
      p.cards![B].push('c16', 'c17', 'c18', 'c19', 'c20'); // a second pack for B, which asked once
      p.status!.sold = 20;
      p.status!.remaining.C -= 5;
    }
    expect(kinds(f)).toContain('purchase-count-exceeded');

    // A purchase answered as refused (k4: ESTOQUE_ESGOTADO) that was applied all the same.
    const g = finalState();
    for (const p of g.peers) {
      p.cards![A].push('c21', 'c22', 'c23', 'c24', 'c25');
      p.status!.sold = 20;
      p.status!.remaining.C -= 5;
    }
    const over = check(history(), g).violations.filter((v) => v.kind === 'purchase-count-exceeded');
    expect(over).toHaveLength(3);
    expect(over[0].refused).toEqual(['k4']);

    const h = history();
    const inv = h.find((e) => e.f === 'buy' && e.value.key === 'k2' && e.type === 'invoke')!;
    h.push({ ...inv, index: h.length, op: 99 }, { index: h.length + 1, time: 2000, process: inv.process, type: 'ok', f: 'buy', op: 99, value: { cards: ['c16', 'c17', 'c18', 'c19', 'c20'], remaining: 1 } });
    expect(kinds(finalState(), h)).toContain('request-applied-twice');
  });

  it('(d) flags an acknowledged move missing from the final log, and a gap', () => {
    const f = finalState();
    for (const l of f.matches.m1) l.events[4] = { eventSeq: 5, type: 'CHAT', playerId: B, signature: 'x' };
    expect(kinds(f)).toContain('acked-move-lost');

    const g = finalState();
    g.matches.m1[1].events.splice(2, 1); // the shadow's copy skips eventSeq 3
    expect(kinds(g)).toContain('match-log-gap');

    const u = finalState();
    for (const l of u.matches.m1) {
      l.finished = false;
      l.events.pop();
    }
    expect(kinds(u)).toContain('match-unfinished');

    const d = finalState();
    d.matches.m1[1].events[3] = { ...d.matches.m1[1].events[3], signature: 'forked' };
    expect(kinds(d)).toContain('match-log-divergence');

    const missing = finalState();
    missing.matches = {};
    expect(kinds(missing)).toContain('match-log-missing');

    const active = finalState();
    active.activeMatch![A] = 'm1';
    expect(kinds(active)).toContain('match-still-active');
  });

  it('(d) checks an acknowledged move in the match the node says it ran in, not the one the bot was looking at', () => {
    // B's client still showed an old match m0 (a stale view) when it played c7; the node ran
    // the move in B's current match m1 and said so in its OK.
    const h = history().map((e) => (e.f === 'move' && e.type === 'invoke' && e.value.playerId === B ? { ...e, value: { ...e.value, matchId: 'm0' } } : e));
    const okB = h.find((e) => e.f === 'move' && e.type === 'ok' && e.value.eventSeq === 5)!;
    okB.value = { ...okB.value, matchId: 'm1' };
    expect(kinds(finalState(), h)).toEqual([]);
    // Without the node's word the move is looked for in m0, which has no log.
    okB.value = { eventSeq: 5 };
    expect(kinds(finalState(), h)).toContain('match-log-missing');
  });

  it('(e) flags divergent digests, unreachable peers and a ledger that breaks its own invariants', () => {
    const f = finalState();
    f.peers[2].digest = { digest: 'd-other', lastApplied: 41, violations: [] };
    expect(kinds(f)).toContain('digest-divergence');

    const g = finalState();
    g.peers[0] = { id: 'p1', reachable: false, error: 'ECONNREFUSED' };
    expect(kinds(g)).toEqual(['peer-unreachable']);

    const s = finalState();
    s.peers[1].status!.sold = 14;
    s.peers[1].digest!.violations = ['sold 14 ≠ cards owned 15'];
    expect(kinds(s)).toEqual(expect.arrayContaining(['stock-not-conserved', 'ledger-invariant', 'sold-count-mismatch']));
  });

  it('flags a corrupted history line and a completion without an invoke', () => {
    const text = history().map((e) => JSON.stringify(e)).join('\n');
    expect(checkHistoryText(text, finalState()).violations).toEqual([]);
    const broken = text.replace(/\n/, '\n{"not json\n');
    expect(checkHistoryText(broken, finalState()).violations.map((v) => v.kind)).toContain('history-malformed');
    const orphan = [...history(), { index: 99, time: 5000, process: 'b9', type: 'ok', f: 'buy', op: 77, value: { cards: [] } } as HistoryEntry];
    expect(kinds(finalState(), orphan)).toContain('history-malformed');
    expect(parseHistory('').entries).toEqual([]);
  });

  it('an invoke with no completion counts as unknown (info): it may or may not have applied', () => {
    const h = history().filter((e) => !(e.f === 'buy' && e.type === 'info'));
    expect(check(h, finalState()).violations).toEqual([]);
    const f = finalState();
    for (const p of f.peers) {
      p.cards![A] = p.cards![A].slice(0, 5);
      p.status!.sold = 10;
      p.status!.remaining.C += 5;
    }
    expect(check(h, f).violations).toEqual([]);
  });

  it('allowedOwners follows acknowledged trades in any valid order and optional ones at most once', () => {
    expect([...allowedOwners('A', [])]).toEqual(['A']);
    expect([...allowedOwners('A', [{ id: 't', from: 'A', to: 'B', must: true }])]).toEqual(['B']);
    expect([...allowedOwners('A', [{ id: 't', from: 'A', to: 'B', must: false }])].sort()).toEqual(['A', 'B']);
    const chain = [
      { id: 't2', from: 'B', to: 'C', must: true },
      { id: 't1', from: 'A', to: 'B', must: true },
    ];
    expect([...allowedOwners('A', chain)]).toEqual(['C']);
    expect([...allowedOwners('C', chain)]).toEqual([]); // acknowledged moves from owners it never had
  });
});

describe('nemesis plan', () => {
  it('is a pure function of the seed', () => {
    const a = planFaults({ seed: 7, durationMs: 120_000, peers: 3 });
    const b = planFaults({ seed: 7, durationMs: 120_000, peers: 3 });
    expect(b).toEqual(a);
    expect(planHash(b)).toBe(planHash(a));
    expect(planHash(planFaults({ seed: 8, durationMs: 120_000, peers: 3 }))).not.toBe(planHash(a));
  });

  it('uses every kind of fault, keeps pauses past the election timeout and never overlaps faults', () => {
    const steps = planFaults({ seed: 1, durationMs: 600_000, peers: 5 });
    const c = countFaults(steps);
    for (const k of ['kill', 'pause', 'partition', 'truncate'] as const) expect(c[k]).toBeGreaterThan(0);
    for (const s of steps.filter((x) => x.kind === 'pause')) expect(s.durationMs).toBeGreaterThan(2000);
    for (let i = 1; i < steps.length; i++) expect(steps[i].at).toBeGreaterThan(steps[i - 1].at + steps[i - 1].durationMs);
    expect(new Set(steps.filter((s) => s.kind === 'partition').map((s) => s.shape))).toEqual(new Set(['isolate', 'majority-minority', 'one-way', 'bridge']));
  });
});
