// PROPOR_TROCA / RESPONDER_TROCA handlers and the notifier, over a real ledger replica.
// Two "nodes" share one ledger log here: each has its own replica, router and notifier, and
// every committed entry is applied on both, as Raft would.
import { describe, it, expect, beforeEach } from 'vitest';
import pino from 'pino';
import { CommandRouter } from './commands.ts';
import { tradeIdFor, tradeCommands } from './trade-handlers.ts';
import type { TradeNotifier } from './trade-notifier.ts';
import { LedgerReplica } from '../ledger/replica.ts';
import type { LedgerService } from '../ledger/service.ts';
import { collectionOf, ledgerDigest, type LedgerCommand, type LedgerResult } from '../ledger/machine/index.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { PlayerEvent } from '../../protocol/events.ts';

type Ev = PlayerEvent & { requestId?: string; tradeId?: string; code?: string; reason?: string; offerCard?: unknown; wantCard?: unknown };

class FakeNode {
  readonly replica = new LedgerReplica('trade-cluster', 1);
  readonly inbox = new Map<string, Ev[]>();
  readonly connected = new Set<string>();
  router!: CommandRouter;
  notifier!: TradeNotifier;
  constructor(readonly log: SharedLog) {}
  events(p: string): Ev[] {
    return this.inbox.get(p) ?? [];
  }
  send(p: string, e: PlayerEvent) {
    if (!this.connected.has(p)) return;
    this.inbox.set(p, [...this.events(p), e as Ev]);
  }
  /** Sends a command as player p and returns what p received while it ran. */
  async command(p: string, cmd: Record<string, unknown>): Promise<Ev[]> {
    const before = this.events(p).length;
    await this.router.dispatch(p, Buffer.from(JSON.stringify(cmd)));
    return this.events(p).slice(before);
  }
}

/** The "Raft log": commits a command by applying it on every node, in order. */
class SharedLog {
  index = 0;
  nodes: FakeNode[] = [];
  entries: LedgerCommand[] = [];
  submit(cmd: LedgerCommand): LedgerResult {
    this.index++;
    this.entries.push(cmd);
    let result: LedgerResult | null = null;
    for (const n of this.nodes) {
      const r = n.replica.apply({ index: this.index, term: 1, kind: 'command', data: cmd });
      result ??= r;
    }
    return result!;
  }
}

const logger = pino({ level: 'silent' });
const metrics = createMetrics('test');

function cluster() {
  const log = new SharedLog();
  const nodes = [new FakeNode(log), new FakeNode(log)];
  log.nodes = nodes;
  for (const n of nodes) {
    n.router = new CommandRouter((p, e) => n.send(p, e), logger, metrics);
    const service = { submit: async (cmd: LedgerCommand) => log.submit(cmd) } as unknown as LedgerService;
    n.notifier = tradeCommands(n.router, { replica: n.replica, ledger: service, broker: { isConnected: (p) => n.connected.has(p), sendToPlayer: (p, e) => n.send(p, e) } });
    n.notifier.attach(n.replica, 0);
  }
  for (const p of ['a', 'b', 'c']) log.submit({ type: 'REGISTER_PLAYER', playerId: p, name: p.toUpperCase(), tokenHash: `h-${p}` });
  const cards = (p: string) => collectionOf(nodes[0].replica.state, p).map((c) => c.id);
  for (const p of ['a', 'b', 'c']) log.submit({ type: 'BUY_PACK', requestId: `${p}:seed`, playerId: p });
  // a is on node 0, b and c on node 1.
  nodes[0].connected.add('a');
  nodes[1].connected.add('b');
  nodes[1].connected.add('c');
  return { log, n0: nodes[0], n1: nodes[1], cards };
}

let c: ReturnType<typeof cluster>;
beforeEach(() => {
  c = cluster();
});

const propose = (to: string, offerCardId: string, wantCardId: string, requestId = 'p1') => ({ type: 'PROPOR_TROCA', requestId, toPlayerId: to, offerCardId, wantCardId });
const respond = (tradeId: string, accept: boolean, requestId = 'r1') => ({ type: 'RESPONDER_TROCA', requestId, tradeId, accept });

