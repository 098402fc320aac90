// REPLAY's authorization over a real ledger replica: a finished match the ledger no longer
// keeps (it folded into the players' histories) is still the player's own to replay.
import { describe, it, expect } from 'vitest';
import pino from 'pino';
import { CommandRouter } from './commands.ts';
import { historyCommands } from './history-handlers.ts';
import { LedgerReplica } from '../ledger/replica.ts';
import { FINISHED_MATCHES_KEPT, collectionOf, getMatch, type LedgerCommand } from '../ledger/machine/index.ts';
import { createMetrics } from '../metrics/metrics.ts';

type Ev = { type: string; requestId?: string; code?: string };

describe('REPLAY of a match the ledger has forgotten', () => {
  it('is allowed to its players (the log is asked for) and refused to anyone else as NOT_IN_MATCH', async () => {
    const replica = new LedgerReplica('history-cluster', 4);
    let index = 0;
    const apply = (data: LedgerCommand) => replica.apply({ index: ++index, term: 1, kind: 'command', data });
    for (const p of ['a', 'b', 'c', 'd']) {
      apply({ type: 'REGISTER_PLAYER', playerId: p, name: p.toUpperCase(), tokenHash: `h-${p}` });
      apply({ type: 'BUY_PACK', requestId: `${p}:pack`, playerId: p });
    }
    const hand = (p: string) => collectionOf(replica.state, p).map((c) => c.id);
    const play = (matchId: string, x: string, y: string) => {
      apply({ type: 'MATCH_CREATED', matchId, players: [x, y], host: 'n1', shadow: 'n2', seed: matchId });
      apply({ type: 'MATCH_HAND', matchId, playerId: x, cardIds: hand(x) });
      apply({ type: 'MATCH_HAND', matchId, playerId: y, cardIds: hand(y) });
      apply({ type: 'MATCH_FINISHED', matchId, winnerId: x, reason: 'VITORIA', scores: { [x]: 3, [y]: 2 }, at: index });
    };
    play('old', 'a', 'b');
    for (let i = 0; i < FINISHED_MATCHES_KEPT; i++) play(`m${i}`, 'c', 'd');
    expect(getMatch(replica.state, 'old')).toBeNull();

    const got: Ev[] = [];
    const router = new CommandRouter((_p, e) => got.push(e as Ev), pino({ level: 'silent' }), createMetrics('test'));
    const asked: string[] = [];
    historyCommands(router, {
      nodeId: 'n1',
      replica,
      matchLog: (id) => {
        asked.push(id);
        return Promise.reject(new Error('not held here'));
      },
    });
    await router.dispatch('a', Buffer.from(JSON.stringify({ type: 'REPLAY', requestId: 'r1', matchId: 'old' })));
    await router.dispatch('c', Buffer.from(JSON.stringify({ type: 'REPLAY', requestId: 'r2', matchId: 'old' })));
    expect(asked).toEqual(['old']);
    expect(got.map((e) => [e.requestId, e.type, e.code])).toEqual([
      ['r1', 'ERRO', 'REPLAY_UNAVAILABLE'],
      ['r2', 'ERRO', 'NOT_IN_MATCH'],
    ]);
  });
});
