// ReadIndex (Raft thesis §6.4; etcd's ReadOnlySafe): one test per rule.
import { describe, expect, it } from 'vitest';
import { TestNet, type CoreOptions } from './testing.ts';
import type { AppendRequest, NodeId, RaftMessage, ReadState } from './types.ts';

/** A net that records every ReadState each node hands out. */
function netOf(ids: NodeId[], o: CoreOptions = {}) {
  const net = new TestNet(ids, o);
  const reads = new Map<NodeId, ReadState[]>(ids.map((id) => [id, []]));
  net.onReady = (id, rd) => reads.get(id)!.push(...rd.readStates);
  return { net, reads };
}

const isRound = (m: RaftMessage): m is AppendRequest => m.type === 'append' && m.readCtx !== undefined;

describe('ReadIndex', () => {
  it('only a leader takes a read; followers and candidates refuse it', () => {
    const { net } = netOf(['a', 'b', 'c']);
    net.elect('a');
    expect(net.get('b').readIndex(1)).toBe(false);
    expect(net.get('c').readIndex(1)).toBe(false);
    expect(net.get('a').readIndex(1)).toBe(true);
  });

  it('a leader serves its commit index once a majority answered a heartbeat round sent after the request', () => {
    const { net, reads } = netOf(['a', 'b', 'c']);
    const a = net.elect('a');
    a.propose('x');
    net.stabilize();
    expect(a.status().commit).toBe(2);
    a.readIndex(7);
    // Nothing is served before the round: the request alone proves nothing.
    const out = net.drain();
    expect(reads.get('a')).toEqual([]);
    const round = out.filter(isRound);
    expect(round.map((m) => m.to).sort()).toEqual(['b', 'c']);
    net.deliver(out);
    net.stabilize();
    expect(reads.get('a')).toEqual([{ ctx: 7, index: 2 }]);
  });

  it('the followers echo the round; one answer short of a majority serves nothing', () => {
    const { net, reads } = netOf(['a', 'b', 'c', 'd', 'e']);
    const a = net.elect('a');
    net.cutLink('a', 'c');
    net.cutLink('a', 'd');
    net.cutLink('a', 'e');
    a.readIndex(1);
    net.stabilize();
    const answers = net.delivered.filter((m) => m.type === 'appendResp' && m.readCtx !== undefined);
    expect(answers.map((m) => m.from)).toEqual(['b']);
    expect(reads.get('a')).toEqual([]); // a and b: 2 of 5
    net.heal();
    net.tick(1); // the next heartbeat carries the same round again
    expect(reads.get('a')).toEqual([{ ctx: 1, index: 1 }]);
  });

  it('a new leader does not serve a read index before an entry of its term commits', () => {
    // a commits x (index 2) with b; b never learns that commit. b then wins term 2: its own
    // commit index (1) lags what a committed, so serving it would read the past.
    // Without CheckQuorum's lease, so c votes for b at once.
    const { net, reads } = netOf(['a', 'b', 'c'], { checkQuorum: false });
    const a = net.elect('a');
    net.filter = (m) => m.to !== 'c' && m.from !== 'c';
    a.propose('x');
    net.deliver(net.drain()); // a → b: append x
    net.deliver(net.drain()); // b → a: ack; a commits 2
    expect(a.status().commit).toBe(2);
    net.filter = () => false;
    net.drain(); // a's news of the commit is lost
    const b = net.get('b');
    expect(b.status().commit).toBe(1);
    // b wins term 2 with c's vote, but its no-op (index 3) does not get out yet.
    net.filter = (m) => m.from !== 'a' && m.to !== 'a' && !(m.type === 'append' && m.entries.length > 0);
    b.campaign();
    net.stabilize();
    expect(b.status()).toMatchObject({ role: 'leader', term: 2, commit: 1 });
    expect(b.readIndex(5)).toBe(true);
    net.stabilize();
    net.tick(3); // heartbeats (and so rounds) get through; the no-op does not
    expect(b.status().commit).toBe(1);
    expect(reads.get('b')).toEqual([]);
    // Now the no-op replicates and commits, then a round confirms: the index covers x.
    net.filter = (m) => m.from !== 'a' && m.to !== 'a';
    net.tick(1);
    expect(b.status().commit).toBe(3);
    expect(reads.get('b')).toEqual([{ ctx: 5, index: 3 }]);
  });

  it('a deposed leader behind a partition cannot serve one; its reads fail once it learns', () => {
    const { net, reads } = netOf(['a', 'b', 'c']);
    const a = net.elect('a');
    net.isolate('a');
    const b = net.get('b');
    const c = net.get('c');
    // b and c elect one of them after their election timeouts; a does not tick, so it
    // still believes it leads term 1.
    const leader = () => [b, c].find((n) => n.status().role === 'leader');
    for (let i = 0; i < 40 && !leader(); i++) {
      b.tick();
      c.tick();
      net.stabilize();
    }
    expect(leader()?.status().term).toBe(2);
    leader()!.propose('written-in-term-2');
    net.stabilize();
    expect(a.status()).toMatchObject({ role: 'leader', term: 1 });
    expect(a.readIndex(9)).toBe(true);
    net.stabilize();
    expect(reads.get('a')).toEqual([]);
    // The partition heals: the first answer carries term 2, a steps down, the read fails.
    net.heal();
    net.tick(1);
    expect(a.status().role).toBe('follower');
    expect(reads.get('a')).toEqual([{ ctx: 9, index: null }]);
  });

  it('a deposed leader that never hears the new term fails its reads when CheckQuorum steps it down', () => {
    const { net, reads } = netOf(['a', 'b', 'c']);
    const a = net.elect('a');
    net.isolate('a');
    a.readIndex(4);
    for (let i = 0; i < 25 && a.status().role === 'leader'; i++) net.tick(1);
    expect(a.status().role).toBe('follower');
    expect(reads.get('a')).toEqual([{ ctx: 4, index: null }]);
    expect(a.readIndex(5)).toBe(false);
  });

  it('reads waiting at the same time share one round; reads arriving during a round share the next', () => {
    const { net, reads } = netOf(['a', 'b', 'c']);
    const a = net.elect('a');
    for (let ctx = 1; ctx <= 5; ctx++) a.readIndex(ctx);
    const r1 = net.drain();
    const first = r1.filter(isRound);
    expect(first.map((m) => m.to).sort()).toEqual(['b', 'c']); // one heartbeat per follower for all five
    const R1 = first[0].readCtx!;
    expect(first.every((m) => m.readCtx === R1)).toBe(true);
    // While round 1 is out, a write and two more reads arrive: no new round leaves yet
    // (the write's appends carry round 1, which they were sent in).
    a.propose('y');
    a.readIndex(6);
    a.readIndex(7);
    const mid = net.drain();
    expect(mid.filter(isRound).every((m) => m.readCtx === R1)).toBe(true);
    net.deliver([...r1, ...mid]);
    net.deliver(net.drain()); // the followers' answers
    const after = net.drain();
    // Round 1 served the first five at the commit they were asked at; round 2 left at once.
    expect(reads.get('a')).toEqual([1, 2, 3, 4, 5].map((ctx) => ({ ctx, index: 1 })));
    const second = after.filter((m) => isRound(m) && m.readCtx === R1 + 1);
    expect(new Set(second.map((m) => m.to))).toEqual(new Set(['b', 'c']));
    net.deliver(after);
    net.stabilize();
    expect(reads.get('a')!.slice(5)).toEqual([
      { ctx: 6, index: 1 },
      { ctx: 7, index: 1 },
    ]);
    // Two rounds for seven reads.
    expect(new Set(net.delivered.filter(isRound).map((m) => m.readCtx))).toEqual(new Set([R1, R1 + 1]));
  });

  it('an answer to an append sent before the read does not confirm it', () => {
    const { net, reads } = netOf(['a', 'b', 'c']);
    const a = net.elect('a');
    a.propose('z');
    const before = net.drain(); // appends of z, sent before the read
    a.readIndex(3);
    const round = net.drain().filter(isRound);
    net.deliver(before);
    net.deliver(net.drain()); // the answers to z: no round number in them
    expect(reads.get('a')).toEqual([]);
    net.deliver(round);
    net.stabilize();
    expect(reads.get('a')).toEqual([{ ctx: 3, index: 1 }]);
  });

  it('a single voter serves at once (after its no-op commits)', () => {
    const { net, reads } = netOf(['a']);
    const a = net.elect('a');
    a.readIndex(1);
    net.stabilize();
    expect(reads.get('a')).toEqual([{ ctx: 1, index: a.status().commit }]);
  });
});
