// The match core, one test per rule of the match contract (docs/architecture/matches.md;
// docs/design.md §8), the way server/raft/core tests are named after the paper's rules. Pure: three
// cores in one process over the real ledger state machine, in milliseconds.
import { describe, expect, it } from 'vitest';
import { CoreNet } from './testing.ts';
import type { Publish } from './types.ts';

const M = 'm1';
const A = 'alice';
const B = 'bob';

function net(): CoreNet {
  const n = new CoreNet(['h', 's', 'w']);
  n.connect('h', A);
  n.connect('s', B);
  return n;
}

function started(): CoreNet {
  const n = net();
  n.registerPlayer(A);
  n.registerPlayer(B);
  n.connect('h', A);
  n.connect('s', B);
  n.startMatch(M, 'h', 's', [A, B]);
  return n;
}

/** Plays the player on turn's lowest card from the node where that player is. */
function playTurn(n: CoreNet, rid: string) {
  const t = n.onTurn('h', M)!;
  return n.move(t.playerId === A ? 'h' : 's', t.playerId, rid, { type: 'JOGAR', cardId: t.cardId });
}

const types = (ps: Publish[]) => ps.map((p) => p.event.type);

describe('match core: docs/design.md §8 rules', () => {
  it('§8 host alone decides: a command becomes the next signed event (eventSeq + 1) on the host', () => {
    const n = started();
    const h = n.node('h').core.match(M)!;
    const before = h.seq;
    const r = playTurn(n, 'r1');
    expect(r).toMatchObject({ ok: true, eventSeq: before + 1 });
    expect(h.events[before].eventSeq).toBe(before + 1);
    expect(n.signer.verify(h.events[before])).toBe(true);
  });

  it('§8 the host shows and answers only after the shadow stored the event', () => {
    const n = started();
    n.node('s').holdDisk = true; // the shadow cannot make anything durable
    const t = n.onTurn('h', M)!;
    const node = t.playerId === A ? 'h' : 's';
    const answer = n.move(node, t.playerId, 'r1', { type: 'JOGAR', cardId: t.cardId });
    expect(answer).toBeUndefined();
    expect(n.node('h').core.match(M)!.shownSeq).toBeLessThan(n.node('h').core.match(M)!.seq);
    n.node('s').holdDisk = false;
    n.settle();
    expect(n.node(node).answers.at(-1)).toMatchObject({ ok: true });
  });

  it('§8 the shadow accepts only the next eventSeq of the current epoch, from the host, signed', () => {
    const n = started();
    const h = n.node('h').core.match(M)!;
    const s = n.node('s').core;
    const ev = h.events[h.seq - 1];
    const tries: [string, Parameters<CoreNet['step']>[1]][] = [
      ['forged', { kind: 'peer', token: 9001, from: 'h', request: { type: 'replicate', matchId: M, epoch: 1, fromSeq: h.seq + 1, events: [{ ...ev, eventSeq: h.seq + 1, signature: 'AAAA' }], stateHash: 'x' } }],
      ['skipped', { kind: 'peer', token: 9002, from: 'h', request: { type: 'replicate', matchId: M, epoch: 1, fromSeq: h.seq + 5, events: [ev], stateHash: 'x' } }],
      ['not the host', { kind: 'peer', token: 9003, from: 'w', request: { type: 'replicate', matchId: M, epoch: 1, fromSeq: h.seq + 1, events: [ev], stateHash: 'x' } }],
    ];
    for (const [, input] of tries) {
      const seq = s.match(M)!.seq;
      s.step(input, n.now);
      const r = s.ready();
      expect(r.replies[0].reply.ok).toBe(false);
      expect(s.match(M)!.seq).toBe(seq);
    }
  });

  it('§8 players receive their own MAO before the ATUALIZACAO_JOGO of that eventSeq, both carrying it', () => {
    const n = started();
    const pubs = n.node('h').published;
    const firstMao = pubs.findIndex((p) => p.event.type === 'MAO' && (p.event.hand as unknown[]).length === 5);
    const update = pubs.findIndex((p, i) => i > firstMao && p.event.type === 'ATUALIZACAO_JOGO');
    expect(firstMao).toBeGreaterThanOrEqual(0);
    expect(update).toBeGreaterThan(firstMao);
    expect(pubs[firstMao].event.eventSeq).toBe(pubs[update].event.eventSeq);
    n.node('h').published.length = 0;
    n.node('s').published.length = 0;
    const t = n.onTurn('h', M)!;
    const node = t.playerId === A ? 'h' : 's';
    playTurn(n, 'r1');
    const mine = n.node(node).published;
    expect(types(mine).indexOf('MAO')).toBeLessThan(types(mine).indexOf('ATUALIZACAO_JOGO'));
  });

  it('§8 no publish carries the opponent’s hand', () => {
    const n = started();
    for (let i = 0; i < 4; i++) playTurn(n, `r${i}`);
    const handOf = (p: string) => new Set(n.node('h').core.match(M)!.events.filter((e) => e.type === 'HAND_SET' && e.playerId === p).flatMap((e) => (e as { cards: { id: string }[] }).cards.map((c) => c.id)));
    for (const [node, me] of [['h', A], ['s', B]] as const) {
      for (const p of n.node(node).published) {
        if (p.to === 'player') expect(p.playerId).toBe(me);
        if (p.event.type === 'MAO') for (const c of p.event.hand as { id: string }[]) expect(handOf(me).has(c.id)).toBe(true);
        expect(JSON.stringify(p.event)).not.toContain('"hands"');
      }
    }
  });

  it('§8 a move from a player on the shadow costs one round trip: answered when the shadow stores it', () => {
    const n = started();
    let t = n.onTurn('h', M)!;
    if (t.playerId === A) {
      playTurn(n, 'first');
      t = n.onTurn('h', M)!;
    }
    expect(t.playerId).toBe(B);
    const token = 4242;
    n.step('s', { kind: 'command', token, playerId: B, requestId: 'lean', move: { type: 'JOGAR', cardId: t.cardId } });
    n.node('h').holdDisk = true; // the host's own copy is slow; the shadow's is not
    n.settle();
    expect(n.node('s').answers.find((a) => a.token === token)).toMatchObject({ ok: true });
  });

  it('§8 a retried requestId is answered from the log, never run twice', () => {
    const n = started();
    const t = n.onTurn('h', M)!;
    const node = t.playerId === A ? 'h' : 's';
    const first = n.move(node, t.playerId, 'same', { type: 'JOGAR', cardId: t.cardId });
    const seq = n.node('h').core.match(M)!.seq;
    const again = n.move(node, t.playerId, 'same', { type: 'JOGAR', cardId: t.cardId });
    expect(again).toMatchObject({ ok: true, eventSeq: (first as { eventSeq: number }).eventSeq });
    expect(n.node('h').core.match(M)!.seq).toBe(seq);
  });

  it('§8 a hand becomes the match’s only through the ledger’s lock of it', () => {
    const n = net();
    n.registerPlayer(A);
    n.registerPlayer(B);
    n.startMatch(M, 'h', 's', [A, B], { hands: false });
    const h = n.node('h').core.match(M)!;
    expect(h.head.phase).toBe('AGUARDANDO_COMPRA');
    n.commit({ type: 'BUY_PACK', requestId: 'p1', playerId: A, matchId: M });
    n.settle();
    const set = h.events.find((e) => e.type === 'HAND_SET' && e.playerId === A) as { cards: { id: string }[] } | undefined;
    expect(set?.cards.map((c) => c.id).sort()).toEqual(n.record(M)!.hands[A]!.map((c) => c.id).sort());
  });

  it('§8 failover: a dead host → MATCH_FAILOVER through the ledger → FAILOVER event → the shadow hosts, no shown move lost', () => {
    const n = started();
    for (let i = 0; i < 3; i++) playTurn(n, `r${i}`);
    const shown = n.node('h').core.match(M)!.events.slice(0, n.node('h').core.match(M)!.shownSeq);
    n.crash('h');
    n.advance(100);
    const rec = n.record(M)!;
    expect(rec.epoch).toBe(2);
    expect(rec.host).toBe('s');
    const s = n.node('s').core.match(M)!;
    expect(s.events.at(-1)?.type).toBe('FAILOVER');
    expect(shown.every((e, i) => s.events[i].signature === e.signature)).toBe(true);
    expect(n.node('s').core.role(s)).toBe('host');
    // The new shadow got the whole log and the players were told.
    expect(n.node('w').core.match(M)?.events.length).toBe(s.events.length);
    expect(n.node('s').published.some((p) => p.event.type === 'ATUALIZACAO_JOGO' && p.event.lastEvent === 'FAILOVER' && p.event.host === 's')).toBe(true);
  });

  it('§8 the epoch fences the old host: back from a partition it serves nothing of the old epoch', () => {
    const n = started();
    n.partition('h', 's');
    n.partition('h', 'w');
    n.advance(100); // the shadow sees the host dead and takes over through the ledger
    expect(n.record(M)!.host).toBe('s');
    const h = n.node('h').core;
    const t = n.onTurn('h', M)!;
    if (t.playerId === A) {
      // The old host has not heard of the new epoch yet: its move cannot be stored anywhere.
      const r = n.move('h', A, 'stale', { type: 'JOGAR', cardId: t.cardId });
      expect(r?.ok ?? false).toBe(false);
    }
    n.heal();
    n.advance(100);
    expect(h.role(h.match(M)!)).toBe('watcher');
    expect(n.node('s').core.match(M)!.events.some((e) => e.requestId === `${A}:stale` && e.epoch === 1)).toBe(false);
  });

  it('§8 a shadow cut off from the ledger’s majority cannot promote itself', () => {
    const n = started();
    n.ledgerUp = false;
    n.crash('h');
    n.advance(3000);
    expect(n.node('s').core.role(n.node('s').core.match(M)!)).toBe('shadow');
    expect(n.node('s').core.match(M)!.events.some((e) => e.type === 'FAILOVER')).toBe(false);
    n.ledgerUp = true;
    n.advance(2100);
    expect(n.node('s').core.role(n.node('s').core.match(M)!)).toBe('host');
  });

  it('§8 a dead shadow is replaced the same way: a new shadow through the ledger, seeded with the log', () => {
    const n = started();
    playTurn(n, 'r0');
    n.crash('s');
    n.advance(100);
    const rec = n.record(M)!;
    expect(rec).toMatchObject({ host: 'h', shadow: 'w', epoch: 2 });
    const h = n.node('h').core.match(M)!;
    expect(h.events.at(-1)).toMatchObject({ type: 'FAILOVER', oldHost: 'h', newHost: 'h', shadow: 'w' });
    expect(n.node('w').core.match(M)!.events.map((e) => e.signature)).toEqual(h.events.map((e) => e.signature));
  });

  it('§5 turn timer: the player on turn too long gets its lowest card played', () => {
    const n = started();
    const t = n.onTurn('h', M)!;
    n.advance(n.timing.turnMs + 1);
    const last = n.node('h').core.match(M)!.events.at(-1)!;
    expect(last).toMatchObject({ type: 'CARD_PLAYED', playerId: t.playerId, cardId: t.cardId, auto: true });
  });

  it('§5 disconnect forfeit: a player connected nowhere for too long forfeits', () => {
    const n = started();
    n.step('s', { kind: 'disconnected', playerId: B });
    for (let i = 0; i < 7; i++) n.advance(10_000); // turns keep being auto-played, presence does not
    const h = n.node('h').core.match(M)!;
    expect(h.head.phase).toBe('FINALIZADO');
    expect(h.events.some((e) => e.type === 'FORFEIT' && e.playerId === B && e.reason === 'DESCONECTADO') || h.head.result !== null).toBe(true);
  });

  it('§8 a finished match is recorded in the ledger at the host’s epoch', () => {
    const n = started();
    for (let i = 0; i < 10; i++) playTurn(n, `r${i}`);
    const rec = n.ledger.matches.get(M)!;
    expect(rec.status).toBe('finished');
    expect(n.node('h').core.match(M)!.head.phase).toBe('FINALIZADO');
  });

  it('§8 a restarted host keeps what its shadow stored before the crash (the shadow’s copy wins)', () => {
    const n = started();
    const t = n.onTurn('h', M)!;
    n.node('h').holdDisk = true; // the host's append never becomes durable
    const node = t.playerId === A ? 'h' : 's';
    n.step(node, { kind: 'command', token: 777, playerId: t.playerId, requestId: 'lost-here', move: { type: 'JOGAR', cardId: t.cardId } });
    n.settle();
    const stored = n.node('s').core.match(M)!.seq;
    n.crash('h');
    n.restart('h'); // back before anyone noticed: still the host of epoch 1
    n.settle();
    const h = n.node('h').core.match(M)!;
    expect(h.seq).toBeGreaterThanOrEqual(stored);
    expect(h.seqOf(`${t.playerId}:lost-here`)).toBeDefined();
  });

  it('§8 players who reconnect elsewhere get the match back: MAO and the latest view', () => {
    const n = started();
    playTurn(n, 'r0');
    n.step('h', { kind: 'disconnected', playerId: A });
    n.node('w').published.length = 0;
    n.connect('w', A);
    n.settle();
    const got = types(n.node('w').published);
    expect(got).toContain('MAO');
    expect(got).toContain('ATUALIZACAO_JOGO');
    expect(got.indexOf('MAO')).toBeLessThan(got.indexOf('ATUALIZACAO_JOGO'));
  });
});
