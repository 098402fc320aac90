// The replica decodes a peer's snapshot once: the state validSnapshot loaded is the one
// restore installs; other data (or the same data a second time) is decoded afresh.
import { describe, expect, it } from 'vitest';
import { LedgerReplica } from './replica.ts';
import { ledgerDigest, serializeLedger } from './machine/index.ts';

function busyReplica(): LedgerReplica {
  const r = new LedgerReplica('rep-cluster', 1);
  let index = 0;
  const apply = (data: unknown) => r.apply({ index: ++index, term: 1, kind: 'command', data } as never);
  apply({ type: 'REGISTER_PLAYER', playerId: 'a', name: 'a', tokenHash: 'h' });
  apply({ type: 'BATCH', commands: [{ type: 'BUY_PACK', requestId: 'r1', playerId: 'a' }, { type: 'BUY_PACK', requestId: 'r2', playerId: 'a' }] });
  return r;
}

describe('LedgerReplica snapshots', () => {
  it('restores the state validSnapshot already decoded, once', () => {
    const source = busyReplica();
    const data = JSON.parse(JSON.stringify(source.snapshot()));
    expect(LedgerReplica.validSnapshot(data, 'other-cluster')).toBe(false);
    expect(LedgerReplica.validSnapshot({ ...data, sold: 1 }, 'rep-cluster')).toBe(false);
    expect(LedgerReplica.validSnapshot(data, 'rep-cluster')).toBe(true);
    const target = new LedgerReplica('rep-cluster', 1);
    target.restore(data);
    const first = target.state;
    expect(ledgerDigest(first)).toBe(ledgerDigest(source.state));
    target.restore(data);
    expect(target.state).not.toBe(first); // decoded again: the first one may have moved on
    expect(ledgerDigest(target.state)).toBe(ledgerDigest(source.state));
    expect(serializeLedger(target.state).purchases[0][1]).toHaveLength(2);
  });

  it('hands observers each command of a BATCH with its own result and the state it left', () => {
    const r = new LedgerReplica('rep-cluster', 1);
    const seen: string[] = [];
    r.onApplied((cmd, result, entry) => seen.push(`${entry.index}:${cmd.type}:${result.ok ? 'ok' : result.code}:${r.state.purchases.size}`));
    r.apply({ index: 1, term: 1, kind: 'command', data: { type: 'REGISTER_PLAYER', playerId: 'a', name: 'a', tokenHash: 'h' } } as never);
    r.apply({ index: 2, term: 1, kind: 'command', data: { type: 'BATCH', commands: [{ type: 'BUY_PACK', requestId: 'r1', playerId: 'a' }, { type: 'BUY_PACK', requestId: 'x', playerId: 'b' }, { type: 'BUY_PACK', requestId: 'r2', playerId: 'a' }] } } as never);
    expect(seen).toEqual(['1:REGISTER_PLAYER:ok:0', '2:BUY_PACK:ok:1', '2:BUY_PACK:UNKNOWN_PLAYER:1', '2:BUY_PACK:ok:2']);
  });
});
