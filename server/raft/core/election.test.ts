// Paper rules about terms and elections (Raft §5.1, §5.2, §5.4.1; thesis §4.2.3, §9.6),
// one test per rule, in the spirit of etcd's raft_paper_test.go.
import { describe, expect, it } from 'vitest';
import { randomizedTimeout } from './election.ts';
import { entriesFromTerms, newCore, seededRandom, TestNet } from './testing.ts';
import type { AppendRequest, RaftMessage, Ready, VoteRequest, VoteResponse } from './types.ts';
import type { RaftCore } from './raft.ts';

function drain(core: RaftCore): Ready[] {
  const out: Ready[] = [];
  for (let rd = core.ready(); rd; rd = core.ready()) {
    out.push(rd);
    core.advance(rd);
  }
  return out;
}
const msgsOf = (core: RaftCore): RaftMessage[] => drain(core).flatMap((r) => r.messages);

function appendFrom(from: string, to: string, term: number, extra: Partial<AppendRequest> = {}): AppendRequest {
  return { type: 'append', from, to, term, leaderId: from, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, ...extra };
}
function voteFrom(from: string, to: string, term: number, extra: Partial<VoteRequest> = {}): VoteRequest {
  return { type: 'vote', from, to, term, candidateId: from, lastLogIndex: 0, lastLogTerm: 0, preVote: false, ...extra };
}

/** Put a fresh core into `role` at term 1 (leader via a one-node-majority trick: votes stepped in). */
function coreInRole(role: 'follower' | 'candidate' | 'leader'): RaftCore {
  const c = newCore('a', ['a', 'b', 'c'], { preVote: false });
  if (role === 'follower') {
    c.step(appendFrom('b', 'a', 1));
  } else {
    c.campaign();
    if (role === 'leader') c.step({ type: 'voteResp', from: 'b', to: 'a', term: 1, voteGranted: true, preVote: false });
  }
  drain(c);
  expect(c.status().role).toBe(role);
  expect(c.status().term).toBe(1);
  return c;
}

describe('terms (§5.1)', () => {
  for (const role of ['follower', 'candidate', 'leader'] as const) {
    it(`a ${role} seeing a higher term adopts it and becomes follower of the sender`, () => {
      const c = coreInRole(role);
      c.step(appendFrom('c', 'a', 2));
      const s = c.status();
      expect(s.term).toBe(2);
      expect(s.role).toBe('follower');
      expect(s.leader).toBe('c');
      expect(s.vote).toBeNull();
    });
  }

  it('a request from an older term is refused with the current term; the node keeps its state', () => {
    const c = coreInRole('follower');
    c.step(appendFrom('c', 'a', 2));
    drain(c);
    c.step({ ...appendFrom('b', 'a', 1), rid: 7 });
    c.step({ ...voteFrom('b', 'a', 1), rid: 8 });
    const out = msgsOf(c);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ type: 'appendResp', to: 'b', term: 2, success: false, rid: 7 });
    expect(out[1]).toMatchObject({ type: 'voteResp', to: 'b', term: 2, voteGranted: false, rid: 8 });
    expect(c.status()).toMatchObject({ term: 2, leader: 'c', role: 'follower' });
  });

  it('a leader that gets an older-term refusal answer ignores it; a newer term makes it step down', () => {
    const c = coreInRole('leader');
    c.step({ type: 'appendResp', from: 'b', to: 'a', term: 0, success: false, matchIndex: 0 });
    expect(c.status().role).toBe('leader');
    c.step({ type: 'appendResp', from: 'b', to: 'a', term: 5, success: false, matchIndex: 0 });
    expect(c.status()).toMatchObject({ role: 'follower', term: 5, leader: null });
  });
});

describe('candidates (§5.2)', () => {
  it('a candidate votes for itself, bumps the term and asks every other voter', () => {
    const c = newCore('a', ['a', 'b', 'c'], { preVote: false });
    c.campaign();
    const rd = c.ready()!;
    expect(rd.hardState).toMatchObject({ term: 1, vote: 'a' });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages.map((m) => [m.type, m.to, m.term])).toEqual([
      ['vote', 'b', 1],
      ['vote', 'c', 1],
    ]);
  });

  it('a candidate that hears an append from a leader of its own term steps down', () => {
    const c = coreInRole('candidate');
    c.step(appendFrom('b', 'a', 1));
    expect(c.status()).toMatchObject({ role: 'follower', term: 1, leader: 'b' });
  });

  it('a candidate wins with a majority and loses with a majority of refusals', () => {
    const win = coreInRole('candidate');
    win.step({ type: 'voteResp', from: 'c', to: 'a', term: 1, voteGranted: true, preVote: false });
    expect(win.status().role).toBe('leader');

    const lose = coreInRole('candidate');
    lose.step({ type: 'voteResp', from: 'b', to: 'a', term: 1, voteGranted: false, preVote: false });
    expect(lose.status().role).toBe('candidate');
    lose.step({ type: 'voteResp', from: 'c', to: 'a', term: 1, voteGranted: false, preVote: false });
    expect(lose.status().role).toBe('follower');
  });
});

