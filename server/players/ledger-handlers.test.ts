// When COLECAO / RANKING wait for a read index: first in a session, after a write of the
// player through this node, after confirmNext; and a read index that fails is ERRO UNAVAILABLE.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { CommandRouter } from './commands.ts';
import { ledgerCommands } from './ledger-handlers.ts';
import { LedgerReplica } from '../ledger/replica.ts';
import type { LedgerService } from '../ledger/service.ts';
import { createMetrics } from '../metrics/metrics.ts';
import type { PlayerEvent } from '../../protocol/events.ts';

function setup() {
  const replica = new LedgerReplica('handlers-cluster', 1);
  replica.apply({ index: 1, term: 1, kind: 'command', data: { type: 'REGISTER_PLAYER', playerId: 'p', name: 'P', tokenHash: 'h' } });
  const seqs = new Map<string, number>();
  const ledger = { writeSeqOf: (id: string) => seqs.get(id) ?? 0 } as unknown as LedgerService;
  const out: PlayerEvent[] = [];
  const router = new CommandRouter((_p, e) => out.push(e), pino({ level: 'silent' }), createMetrics('t'));
  let reads = 0;
  let failing = false;
  const sessions = ledgerCommands(router, {
    replica,
    ledger,
    metrics: createMetrics('t2'),
    read: () => {
      reads++;
      return failing ? Promise.reject(new Error('no majority')) : Promise.resolve();
    },
  });
  const send = async (type: string) => {
    await router.dispatch('p', Buffer.from(JSON.stringify({ type, requestId: `r${out.length}` })));
    return out[out.length - 1] as PlayerEvent & { code?: string };
  };
  return { seqs, sessions, send, reads: () => reads, fail: (f: boolean) => (failing = f) };
}

describe('COLECAO / RANKING read index', () => {
  it('only the first read of a session, and the first after a write of the player, waits for a read index', async () => {
    const t = setup();
    expect((await t.send('COLECAO')).type).toBe('COLECAO');
    expect(t.reads()).toBe(1);
    expect((await t.send('RANKING')).type).toBe('RANKING');
    expect((await t.send('COLECAO')).type).toBe('COLECAO');
    expect(t.reads()).toBe(1); // read-your-writes holds: no write since
    t.seqs.set('p', 7); // a purchase or trade of p finished here
    await t.send('COLECAO');
    expect(t.reads()).toBe(2);
    await t.send('RANKING');
    expect(t.reads()).toBe(2);
    t.sessions.confirmNext('p'); // a new session (or a change made elsewhere)
    await t.send('RANKING');
    expect(t.reads()).toBe(3);
  });

  it('a read index that cannot be had is ERRO UNAVAILABLE, and the next read tries again', async () => {
    const t = setup();
    t.fail(true);
    expect(await t.send('COLECAO')).toMatchObject({ type: 'ERRO', code: 'UNAVAILABLE' });
    expect(await t.send('RANKING')).toMatchObject({ type: 'ERRO', code: 'UNAVAILABLE' });
    t.fail(false);
    expect((await t.send('COLECAO')).type).toBe('COLECAO');
    expect(t.reads()).toBe(3);
  });
});
