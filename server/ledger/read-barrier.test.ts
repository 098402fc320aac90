import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PeerClient } from '../http/peer-client.ts';
import { PeerTokenSource } from '../security/jwt.ts';
import { readBarrier } from './read-barrier.ts';

/** A replica's view as the barrier sees it: its Raft status, and an applied index that moves. */
class Replica {
  applied = 0;
  private waiters: { index: number; resolve: (ok: boolean) => void }[] = [];
  constructor(public st: { role: string; leader: string | null; commit: number }) {}
  status() {
    return this.st as never;
  }
  waitApplied(index: number, timeoutMs: number): Promise<boolean> {
    if (this.applied >= index) return Promise.resolve(true);
    return new Promise((resolve) => {
      const w = { index, resolve };
      this.waiters.push(w);
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

/** A leader answering GET /estoque/status with `commitIndex` (a real HTTP server). */
async function leader(commitIndex: unknown): Promise<string> {
  const s = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/estoque/status' ? { commitIndex } : {}));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('readBarrier', () => {
  it("a follower waits until it has applied the leader's commit index", async () => {
    const url = await leader(40);
    const r = new Replica({ role: 'follower', leader: 'L', commit: 3 });
    r.apply(3);
    const done = readBarrier({ raft: () => r, client, addressOf: (id) => (id === 'L' ? url : undefined) }, 2000);
    let settled = false;
    void done.then(() => (settled = true));
    await new Promise((x) => setTimeout(x, 50));
    expect(settled).toBe(false); // still replaying: 3 of 40
    r.apply(40);
    expect(await done).toBe(true);
  });

  it('gives up (false) at the deadline, with no leader, or with a leader that does not answer sensibly', async () => {
    const r = new Replica({ role: 'follower', leader: 'L', commit: 0 });
    const url = await leader(10);
    const t0 = performance.now();
    expect(await readBarrier({ raft: () => r, client, addressOf: () => url }, 150)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
    r.st.leader = null;
    expect(await readBarrier({ raft: () => r, client, addressOf: () => url }, 150)).toBe(false);
    r.st.leader = 'L';
    expect(await readBarrier({ raft: () => r, client, addressOf: () => undefined }, 150)).toBe(false);
    const bad = await leader('many');
    expect(await readBarrier({ raft: () => r, client, addressOf: () => bad }, 150)).toBe(false);
    expect(await readBarrier({ raft: () => null, client, addressOf: () => url }, 150)).toBe(false);
  });

  it('a leader waits for its own commit index, without a round trip', async () => {
    const r = new Replica({ role: 'leader', leader: 'me', commit: 7 });
    r.apply(7);
    expect(await readBarrier({ raft: () => r, client, addressOf: () => undefined }, 100)).toBe(true);
  });
});
