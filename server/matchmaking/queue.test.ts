import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MatchQueue, rotation, type QueuedPlayer } from './queue.ts';

const opts = (selfId: string) => ({ selfId, reservationTtlMs: 5000, commitHoldMs: 30_000, settledMemoryMs: 60_000 });
const P = (id: string): QueuedPlayer => ({ id, name: `n-${id}` });

describe('MatchQueue: joining and leaving', () => {
  it('joins idempotently and keeps one entry', () => {
    const q = new MatchQueue(opts('p1'));
    expect(q.enqueue(P('a'), 0)).toBe('queued');
    expect(q.enqueue(P('a'), 10)).toBe('already');
    expect(q.size).toBe(1);
    expect(q.get('a')!.since).toBe(0);
  });

  it('leaves at once when free, says absent when not queued', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('a'), 0);
    expect(q.leave('a')).toBe('removed');
    expect(q.takeDepartures()).toEqual([{ playerId: 'a', reason: 'cancelled' }]);
    expect(q.leave('a')).toBe('absent');
  });

  it('a searching player leaves at once; the late offer is then released', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('a'), 0);
    expect(q.startSearch('a', 's1')).toBe(true);
    expect(q.leave('a')).toBe('removed');
    expect(q.searchAnswered('a', 's1', 'sala-x')).toBe('release');
  });

  it('a leave during a pairing waits for it: released → cancelled, ledger match → matched', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.enqueue(P('c'), 1);
    q.reserve('p1', 'r1', P('a'), 'sala-1', 0);
    q.reserve('p1', 'r2', P('x'), 'sala-2', 0);
    expect(q.leave('b')).toBe('pending');
    expect(q.leave('c')).toBe('pending');
    expect(q.takeDepartures()).toEqual([]);
    expect(q.confirm('p1', 'r1', 'sala-1', false, 5)).toBe('released');
    expect(q.takeDepartures()).toEqual([{ playerId: 'b', reason: 'cancelled' }]);
    expect(q.confirm('p1', 'r2', 'sala-2', true, 5)).toBe('committed');
    expect(q.has('c')).toBe(true); // held until the replica shows the match
    q.dropMatched('c', 'sala-2', 6);
    expect(q.takeDepartures()).toEqual([{ playerId: 'c', reason: 'matched' }]);
    expect(q.size).toBe(0);
  });

  it('re-joining while a leave is pending revives the entry', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('a'), 0);
    q.enqueue(P('b'), 0);
    q.pairLocal('s');
    expect(q.leave('a')).toBe('pending');
    expect(q.enqueue(P('a'), 5)).toBe('revived');
    q.matchingDone('a', 's', 'retry');
    expect(q.get('a')!.state.kind).toBe('waiting');
    expect(q.takeDepartures()).toEqual([]);
  });
});

describe('MatchQueue: local pairs', () => {
  it('pairs the two longest-waiting players; a failed match returns both with their place', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('c'), 30);
    q.enqueue(P('a'), 10);
    q.enqueue(P('b'), 20);
    expect(q.pairLocal('s1')!.map((p) => p.id)).toEqual(['a', 'b']);
    expect(q.pairLocal('s2')).toBeNull();
    q.matchingDone('a', 's1', 'retry');
    q.matchingDone('b', 's1', 'matched');
    expect(q.get('a')).toMatchObject({ since: 10, state: { kind: 'waiting' } });
    expect(q.has('b')).toBe(false);
    expect(q.takeDepartures()).toEqual([{ playerId: 'b', reason: 'matched' }]);
  });

  it('a local pair wins over a search in flight, whose offer is released', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('a'), 0);
    q.startSearch('a', 's1');
    q.enqueue(P('b'), 1);
    expect(q.pairLocal('local')!.map((p) => p.id)).toEqual(['a', 'b']);
    expect(q.searchAnswered('a', 's1', 'remote')).toBe('release');
    expect(q.get('a')!.state).toEqual({ kind: 'matching', salaId: 'local' });
  });

  it('ignores the outcome of a sala the entry is not matching', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('a'), 0);
    q.matchingDone('a', 'other', 'matched');
    expect(q.has('a')).toBe(true);
  });
});