describe('voting (§5.2, §5.4.1)', () => {
  it('votes at most once per term, and repeats the same answer to the same candidate', () => {
    const c = newCore('a', ['a', 'b', 'c']);
    c.step(voteFrom('b', 'a', 1));
    c.step(voteFrom('c', 'a', 1));
    c.step(voteFrom('b', 'a', 1));
    const out = msgsOf(c) as VoteResponse[];
    expect(out.map((m) => [m.to, m.voteGranted])).toEqual([
      ['b', true],
      ['c', false],
      ['b', true],
    ]);
    expect(c.status().vote).toBe('b');
  });

  it('the vote is durable before the grant leaves (same Ready, mustSync)', () => {
    const c = newCore('a', ['a', 'b', 'c']);
    c.step(voteFrom('b', 'a', 3));
    const rd = c.ready()!;
    expect(rd.hardState).toMatchObject({ term: 3, vote: 'b' });
    expect(rd.mustSync).toBe(true);
    expect(rd.messages[0]).toMatchObject({ type: 'voteResp', voteGranted: true });
  });

  // Voter log ends at (index 2, term 2). Table of candidate (lastIndex, lastTerm) → granted.
  const cases: [number, number, boolean][] = [
    [1, 1, false], // older term
    [3, 1, false], // longer but older term
    [1, 2, false], // same term, shorter
    [2, 2, true], // identical
    [3, 2, true], // same term, longer
    [1, 3, true], // newer term, shorter
  ];
  for (const [idx, term, want] of cases) {
    it(`up-to-date check: candidate (${idx}, t${term}) vs voter (2, t2) → ${want ? 'grant' : 'refuse'}`, () => {
      const c = newCore('a', ['a', 'b', 'c'], { entries: entriesFromTerms([1, 2]), hardState: { term: 2, vote: null, commit: 0 } });
      c.step(voteFrom('b', 'a', 3, { lastLogIndex: idx, lastLogTerm: term }));
      const r = msgsOf(c)[0] as VoteResponse;
      expect(r.voteGranted).toBe(want);
      expect(r.term).toBe(3);
    });
  }
});

describe('randomized election timeouts (§5.2)', () => {
  it('timeouts are drawn from [min, 2*min) by the injected source', () => {
    const rnd = seededRandom(42);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const t = randomizedTimeout(100, rnd);
      expect(t).toBeGreaterThanOrEqual(100);
      expect(t).toBeLessThan(200);
      seen.add(t);
    }
    expect(seen.size).toBeGreaterThan(80);
    expect(randomizedTimeout(10, () => 0.9999999999)).toBe(19);
  });

  it('a follower that hears nothing campaigns within [min, 2*min) ticks', () => {
    for (let seed = 1; seed < 30; seed++) {
      const c = newCore('a', ['a', 'b', 'c'], { random: seededRandom(seed), electionTicks: 10 });
      let ticks = 0;
      while (c.status().role === 'follower') {
        c.tick();
        ticks++;
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(ticks).toBeLessThan(20);
    }
  });

  it('split votes are resolved: everyone campaigns at once, randomized timeouts elect one leader', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const ids = ['a', 'b', 'c', 'd'];
      const net = new TestNet(ids, { preVote: false });
      let i = 0;
      for (const id of ids) net.add(newCore(id, ids, { preVote: false, random: seededRandom(seed * 100 + i++) }));
      // Everyone campaigns in the same instant: each votes for itself, nobody can win term 1.
      for (const id of ids) net.get(id).campaign();
      net.stabilize();
      expect(net.leader()).toBeNull();
      for (let t = 0; t < 200 && !net.leader(); t++) net.tick();
      const leader = net.leader();
      expect(leader).not.toBeNull();
      const terms = new Map<number, string[]>();
      for (const c of net.nodes.values()) {
        const s = c.status();
        if (s.role === 'leader') terms.set(s.term, [...(terms.get(s.term) ?? []), c.id]);
      }
      for (const ls of terms.values()) expect(ls).toHaveLength(1);
      net.tick(3);
      for (const c of net.nodes.values()) expect(c.status().leader).toBe(leader!.id);
    }
  });
});

