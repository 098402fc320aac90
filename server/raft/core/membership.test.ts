// Membership: learners, single-server changes (thesis §4.1–§4.2.3, Ongaro 2015).
import { describe, expect, it } from 'vitest';
import { newCore, TestNet } from './testing.ts';
import type { RaftCore } from './raft.ts';
import type { ClusterConfig, Ready } from './types.ts';

const withLearner: ClusterConfig = { voters: ['a', 'b'], learners: ['c'] };

function drain(core: RaftCore): Ready[] {
  const out: Ready[] = [];
  for (let rd = core.ready(); rd; rd = core.ready()) {
    out.push(rd);
    core.advance(rd);
  }
  return out;
}

describe('learners', () => {
  it('a candidate does not ask learners, and a learner’s grant does not count', () => {
    const a = newCore('a', [], { config: withLearner, preVote: false });
    a.campaign();
    const [rd] = drain(a);
    expect(rd.messages.map((m) => m.to)).toEqual(['b']);
    a.step({ type: 'voteResp', from: 'c', to: 'a', term: 1, voteGranted: true, preVote: false });
    expect(a.status().role).toBe('candidate');
    a.step({ type: 'voteResp', from: 'b', to: 'a', term: 1, voteGranted: true, preVote: false });
    expect(a.status().role).toBe('leader');
  });

  it('a learner receives the log but its acknowledgments do not commit', () => {
    const net = new TestNet(['a', 'b', 'c'], { config: withLearner });
    const a = net.elect('a');
    net.isolate('b');
    a.propose('x');
    net.tick(3);
    expect(net.get('c').status().lastIndex).toBe(2);
    expect(a.status().commit).toBe(1);
    net.heal();
    net.tick(3);
    expect(a.status().commit).toBe(2);
    expect(net.get('c').status()).toMatchObject({ role: 'learner', commit: 2 });
  });

  it('a learner never campaigns', () => {
    const c = newCore('c', [], { config: withLearner });
    for (let i = 0; i < 1000; i++) c.tick();
    expect(c.status()).toMatchObject({ role: 'learner', term: 0 });
    expect(drain(c).flatMap((r) => r.messages)).toEqual([]);
  });

  it('CheckQuorum counts voters only: learners keep no leader alive', () => {
    const net = new TestNet(['a', 'b', 'c'], { config: withLearner });
    net.elect('a');
    net.cutLink('a', 'b');
    net.tick(25);
    expect(net.get('a').status().role).toBe('follower');
  });
});

describe('single-server configuration changes', () => {
  it('is refused until the leader has committed an entry of its own term', () => {
    const net = new TestNet(['a', 'b', 'c'], { preVote: false });
    const a = net.get('a');
    a.campaign();
    net.deliver(net.drain());
    net.deliver(net.drain());
    expect(a.status().role).toBe('leader');
    expect(a.configRefusal({ op: 'addLearner', id: 'd' })).toMatch(/own term|its term/);
    expect(a.proposeConfig({ op: 'addLearner', id: 'd' })).toBeNull();
    net.stabilize();
    expect(a.configRefusal({ op: 'addLearner', id: 'd' })).toBeNull();
  });

  it('allows one change at a time: the next waits for the previous to commit', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    const p = a.proposeConfig({ op: 'addLearner', id: 'd' }, { address: 'http://d' });
    expect(p).toEqual({ index: 2, term: 1 });
    expect(a.entryAt(2)).toMatchObject({ kind: 'config', config: { voters: ['a', 'b', 'c'], learners: ['d'] }, data: { address: 'http://d' } });
    expect(a.configRefusal({ op: 'remove', id: 'c' })).toMatch(/not committed/);
    net.stabilize();
    expect(a.configRefusal({ op: 'remove', id: 'c' })).toBeNull();
  });

  it('refuses changes that make no sense and refuses followers', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    expect(a.configRefusal({ op: 'promote', id: 'b' })).toMatch(/not a learner/);
    expect(a.configRefusal({ op: 'addLearner', id: 'b' })).toMatch(/already a member/);
    expect(a.configRefusal({ op: 'remove', id: 'z' })).toMatch(/not a member/);
    expect(net.get('b').configRefusal({ op: 'addLearner', id: 'd' })).toMatch(/not the leader/);
    const solo = new TestNet(['a']);
    expect(solo.elect('a').configRefusal({ op: 'remove', id: 'a' })).toMatch(/last voter/);
  });

  it('takes effect on append, before commit, and reverts when the entry is truncated', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    // Only b hears the config entry, and b's answer is lost, so it cannot commit.
    net.cutLink('a', 'c');
    net.filter = (m) => m.type !== 'appendResp';
    a.proposeConfig({ op: 'addLearner', id: 'd' });
    net.deliver(net.drain());
    const b = net.get('b');
    expect(b.status().config.learners).toEqual(['d']);
    expect(b.status().commit).toBe(1);
    // A leader of a newer term overwrites the uncommitted entry: the old config is back.
    b.step({
      type: 'append',
      from: 'c',
      to: 'b',
      term: 5,
      leaderId: 'c',
      prevLogIndex: 1,
      prevLogTerm: 1,
      entries: [{ index: 2, term: 5, kind: 'noop' }],
      leaderCommit: 1,
    });
    expect(b.status().config).toEqual({ voters: ['a', 'b', 'c'], learners: [] });
    expect(b.termAt(2)).toBe(5);
  });

  it('a new node joins as a learner, catches up, is promoted and then counts', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    for (let i = 0; i < 20; i++) a.propose(i);
    net.stabilize();
    a.compact(15, 'app@15');
    // d starts empty, knowing no configuration: it must not campaign on its own.
    net.add(newCore('d', [], {}));
    a.proposeConfig({ op: 'addLearner', id: 'd' });
    net.tick(5);
    const d = net.get('d');
    expect(d.status()).toMatchObject({ role: 'learner', commit: a.status().commit });
    expect(d.status().snapshotIndex).toBe(15);
    a.proposeConfig({ op: 'promote', id: 'd' });
    net.tick(3);
    expect(d.status().role).toBe('follower');
    expect(d.status().config.voters).toEqual(['a', 'b', 'c', 'd']);
    // Four voters: with a and b gone, c and d are no majority; with only a gone they are.
    net.isolate('a');
    net.tick(60);
    const l = net.leader()!;
    expect(['b', 'c', 'd']).toContain(l.id);
    expect(l.status().config.voters).toHaveLength(4);
  });

  it('a removed node stops campaigning', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    a.proposeConfig({ op: 'remove', id: 'c' });
    net.stabilize();
    const c = net.get('c');
    expect(c.status().config.voters).toEqual(['a', 'b']);
    const term = c.status().term;
    net.isolate('c');
    net.tick(200);
    expect(c.status()).toMatchObject({ role: 'follower', term });
    // The leader no longer replicates to it.
    expect(Object.keys(a.status().progress).sort()).toEqual(['a', 'b']);
    expect(a.status().role).toBe('leader');
  });

  it('a leader that removes itself steps down once the change commits, and the rest elect a leader', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    a.proposeConfig({ op: 'remove', id: 'a' });
    net.stabilize();
    expect(a.status().role).toBe('follower');
    net.tick(60);
    const l = net.leader()!;
    expect(['b', 'c']).toContain(l.id);
    expect(l.status().config.voters).toEqual(['b', 'c']);
    expect(a.status().role).toBe('follower');
    expect(l.propose('after')).not.toBeNull();
    net.stabilize();
    expect(net.get('b').status().commit).toBe(net.get('c').status().commit);
  });
});