describe('MatchQueue: searches', () => {
  it('one search per player; a no goes on, exhaustion returns to waiting', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('a'), 0);
    expect(q.searchable().map((p) => p.id)).toEqual(['a']);
    expect(q.startSearch('a', 's1')).toBe(true);
    expect(q.startSearch('a', 's2')).toBe(false);
    expect(q.searchable()).toEqual([]);
    expect(q.searchAnswered('a', 's1', null)).toBe('continue');
    q.searchExhausted('a', 's1');
    expect(q.get('a')!.state.kind).toBe('waiting');
    expect(q.searchAnswered('a', 's1', null)).toBe('stale');
  });

  it('an offer makes the entry matching that sala', () => {
    const q = new MatchQueue(opts('p1'));
    q.enqueue(P('a'), 0);
    q.startSearch('a', 's1');
    expect(q.searchAnswered('a', 's1', 'sala')).toBe('accept');
    expect(q.get('a')!.state).toEqual({ kind: 'matching', salaId: 'sala' });
  });
});

describe('MatchQueue: reservations for peers', () => {
  it('reserves the longest-waiting free player, never the requester itself', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('x'), 0);
    q.enqueue(P('b'), 5);
    const a = q.reserve('p1', 'r1', P('x'), 'sala-1', 10);
    expect(a).toEqual({ found: true, salaId: 'sala-1', opponent: P('b') });
    expect(q.get('b')!.state).toEqual({ kind: 'reserved', salaId: 'sala-1' });
    expect(q.reserve('p1', 'r2', P('y'), 'sala-2', 10)).toEqual({ found: true, salaId: 'sala-2', opponent: P('x') });
    expect(q.reserve('p1', 'r3', P('z'), 'sala-3', 10)).toEqual({ found: false });
  });

  it('a retried solicitar gets the same reservation, never a second one', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.enqueue(P('c'), 1);
    const first = q.reserve('p1', 'r1', P('a'), 'sala-1', 10);
    const again = q.reserve('p1', 'r1', P('a'), 'sala-other', 11);
    expect(again).toEqual(first);
    expect(q.reservationCount).toBe(1);
    expect(q.get('c')!.state.kind).toBe('waiting');
    // The same requestId from another origin is another request.
    expect(q.reserve('p3', 'r1', P('z'), 'sala-3', 12)).toMatchObject({ found: true, salaId: 'sala-3' });
  });

  it('after expiry or release a retried solicitar finds nothing (the offer is over)', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.reserve('p1', 'r1', P('a'), 'sala-1', 0);
    expect(q.expire(4999)).toEqual([]);
    expect(q.expire(5000)).toEqual(['b']);
    expect(q.get('b')!.state.kind).toBe('waiting');
    expect(q.reserve('p1', 'r1', P('a'), 'sala-9', 5001)).toEqual({ found: false });
    expect(q.get('b')!.state.kind).toBe('waiting');
    expect(q.confirm('p1', 'r1', 'sala-1', true, 5002)).toBe('expired');
  });

  it('confirm is idempotent, and only the origin with the right requestId may settle', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.reserve('p1', 'r1', P('a'), 'sala-1', 0);
    expect(q.confirm('p3', 'r1', 'sala-1', false, 1)).toBe('unknown');
    expect(q.confirm('p1', 'rX', 'sala-1', false, 1)).toBe('unknown');
    expect(q.confirm('p1', 'r1', 'nope', false, 1)).toBe('unknown');
    expect(q.get('b')!.state.kind).toBe('reserved');
    expect(q.confirm('p1', 'r1', 'sala-1', true, 2)).toBe('committed');
    expect(q.confirm('p1', 'r1', 'sala-1', true, 3)).toBe('committed');
    q.dropMatched('b', 'sala-1', 4);
    expect(q.confirm('p1', 'r1', 'sala-1', true, 5)).toBe('committed');
    expect(q.reserve('p1', 'r1', P('a'), 'sala-z', 6)).toMatchObject({ found: true, salaId: 'sala-1' });
  });

  it('a released player is free again', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.reserve('p1', 'r1', P('a'), 'sala-1', 0);
    expect(q.confirm('p1', 'r1', 'sala-1', false, 1)).toBe('released');
    expect(q.confirm('p1', 'r1', 'sala-1', false, 2)).toBe('released');
    expect(q.get('b')!.state.kind).toBe('waiting');
    expect(q.reserve('p3', 'r7', P('z'), 'sala-2', 3)).toMatchObject({ found: true });
  });

  it('a commit the replica never shows gives the player back after the hold', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.reserve('p1', 'r1', P('a'), 'sala-1', 0);
    q.confirm('p1', 'r1', 'sala-1', true, 1000);
    expect(q.expire(10_000)).toEqual([]);
    expect(q.expire(31_000)).toEqual(['b']);
    expect(q.get('b')!.state.kind).toBe('waiting');
  });

  it('forgets settled reservations after the memory window', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.reserve('p1', 'r1', P('a'), 'sala-1', 0);
    q.confirm('p1', 'r1', 'sala-1', false, 1);
    q.expire(60_001);
    expect(q.confirm('p1', 'r1', 'sala-1', false, 60_002)).toBe('unknown');
  });

  it('the ledger showing another match ends a reservation as released', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.reserve('p1', 'r1', P('a'), 'sala-1', 0);
    expect(q.dropMatched('b', 'm-elsewhere', 1)).toBe(true);
    expect(q.confirm('p1', 'r1', 'sala-1', true, 2)).toBe('released');
    expect(q.reservationCount).toBe(0);
  });
});