describe('PreVote (thesis §9.6)', () => {
  it('a partitioned node does not inflate its term, and rejoining does not depose the leader', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    const term = net.get('a').status().term;
    net.isolate('c');
    net.tick(200);
    expect(net.get('c').status().term).toBe(term);
    expect(['pre-candidate', 'follower']).toContain(net.get('c').status().role);
    net.heal();
    net.tick(5);
    expect(net.get('a').status()).toMatchObject({ role: 'leader', term });
    expect(net.get('c').status()).toMatchObject({ role: 'follower', term, leader: 'a' });
  });

  it('without PreVote the same scenario inflates the term and forces a new election', () => {
    const net = new TestNet(['a', 'b', 'c'], { preVote: false, checkQuorum: false });
    net.elect('a');
    const term = net.get('a').status().term;
    net.isolate('c');
    net.tick(100);
    expect(net.get('c').status().term).toBeGreaterThan(term + 3);
    net.heal();
    net.tick(50);
    expect(net.leader()!.status().term).toBeGreaterThan(term);
  });

  it('a pre-vote never changes the voter’s term or vote', () => {
    const c = newCore('a', ['a', 'b', 'c']);
    c.step(voteFrom('b', 'a', 5, { preVote: true }));
    const rd = c.ready()!;
    expect(rd.hardState).toBeNull();
    expect(rd.messages[0]).toMatchObject({ type: 'voteResp', preVote: true, voteGranted: true, term: 5 });
    expect(c.status()).toMatchObject({ term: 0, vote: null });
  });

  it('two survivors that time out together do not split the vote: on equal logs the higher id yields', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    net.get('a').propose('x');
    net.stabilize();
    const term = net.get('a').status().term;
    net.isolate('a');
    // b and c campaign at the very same moment; their pre-votes cross in flight.
    net.get('b').campaign();
    net.get('c').campaign();
    expect(net.get('b').status().role).toBe('pre-candidate');
    expect(net.get('c').status().role).toBe('pre-candidate');
    net.stabilize();
    // One election, won at once: c granted b's pre-vote and stood down, b refused c's.
    expect(net.get('b').status()).toMatchObject({ role: 'leader', term: term + 1 });
    expect(net.get('c').status()).toMatchObject({ role: 'follower', term: term + 1, leader: 'b' });
  });

  it('the pre-candidate whose log is behind yields, whatever the ids', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    net.cutLink('a', 'b');
    net.get('a').propose('only c has this');
    net.stabilize();
    net.heal();
    net.isolate('a');
    net.get('b').campaign();
    net.get('c').campaign();
    net.stabilize();
    expect(net.get('c').status().role).toBe('leader');
    expect(net.get('b').status()).toMatchObject({ role: 'follower', leader: 'c' });
  });
});

describe('CheckQuorum (thesis §6.2, §4.2.3)', () => {
  it('a leader that hears from no majority for an election timeout steps down', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    net.isolate('a');
    net.tick(9);
    expect(net.get('a').status().role).toBe('leader');
    net.tick(11);
    expect(net.get('a').status()).toMatchObject({ role: 'follower', leader: null });
    // Meanwhile the majority elected someone else in a newer term.
    expect(net.leader()!.id).not.toBe('a');
  });

  it('a leader that still hears from a majority stays', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    net.isolate('c');
    net.tick(100);
    expect(net.get('a').status().role).toBe('leader');
  });

  it('a voter that hears a live leader ignores a higher-term vote request (answers in its own term)', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    const b = net.get('b');
    const term = b.status().term;
    b.step({ ...voteFrom('c', 'b', term + 1, { lastLogIndex: 100, lastLogTerm: term }), rid: 3 });
    const out = msgsOf(b);
    expect(out).toEqual([expect.objectContaining({ type: 'voteResp', to: 'c', term, voteGranted: false, rid: 3 })]);
    expect(b.status()).toMatchObject({ term, leader: 'a' });
  });

  it('once the lease has run out the same request is granted', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    net.isolate('b');
    const b = net.get('b');
    const term = b.status().term;
    for (let i = 0; i < 10; i++) b.tick();
    drain(b);
    b.step(voteFrom('c', 'b', term + 1, { lastLogIndex: 100, lastLogTerm: term }));
    expect(msgsOf(b)[0]).toMatchObject({ type: 'voteResp', voteGranted: true, term: term + 1 });
  });
});