describe('PROPOR_TROCA', () => {
  it('commits the offer, answers TROCA_ENVIADA and tells the recipient on its own node', async () => {
    const [a0] = c.cards('a');
    const [b0] = c.cards('b');
    const got = await c.n0.command('a', propose('b', a0, b0));
    expect(got).toHaveLength(1);
    const sent = got[0];
    expect(sent).toMatchObject({ type: 'TROCA_ENVIADA', requestId: 'p1', toPlayerId: 'b', offerCard: { id: a0 }, wantCard: { id: b0 } });
    expect(sent.tradeId).toBe(tradeIdFor('a', 'p1'));
    expect(sent.tradeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.n1.events('b')).toEqual([{ type: 'TROCA_PROPOSTA', tradeId: sent.tradeId, fromPlayerId: 'a', offerCard: sent.offerCard, wantCard: sent.wantCard }]);
    expect(c.n1.events('c')).toEqual([]);
    // The same requestId again is the same offer: same reply, no second proposal.
    const again = await c.n0.command('a', propose('b', a0, b0));
    expect(again).toEqual(got);
    expect(c.n1.events('b')).toHaveLength(1);
    expect(c.log.entries.filter((e) => e.type === 'TRADE_OFFER')).toHaveLength(2);
  });

  it('refuses the proposer-side problems before the log, the other side in the ledger', async () => {
    const [a0] = c.cards('a');
    const [b0] = c.cards('b');
    const [c0] = c.cards('c');
    const entries = c.log.index;
    const digest = ledgerDigest(c.n0.replica.state);
    expect((await c.n0.command('a', propose('a', a0, b0, 'x1')))[0]).toMatchObject({ type: 'ERRO', requestId: 'x1', code: 'SAME_PLAYER' });
    expect((await c.n0.command('a', propose('b', b0, b0, 'x2')))[0]).toMatchObject({ type: 'ERRO', code: 'CARD_NOT_OWNED' });
    expect((await c.n0.command('a', propose('b', 'no-such-card', b0, 'x3')))[0]).toMatchObject({ type: 'ERRO', code: 'CARD_NOT_OWNED' });
    expect((await c.n0.command('a', { type: 'PROPOR_TROCA', requestId: 'x4', toPlayerId: 'b' }))[0]).toMatchObject({ type: 'ERRO', code: 'BAD_REQUEST' });
    expect(c.log.index).toBe(entries);
    expect(ledgerDigest(c.n0.replica.state)).toBe(digest);
    // The want card belongs to c, not b; an unknown recipient: refused by the ledger.
    expect((await c.n0.command('a', propose('b', a0, c0, 'x5')))[0]).toMatchObject({ type: 'ERRO', code: 'CARD_NOT_OWNED' });
    expect((await c.n0.command('a', propose('ghost', a0, c0, 'x6')))[0]).toMatchObject({ type: 'ERRO', code: 'UNKNOWN_PLAYER' });
    expect(c.n0.replica.state.offers.size).toBe(0);
    expect(c.n1.events('b')).toEqual([]);
  });
});