describe('MatchQueue: crossed requests', () => {
  it('a searching player yields only to a peer with a lower id', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.startSearch('b', 's');
    expect(q.reserve('p3', 'r1', P('c'), 'sala-3', 1)).toEqual({ found: false });
    expect(q.reserve('p1', 'r1', P('a'), 'sala-1', 1)).toMatchObject({ found: true, salaId: 'sala-1' });
    expect(q.searchAnswered('b', 's', 'sala-from-p3')).toBe('release');
  });

  it('a waiting player is preferred over a searching one', () => {
    const q = new MatchQueue(opts('p2'));
    q.enqueue(P('b'), 0);
    q.startSearch('b', 's');
    q.enqueue(P('c'), 5);
    expect(q.reserve('p1', 'r1', P('a'), 'sala-1', 6)).toMatchObject({ opponent: P('c') });
  });

  it('A→B and B→A at once pair exactly one couple (either arrival order)', () => {
    for (const aFirst of [true, false]) {
      const A = new MatchQueue(opts('p1'));
      const B = new MatchQueue(opts('p2'));
      A.enqueue(P('a'), 0);
      B.enqueue(P('b'), 0);
      A.startSearch('a', 'sa');
      B.startSearch('b', 'sb');
      const atB = () => B.reserve('p1', 'ra', P('a'), 'sala-ab', 1);
      const atA = () => A.reserve('p2', 'rb', P('b'), 'sala-ba', 1);
      const [toA, toB] = aFirst ? [atA(), atB()] : (() => { const b = atB(); return [atA(), b]; })();
      expect(toA).toEqual({ found: false });
      expect(toB).toMatchObject({ found: true, salaId: 'sala-ab', opponent: P('b') });
      expect(A.searchAnswered('a', 'sa', 'sala-ab')).toBe('accept');
      expect(B.searchAnswered('b', 'sb', null)).toBe('stale');
    }
  });
});

