import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerClient } from '../http/peer-client.ts';
import { NotLeaderError, ReadIndexError } from '../raft/raft-node.ts';
import { PeerTokenSource } from '../security/jwt.ts';
import { readIndex, readWhenCurrent, ReadUnavailableError } from './read-barrier.ts';

/** A replica's view as the barrier sees it: its role, its leader, and an applied index that moves. */
class Replica {
  applied = 0;
  leaderIndex: () => Promise<number> = () => Promise.reject(new NotLeaderError(this.leader));
  private waiters: { index: number; resolve: (ok: boolean) => void }[] = [];
  constructor(
    public role: 'leader' | 'follower',
    public leader: string | null,
  ) {}
  isLeader() {
    return this.role === 'leader';
  }
  readIndex(_timeoutMs: number): Promise<number> {
    return this.role === 'leader' ? this.leaderIndex() : Promise.reject(new NotLeaderError(this.leader));
  }
  waitApplied(index: number, timeoutMs: number): Promise<boolean> {
    if (this.applied >= index) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiters.push({ index, resolve });
      setTimeout(() => resolve(false), timeoutMs);
    });
  }
  apply(index: number): void {
    this.applied = index;
    for (const w of this.waiters) if (w.index <= index) w.resolve(true);
  }
}

const servers: http.Server[] = [];
const client = new PeerClient(new PeerTokenSource(new Uint8Array(32), () => 'c1', 'me'));
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A peer answering POST /raft/read_index with the given answers in turn (a real HTTP server). */
async function peer(...answers: [number, unknown][]): Promise<{ url: string; calls: () => number }> {
  let n = 0;
  const s = http.createServer((req, res) => {
    const [status, body] = req.method === 'POST' && req.url === '/raft/read_index' ? answers[Math.min(n++, answers.length - 1)] : [404, {}];
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, calls: () => n };
}

const deps = (r: Replica, addressOf: (id: string) => string | undefined = () => undefined) => ({ raft: r, client, addressOf });

describe('readIndex', () => {
  it("a follower asks the leader for a read index and waits until it has applied it", async () => {
    const leader = await peer([200, { index: 40 }]);
    const r = new Replica('follower', 'L');
    r.apply(3);
    const done = readIndex(deps(r, (id) => (id === 'L' ? leader.url : undefined)), 2000);
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((x) => setTimeout(x, 80));
    expect(settled).toBe(false); // still replaying: 3 of 40
    r.apply(40);
    await done;
    expect(leader.calls()).toBe(1);
  });

  it('a follower retries when the node it asked is no longer the leader', async () => {
    const leader = await peer([503, { error: 'NOT_LEADER', message: 'gone' }], [200, { index: 2 }]);
    const r = new Replica('follower', 'L');
    r.apply(2);
    await readIndex(deps(r, () => leader.url), 2000);
    expect(leader.calls()).toBe(2);
  });

  it("a leader uses its own confirmed read index, and waits for its apply", async () => {
    const r = new Replica('leader', 'me');
    r.leaderIndex = () => Promise.resolve(7);
    r.apply(6);
    const done = readIndex(deps(r), 1000);
    setTimeout(() => r.apply(7), 30);
    await done;
  });

  it('fails with UNAVAILABLE at the deadline: no leader, a leader that cannot confirm, a silent or odd leader, no apply', async () => {
    const fails = async (p: Promise<void>, re: RegExp) => {
      const err = await p.then(() => null, (e: Error) => e);
      expect(err).toBeInstanceOf(ReadUnavailableError);
      expect((err as ReadUnavailableError).code).toBe('UNAVAILABLE');
      expect(err!.message).toMatch(re);
    };
    const t0 = performance.now();
    await fails(readIndex(deps(new Replica('follower', null)), 150), /no leader/);
    expect(performance.now() - t0).toBeLessThan(1000);
    const deposed = new Replica('leader', 'me');
    deposed.leaderIndex = () => Promise.reject(new ReadIndexError('leadership lost before a majority confirmed the read'));
    await fails(readIndex(deps(deposed), 150), /leadership lost/);
    const refusing = await peer([503, { error: 'UNAVAILABLE', message: 'no majority' }]);
    await fails(readIndex(deps(new Replica('follower', 'L'), () => refusing.url), 150), /no majority/);
    const odd = await peer([200, { index: 'many' }]);
    await fails(readIndex(deps(new Replica('follower', 'L'), () => odd.url), 150), /no index/);
    const ahead = await peer([200, { index: 99 }]);
    await fails(readIndex(deps(new Replica('follower', 'L'), () => ahead.url), 150), /not applied the leader's read index 99/);
  });
});

describe('readWhenCurrent', () => {
  it('retries until the read succeeds, telling the caller once that it is late', async () => {
    let n = 0;
    const delays: string[] = [];
    const ok = await readWhenCurrent(
      async () => {
        if (++n < 4) throw new Error(`attempt ${n} failed`);
      },
      10,
      () => true,
      (e) => delays.push(e.message),
    );
    expect(ok).toBe(true);
    expect(n).toBe(4);
    expect(delays).toEqual(['attempt 1 failed']);
  });

  it('gives up (false) once the reader is gone', async () => {
    let wanted = true;
    const p = readWhenCurrent(() => Promise.reject(new Error('no')), 10, () => wanted, () => {});
    setTimeout(() => (wanted = false), 100);
    expect(await p).toBe(false);
  });
});
