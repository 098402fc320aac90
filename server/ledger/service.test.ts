// Forwarding from a follower: concurrent commands travel in batched /raft/propose calls
// (bounded in flight), every command gets its own answer, and per-command refusals keep
// the meaning they had as single calls (retry on NOT_LEADER, give up on a 4xx).
import { describe, it, expect } from 'vitest';
import pino from 'pino';
import { LedgerService, type ProposeItem } from './service.ts';
import { PeerRefusedError, type PeerClient } from '../http/peer-client.ts';
import type { RaftNode } from '../raft/raft-node.ts';
import type { LedgerCommand, LedgerResult } from './machine/index.ts';

interface Call {
  path: string;
  body: { command?: LedgerCommand; commands?: LedgerCommand[] };
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

function fakes(opts: { leader?: boolean } = {}) {
  const calls: Call[] = [];
  const client = {
    post: (_address: string, path: string, body: Call['body']) => new Promise((resolve, reject) => calls.push({ path, body, resolve, reject })),
  } as unknown as PeerClient;
  let applied = 0;
  const raft = {
    isLeader: () => opts.leader ?? false,
    leader: 'L',
    waitApplied: async (index: number) => {
      applied = Math.max(applied, index);
      return true;
    },
  } as unknown as RaftNode<LedgerResult>;
  const service = new LedgerService(raft, client, () => 'http://leader', pino({ level: 'silent' }), { maxInflight: 2, maxBatch: 3 });
  return { calls, service };
}

const buy = (n: number): LedgerCommand => ({ type: 'BUY_PACK', requestId: `r${n}`, playerId: 'p' });
const ok = (index: number): ProposeItem => ({ index, result: { ok: true, cards: [], remaining: index } as unknown as LedgerResult });
const tick = () => new Promise((r) => setImmediate(r));

describe('LedgerService forwarding', () => {
  it('sends a lone command as the single-command body', async () => {
    const { calls, service } = fakes();
    const p = service.submit(buy(1));
    await tick();
    expect(calls).toHaveLength(1);
    expect(calls[0].body).toEqual({ command: buy(1) });
    calls[0].resolve(ok(7));
    await expect(p).resolves.toMatchObject({ ok: true, remaining: 7 });
  });

  it('batches concurrent commands, at most maxInflight calls of maxBatch commands each', async () => {
    const { calls, service } = fakes();
    const ps = Array.from({ length: 8 }, (_, i) => service.submit(buy(i)));
    await tick();
    // 8 commands, batches of 3, 2 calls in flight: 3 + 3 now, the remaining 2 after one returns.
    expect(calls.map((c) => c.body.commands?.length)).toEqual([3, 3]);
    calls[0].resolve({ results: [ok(10), ok(11), ok(12)] });
    await tick();
    await tick();
    expect(calls).toHaveLength(3);
    expect(calls[2].body.commands?.map((c) => (c as { requestId: string }).requestId)).toEqual(['r6', 'r7']);
    calls[1].resolve({ results: [ok(13), ok(14), ok(15)] });
    calls[2].resolve({ results: [ok(16), ok(17)] });
    const results = await Promise.all(ps);
    expect(results.map((r) => (r as unknown as { remaining: number }).remaining)).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
  });

  it('maps per-command refusals: a 4xx fails that command only, NOT_LEADER is retried', async () => {
    const { calls, service } = fakes();
    const a = service.submit(buy(1));
    const b = service.submit(buy(2));
    const c = service.submit(buy(3));
    await tick();
    calls[0].resolve({
      results: [ok(5), { error: 'BAD_REQUEST', message: 'no' }, { error: 'NOT_LEADER', message: 'moved' }],
    });
    await expect(a).resolves.toMatchObject({ ok: true });
    await expect(b).rejects.toBeInstanceOf(PeerRefusedError);
    // The NOT_LEADER one is sent again after the retry pause, alone.
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(2);
    expect(calls[1].body).toEqual({ command: buy(3) });
    calls[1].resolve(ok(9));
    await expect(c).resolves.toMatchObject({ remaining: 9 });
  });

  it('a failed call fails every command in it (each then retries on its own)', async () => {
    const { calls, service } = fakes();
    const a = service.submit(buy(1), 2000);
    const b = service.submit(buy(2), 2000);
    await tick();
    calls[0].reject(new PeerRefusedError('http://leader/raft/propose', 503, 'NOT_LEADER', 'gone'));
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(2);
    expect(calls[1].body.commands).toHaveLength(2);
    calls[1].resolve({ results: [ok(3), ok(4)] });
    await expect(Promise.all([a, b])).resolves.toHaveLength(2);
  });
});