describe('MatchQueue: model check', () => {
  // Random operations against one queue; after each, the structure must be consistent and
  // every departure must have a cause the spec allows.
  it('keeps entries and reservations consistent, and drops nobody without a cause', () => {
    const players = ['a', 'b', 'c', 'd'];
    const op = fc.oneof(
      fc.record({ k: fc.constant('enqueue' as const), p: fc.constantFrom(...players) }),
      fc.record({ k: fc.constant('leave' as const), p: fc.constantFrom(...players) }),
      fc.record({ k: fc.constant('pair' as const) }),
      fc.record({ k: fc.constant('search' as const), p: fc.constantFrom(...players) }),
      fc.record({ k: fc.constant('answer' as const), p: fc.constantFrom(...players), found: fc.boolean() }),
      fc.record({ k: fc.constant('exhaust' as const), p: fc.constantFrom(...players) }),
      fc.record({ k: fc.constant('reserve' as const), origin: fc.constantFrom('p1', 'p3'), r: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ k: fc.constant('confirm' as const), r: fc.integer({ min: 0, max: 5 }), commit: fc.boolean() }),
      fc.record({ k: fc.constant('done' as const), p: fc.constantFrom(...players), matched: fc.boolean() }),
      fc.record({ k: fc.constant('drop' as const), p: fc.constantFrom(...players) }),
      fc.record({ k: fc.constant('tick' as const), dt: fc.integer({ min: 0, max: 6000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const q = new MatchQueue(opts('p2'));
        let now = 0;
        let n = 0;
        const search = new Map<string, string>();
        const salaOfReq = new Map<number, { origin: string; sala: string }>();
        const leaving = new Set<string>();
        const matchedCause = new Set<string>();
        for (const o of ops) {
          matchedCause.clear();
          switch (o.k) {
            case 'enqueue':
              q.enqueue(P(o.p), now);
              leaving.delete(o.p);
              break;
            case 'leave':
              if (q.leave(o.p) !== 'absent') leaving.add(o.p);
              break;
            case 'pair':
              q.pairLocal(`L${n++}`);
              break;
            case 'search': {
              const id = `s${n++}`;
              if (q.startSearch(o.p, id)) search.set(o.p, id);
              break;
            }
            case 'answer':
              q.searchAnswered(o.p, search.get(o.p) ?? 'none', o.found ? `R${n++}` : null);
              break;
            case 'exhaust':
              q.searchExhausted(o.p, search.get(o.p) ?? 'none');
              break;
            case 'reserve': {
              const a = q.reserve(o.origin, `r${o.r}`, P(`remote-${o.r}`), `S${n++}`, now);
              if (a.found) salaOfReq.set(o.r, { origin: o.origin, sala: a.salaId });
              break;
            }
            case 'confirm': {
              const s = salaOfReq.get(o.r);
              if (s) q.confirm(s.origin, `r${o.r}`, s.sala, o.commit, now);
              break;
            }
            case 'done': {
              const st = q.get(o.p)?.state;
              if (st?.kind === 'matching') {
                q.matchingDone(o.p, st.salaId, o.matched ? 'matched' : 'retry');
                if (o.matched) matchedCause.add(o.p);
              }
              break;
            }
            case 'drop':
              if (q.dropMatched(o.p, 'M', now)) matchedCause.add(o.p);
              break;
            case 'tick':
              now += o.dt;
              q.expire(now);
              break;
          }
          for (const d of q.takeDepartures()) {
            if (d.reason === 'cancelled') expect(leaving.has(d.playerId), `${d.playerId} cancelled without leaving`).toBe(true);
            else expect(matchedCause.has(d.playerId), `${d.playerId} matched without a match`).toBe(true);
            leaving.delete(d.playerId);
          }
          // Structure: a reserved entry has its live reservation and vice versa; ids unique.
          let reserved = 0;
          for (const e of q.list()) {
            if (e.state.kind === 'reserved') {
              reserved++;
              expect(q.reservationOf(e.player.id)?.playerId).toBe(e.player.id);
            }
          }
          expect(q.reservationCount).toBe(reserved);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('rotation', () => {
  it('rotates the sorted peers by turn', () => {
    expect(rotation(['p3', 'p1', 'p2'], 0)).toEqual(['p1', 'p2', 'p3']);
    expect(rotation(['p3', 'p1', 'p2'], 1)).toEqual(['p2', 'p3', 'p1']);
    expect(rotation(['p3', 'p1', 'p2'], 5)).toEqual(['p3', 'p1', 'p2']);
    expect(rotation([], 3)).toEqual([]);
  });
});