describe('RESPONDER_TROCA', () => {
  async function offered() {
    const [a0] = c.cards('a');
    const [b0] = c.cards('b');
    const tradeId = (await c.n0.command('a', propose('b', a0, b0)))[0].tradeId!;
    return { a0, b0, tradeId };
  }

  it('accept: the cards swap and both get TROCA_CONCLUIDA once; the responder’s carries its requestId', async () => {
    const { a0, b0, tradeId } = await offered();
    const aBefore = c.n0.events('a').length;
    const got = await c.n1.command('b', respond(tradeId, true));
    expect(got.filter((e) => e.type === 'TROCA_CONCLUIDA')).toEqual([{ type: 'TROCA_CONCLUIDA', tradeId, requestId: 'r1' }]);
    expect(got).toHaveLength(1);
    expect(c.n0.events('a').slice(aBefore)).toEqual([{ type: 'TROCA_CONCLUIDA', tradeId }]);
    for (const n of [c.n0, c.n1]) {
      expect(collectionOf(n.replica.state, 'a').map((x) => x.id)).toContain(b0);
      expect(collectionOf(n.replica.state, 'b').map((x) => x.id)).toContain(a0);
    }
    // A retry (lost reply) answers the outcome again and commits nothing.
    const entries = c.log.index;
    expect(await c.n1.command('b', respond(tradeId, true, 'r2'))).toEqual([{ type: 'TROCA_CONCLUIDA', tradeId, requestId: 'r2' }]);
    expect(c.log.index).toBe(entries);
  });

  it('decline: both get TROCA_RECUSADA DECLINED and nothing moves; a cancel says CANCELLED', async () => {
    const { tradeId } = await offered();
    const before = [collectionOf(c.n0.replica.state, 'a'), collectionOf(c.n0.replica.state, 'b')];
    const aBefore = c.n0.events('a').length;
    expect(await c.n1.command('b', respond(tradeId, false))).toEqual([{ type: 'TROCA_RECUSADA', tradeId, reason: 'DECLINED', requestId: 'r1' }]);
    expect(c.n0.events('a').slice(aBefore)).toEqual([{ type: 'TROCA_RECUSADA', tradeId, reason: 'DECLINED' }]);
    expect([collectionOf(c.n0.replica.state, 'a'), collectionOf(c.n0.replica.state, 'b')]).toEqual(before);

    const [, a1] = c.cards('a');
    const [, b1] = c.cards('b');
    const t2 = (await c.n0.command('a', propose('b', a1, b1, 'p2')))[0].tradeId!;
    const bBefore = c.n1.events('b').length;
    expect(await c.n0.command('a', respond(t2, false, 'cancel'))).toEqual([{ type: 'TROCA_RECUSADA', tradeId: t2, reason: 'CANCELLED', requestId: 'cancel' }]);
    expect(c.n1.events('b').slice(bBefore)).toEqual([{ type: 'TROCA_RECUSADA', tradeId: t2, reason: 'CANCELLED' }]);
  });

  it('an offer whose card changed hands meanwhile is refused: ERRO to the responder, TROCA_RECUSADA to both', async () => {
    const [a0] = c.cards('a');
    const [b0] = c.cards('b');
    const [c0] = c.cards('c');
    const toB = (await c.n0.command('a', propose('b', a0, b0, 'to-b')))[0].tradeId!;
    const toC = (await c.n0.command('a', propose('c', a0, c0, 'to-c')))[0].tradeId!;
    await c.n1.command('c', respond(toC, true));
    const owners = [collectionOf(c.n0.replica.state, 'a'), collectionOf(c.n0.replica.state, 'b')];
    const aBefore = c.n0.events('a').length;
    const got = await c.n1.command('b', respond(toB, true, 'late'));
    expect(got).toContainEqual({ type: 'TROCA_RECUSADA', tradeId: toB, reason: 'CARD_UNAVAILABLE' });
    expect(got).toContainEqual(expect.objectContaining({ type: 'ERRO', requestId: 'late', code: 'CARD_UNAVAILABLE' }));
    expect(got).toHaveLength(2);
    expect(c.n0.events('a').slice(aBefore)).toEqual([{ type: 'TROCA_RECUSADA', tradeId: toB, reason: 'CARD_UNAVAILABLE' }]);
    expect([collectionOf(c.n0.replica.state, 'a'), collectionOf(c.n0.replica.state, 'b')]).toEqual(owners);
  });

  it('refuses bad input before the log with specific codes', async () => {
    const { tradeId } = await offered();
    const entries = c.log.index;
    const digest = ledgerDigest(c.n1.replica.state);
    expect((await c.n1.command('b', respond('no-such-trade', true)))[0]).toMatchObject({ type: 'ERRO', code: 'UNKNOWN_TRADE' });
    expect((await c.n1.command('c', respond(tradeId, true)))[0]).toMatchObject({ type: 'ERRO', code: 'NOT_TRADE_PARTY' });
    expect((await c.n1.command('c', respond(tradeId, false)))[0]).toMatchObject({ type: 'ERRO', code: 'NOT_TRADE_PARTY' });
    expect((await c.n0.command('a', respond(tradeId, true)))[0]).toMatchObject({ type: 'ERRO', code: 'NOT_TRADE_PARTY' });
    expect(c.log.index).toBe(entries);
    expect(ledgerDigest(c.n1.replica.state)).toBe(digest);
    await c.n1.command('b', respond(tradeId, false));
    const closed = c.log.index;
    expect((await c.n1.command('b', respond(tradeId, true, 'r9')))[0]).toMatchObject({ type: 'ERRO', requestId: 'r9', code: 'TRADE_CLOSED' });
    expect((await c.n0.command('a', respond(tradeId, false, 'r10')))[0]).toMatchObject({ type: 'ERRO', code: 'TRADE_CLOSED' });
    expect(c.log.index).toBe(closed);
  });
});

