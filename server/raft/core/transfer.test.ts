// Leadership transfer (Raft thesis §3.10; etcd-io/raft's MsgTransferLeader / MsgTimeoutNow),
// one test per rule of the thesis' procedure, in the spirit of election.test.ts.
import { describe, expect, it } from 'vitest';
import { seededRandom, TestNet } from './testing.ts';
import { transferTarget } from './transfer.ts';
import type { RaftMessage, VoteRequest } from './types.ts';

/** Three voters with PreVote and CheckQuorum (the node's settings), `a` leading with one entry committed. */
function cluster(): TestNet {
  const net = new TestNet(['a', 'b', 'c'], { preVote: true, checkQuorum: true });
  net.elect('a');
  net.get('a').propose('x');
  net.stabilize();
  return net;
}

/** Records every message delivered while `fn` runs. */
function recorded(net: TestNet, fn: () => void): RaftMessage[] {
  const from = net.delivered.length;
  fn();
  return net.delivered.slice(from);
}

describe('leadership transfer (thesis §3.10)', () => {
  it('the leader sends TimeoutNow to a target that holds its whole log; the target wins the next term', () => {
    const net = cluster();
    const term = net.get('a').status().term;
    const msgs = recorded(net, () => {
      expect(net.get('a').transferLeadership('b')).toBeNull();
      net.stabilize();
    });
    expect(msgs.filter((m) => m.type === 'timeoutNow')).toEqual([expect.objectContaining({ from: 'a', to: 'b', term })]);
    const b = net.get('b').status();
    expect(b.role).toBe('leader');
    expect(b.term).toBe(term + 1);
    for (const id of ['a', 'c']) expect(net.get(id).status()).toMatchObject({ role: 'follower', leader: 'b', term: term + 1 });
    // Nothing committed before the transfer is lost, and the new leader commits its own term.
    net.get('b').propose('y');
    net.stabilize();
    for (const id of ['a', 'b', 'c']) expect(net.applied.get(id)!.filter((e) => e.kind === 'command').map((e) => e.data)).toEqual(['x', 'y']);
  });

  it('the target skips PreVote: it asks for real votes at once, marked as a transfer', () => {
    const net = cluster();
    const msgs = recorded(net, () => {
      net.get('a').transferLeadership('c');
      net.stabilize();
    });
    const votes = msgs.filter((m): m is VoteRequest => m.type === 'vote');
    expect(votes.length).toBeGreaterThan(0);
    for (const v of votes) expect(v).toMatchObject({ from: 'c', preVote: false, transfer: true });
    expect(net.get('c').status().role).toBe('leader');
  });

  it('a target that lags is first brought up to date, and gets TimeoutNow only then', () => {
    const net = cluster();
    net.cutLink('a', 'b');
    for (let i = 0; i < 3; i++) net.get('a').propose(`lag${i}`);
    net.stabilize();
    const last = net.get('a').status().lastIndex;
    expect(net.get('b').status().lastIndex).toBeLessThan(last);
    net.get('a').transferLeadership('b');
    net.stabilize();
    // Cut off, b cannot catch up: no TimeoutNow may leave for it.
    expect(net.delivered.some((m) => m.type === 'timeoutNow')).toBe(false);
    expect(net.get('a').status()).toMatchObject({ role: 'leader', transferee: 'b' });
    net.heal();
    // Heartbeats re-probe b and the leader sends what it misses (a few ticks at most).
    const msgs = recorded(net, () => {
      for (let t = 0; t < 5 && !net.delivered.some((m) => m.type === 'timeoutNow'); t++) net.tick(1);
    });
    const i = msgs.findIndex((m) => m.type === 'timeoutNow');
    expect(i).toBeGreaterThan(-1);
    // The append that brought b to the leader's last index came before the TimeoutNow.
    const caughtUp = msgs.findIndex((m) => m.type === 'appendResp' && m.from === 'b' && m.success && m.matchIndex === last);
    expect(caughtUp).toBeGreaterThan(-1);
    expect(caughtUp).toBeLessThan(i);
    expect(net.get('b').status().role).toBe('leader');
    expect(net.get('b').status().lastIndex).toBeGreaterThan(last);
  });

  it('while a transfer is under way the leader refuses proposals and configuration changes', () => {
    const net = cluster();
    net.cutLink('a', 'b');
    net.get('a').transferLeadership('b');
    net.stabilize();
    const a = net.get('a');
    expect(a.status().role).toBe('leader');
    expect(a.propose('refused')).toBeNull();
    expect(a.configRefusal({ op: 'addLearner', id: 'd' })).toMatch(/transferred to b/);
    expect(a.proposeConfig({ op: 'addLearner', id: 'd' })).toBeNull();
  });

  it('a transfer that does not complete within an election timeout is abandoned; the leader takes proposals again', () => {
    const net = cluster();
    net.cutLink('a', 'b');
    const a = net.get('a');
    a.transferLeadership('b');
    net.stabilize();
    // electionTicks is 10 in the unit-test cores: the transfer lives through 9 ticks...
    net.tick(9);
    expect(a.status()).toMatchObject({ role: 'leader', transferee: 'b' });
    expect(a.propose('still refused')).toBeNull();
    // ...and is dropped on the 10th (a keeps leading: c still answers, a majority with a).
    net.tick(1);
    expect(a.status()).toMatchObject({ role: 'leader', transferee: null });
    expect(a.propose('accepted')).not.toBeNull();
  });

  it('voters grant the transfer’s votes inside their lease, but still refuse an ordinary disruptive candidate', () => {
    const net = cluster();
    const term = net.get('a').status().term;
    const st = net.get('c').status();
    const voteReq = (extra: Partial<VoteRequest>): VoteRequest => ({
      type: 'vote', from: 'b', to: 'c', term: term + 1, candidateId: 'b', lastLogIndex: st.lastIndex, lastLogTerm: net.get('c').termAt(st.lastIndex)!, preVote: false, ...extra,
    });
    const c = net.get('c');
    c.step({ ...voteReq({}), rid: 1 });
    let out = net.drain().filter((m) => m.type === 'voteResp');
    expect(out).toEqual([expect.objectContaining({ voteGranted: false, term })]);
    expect(c.status().term).toBe(term);
    c.step({ ...voteReq({ transfer: true }), rid: 2 });
    out = net.drain().filter((m) => m.type === 'voteResp');
    expect(out).toEqual([expect.objectContaining({ voteGranted: true, term: term + 1 })]);
    expect(c.status()).toMatchObject({ term: term + 1, vote: 'b' });
  });

  it('the log up-to-date rule still holds for a transfer’s vote (§5.4.1)', () => {
    const net = cluster();
    const term = net.get('a').status().term;
    const c = net.get('c');
    c.step({ type: 'vote', from: 'b', to: 'c', term: term + 1, candidateId: 'b', lastLogIndex: 0, lastLogTerm: 0, preVote: false, transfer: true, rid: 1 });
    const out = net.drain().filter((m) => m.type === 'voteResp');
    expect(out).toEqual([expect.objectContaining({ voteGranted: false })]);
  });

  it('only a leader transfers, and only to another voter', () => {
    const net = new TestNet(['a', 'b', 'c', 'l'], { preVote: true, checkQuorum: true }, ['a', 'b', 'c']);
    net.elect('a');
    expect(net.get('b').transferLeadership('c')).toBe('not the leader');
    expect(net.get('a').transferLeadership('a')).toBe('already the leader');
    expect(net.get('a').transferLeadership('l')).toBe('l is not a voter');
    expect(net.get('a').transferLeadership('zz')).toBe('zz is not a voter');
    expect(net.get('a').status().transferee).toBeNull();
  });

  it('a TimeoutNow of an older term, or from a member that is not the leader, is ignored', () => {
    const net = cluster();
    const term = net.get('a').status().term;
    net.get('a').transferLeadership('b');
    net.stabilize();
    expect(net.get('b').status()).toMatchObject({ role: 'leader', term: term + 1 });
    // The old leader's TimeoutNow arriving late (duplicated) at c changes nothing.
    const c = net.get('c');
    c.step({ type: 'timeoutNow', from: 'a', to: 'c', term, leaderId: 'a' });
    net.stabilize();
    expect(c.status()).toMatchObject({ role: 'follower', term: term + 1, leader: 'b' });
    expect(net.get('b').status().role).toBe('leader');
    // Nor does one in the current term from a member that is not the leader.
    c.step({ type: 'timeoutNow', from: 'a', to: 'c', term: term + 1, leaderId: 'a' });
    net.stabilize();
    expect(c.status()).toMatchObject({ role: 'follower', term: term + 1, leader: 'b' });
  });

  it('a new leader, by election or by transfer, starts with no transfer under way', () => {
    const net = cluster();
    net.cutLink('a', 'b');
    net.get('a').transferLeadership('b');
    net.stabilize();
    net.heal();
    net.isolate('a');
    // a loses its majority and steps down (CheckQuorum); the rest elect a leader.
    net.tick(30);
    const l = net.leader()!;
    expect(l.id).not.toBe('a');
    expect(l.status().transferee).toBeNull();
    expect(net.get('a').status()).toMatchObject({ role: 'pre-candidate', transferee: null });
  });

  it('a stopping leader picks the most caught-up voter it still hears from', () => {
    const net = cluster();
    net.cutLink('a', 'b');
    net.get('a').propose('only c gets this');
    net.stabilize();
    expect(transferTarget(net.get('a').status())).toBe('c');
    net.heal();
    net.tick(3);
    // Both caught up: the tie goes to the lower id, so the choice is deterministic.
    expect(transferTarget(net.get('a').status())).toBe('b');
    expect(transferTarget(net.get('b').status())).toBeNull();
  });

  it('safety holds with transfers requested at random under loss, duplication and reordering (§5.2, §5.4)', () => {
    let transfers = 0;
    let commits = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = seededRandom(seed);
      const ids = ['a', 'b', 'c'];
      const net = new TestNet(ids, { preVote: true, checkQuorum: true });
      const leaders = new Map<number, string>();
      let inFlight: RaftMessage[] = [];
      let n = 0;
      for (let step = 0; step < 1500; step++) {
        const r = rnd();
        if (r < 0.3) net.get(ids[Math.floor(rnd() * 3)]).tick();
        else if (r < 0.4) net.leader()?.propose(`v${n++}`);
        else if (r < 0.43) {
          const l = net.leader();
          if (l) l.transferLeadership(ids[Math.floor(rnd() * 3)]);
        }
        inFlight.push(...net.drain());
        // Deliver a random part of what is in flight, in random order; lose 20 %, duplicate 10 %.
        const now: RaftMessage[] = [];
        const later: RaftMessage[] = [];
        for (const m of inFlight) (rnd() < 0.5 ? now : later).push(m);
        now.sort(() => rnd() - 0.5);
        for (const m of now) {
          if (rnd() < 0.2) continue;
          net.deliver(rnd() < 0.1 ? [m, m] : [m]);
        }
        inFlight = later;
        for (const id of ids) {
          const st = net.get(id).status();
          if (st.role !== 'leader') continue;
          const prev = leaders.get(st.term);
          expect(prev === undefined || prev === id, `seed ${seed}: two leaders in term ${st.term}`).toBe(true);
          leaders.set(st.term, id);
        }
      }
      // Every node applied a prefix of one and the same sequence of entries.
      const logs = ids.map((id) => net.applied.get(id)!.map((e) => `${e.index}@${e.term}:${String(e.data ?? e.kind)}`));
      const longest = logs.reduce((a, b) => (b.length > a.length ? b : a));
      for (const l of logs) {
        const diverges = l.findIndex((e, i) => e !== longest[i]);
        expect(diverges === -1 ? 'agree' : `seed ${seed}: applied ${l[diverges]} where another node applied ${longest[diverges]}`).toBe('agree');
      }
      expect(leaders.size, `seed ${seed}: some elections happened`).toBeGreaterThan(1);
      transfers += net.delivered.filter((m) => m.type === 'vote' && m.transfer).length;
      commits += Math.min(...logs.map((l) => l.length));
    }
    // The runs did exercise transfers (their elections) and made progress.
    expect(transfers).toBeGreaterThan(20);
    expect(commits).toBeGreaterThan(100);
  });
});