describe('TradeNotifier', () => {
  it('re-sends pending offers on (re)connect, and only those awaiting the player', async () => {
    const [a0, a1] = c.cards('a');
    const [b0, b1] = c.cards('b');
    c.n1.connected.delete('b');
    const t1 = (await c.n0.command('a', propose('b', a0, b0, 'g1')))[0].tradeId!;
    const t2 = (await c.n0.command('a', propose('b', a1, b1, 'g2')))[0].tradeId!;
    await c.n0.command('a', respond(t2, false, 'cancel'));
    expect(c.n1.events('b')).toEqual([]);
    c.n1.connected.add('b');
    c.n1.notifier.greet('b');
    expect(c.n1.events('b').map((e) => [e.type, e.tradeId])).toEqual([['TROCA_PROPOSTA', t1]]);
    c.n0.notifier.greet('a'); // a is the proposer: nothing to answer
    expect(c.n0.events('a').filter((e) => e.type === 'TROCA_PROPOSTA')).toEqual([]);
  });

  it('stays quiet for entries replayed at start-up (index ≤ the commit known at start)', () => {
    // A restarted node: a fresh replica re-applies the log; entries up to `replayedUpTo` are old.
    const [a0] = c.cards('a');
    const [b0] = c.cards('b');
    const fresh = new FakeNode(c.log);
    fresh.connected.add('b');
    const sent: Ev[] = [];
    fresh.router = new CommandRouter(() => undefined, logger, metrics);
    const n = tradeCommands(fresh.router, { replica: fresh.replica, ledger: {} as LedgerService, broker: { isConnected: () => true, sendToPlayer: (_p, e) => sent.push(e as Ev) } });
    c.log.submit({ type: 'TRADE_OFFER', tradeId: 'old', fromPlayerId: 'a', toPlayerId: 'b', offerCardId: a0, wantCardId: b0 });
    const replayedUpTo = c.log.index;
    n.attach(fresh.replica, replayedUpTo);
    c.log.entries.forEach((cmd, i) => fresh.replica.apply({ index: i + 1, term: 1, kind: 'command', data: cmd }));
    expect(sent).toEqual([]);
    // A new entry after start-up notifies.
    const cmd: LedgerCommand = { type: 'TRADE_DECLINE', tradeId: 'old', byPlayerId: 'b' };
    fresh.replica.apply({ index: replayedUpTo + 1, term: 1, kind: 'command', data: cmd });
    expect(sent.map((e) => [e.type, e.reason])).toEqual([
      ['TROCA_RECUSADA', 'DECLINED'],
      ['TROCA_RECUSADA', 'DECLINED'],
    ]);
  });

  it('a command and its retry in one BATCH entry notify once; an offer and its accept in one entry notify both', () => {
    const [a0, a1] = c.cards('a');
    const [b0, b1] = c.cards('b');
    const offer = (tradeId: string, o: string, w: string): LedgerCommand => ({ type: 'TRADE_OFFER', tradeId, fromPlayerId: 'a', toPlayerId: 'b', offerCardId: o, wantCardId: w });
    const accept = (tradeId: string): LedgerCommand => ({ type: 'TRADE', tradeId, fromPlayerId: 'a', toPlayerId: 'b', offerCardId: a0, wantCardId: b0, byPlayerId: 'b' });
    const batch = (commands: LedgerCommand[]) => {
      c.log.index++;
      for (const n of [c.n0, c.n1]) n.replica.apply({ index: c.log.index, term: 1, kind: 'command', data: { type: 'BATCH', commands } as never });
    };
    batch([offer('t1', a0, b0), offer('t1', a0, b0), accept('t1'), accept('t1')]);
    batch([offer('t2', a1, b1), offer('t2', a1, b1)]);
    const types = (p: string, n: FakeNode) => n.events(p).map((e) => [e.type, e.tradeId]);
    expect(types('b', c.n1)).toEqual([
      ['TROCA_PROPOSTA', 't1'],
      ['TROCA_CONCLUIDA', 't1'],
      ['TROCA_PROPOSTA', 't2'],
    ]);
    expect(types('a', c.n0)).toEqual([['TROCA_CONCLUIDA', 't1']]);
  });
});
