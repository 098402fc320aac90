// Paper rules about log replication and commitment (Raft §5.3, §5.4.2, §7, §8).
import { describe, expect, it } from 'vitest';
import { entriesFromTerms, logTerms, MemStorage, newCore, TestNet } from './testing.ts';
import { RaftCore } from './raft.ts';
import type { AppendRequest, AppendResponse, RaftMessage, Ready } from './types.ts';

function drain(core: RaftCore): Ready[] {
  const out: Ready[] = [];
  for (let rd = core.ready(); rd; rd = core.ready()) {
    out.push(rd);
    core.advance(rd);
  }
  return out;
}
const msgsOf = (core: RaftCore): RaftMessage[] => drain(core).flatMap((r) => r.messages);

describe('leader election side effects (§8)', () => {
  it('a new leader appends a no-op of its term and commits it with a majority', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    const s = a.status();
    expect(a.entryAt(1)).toMatchObject({ kind: 'noop', term: s.term, index: 1 });
    expect(s.commit).toBe(1);
    for (const id of ['a', 'b', 'c']) expect(net.applied.get(id)!.map((e) => e.kind)).toEqual(['noop']);
  });

  it('propose is refused by non-leaders and accepted by the leader', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    expect(net.get('b').propose('x')).toBeNull();
    expect(net.get('a').propose('x')).toEqual({ index: 2, term: 1 });
    net.stabilize();
    expect(net.applied.get('c')!.map((e) => e.data)).toEqual([undefined, 'x']);
  });
});

describe('commitment (§5.3, §5.4.2)', () => {
  it('Fig. 8: an entry of an older term is not committed by counting replicas, only through one of the current term', () => {
    // a holds (2, t2) from an old leadership that never committed it; b and c lack it.
    const t2log = entriesFromTerms([1, 2]);
    const disk = (entries: typeof t2log) => ({ entries, hardState: { term: 3, vote: null, commit: 1 } });
    const o = { maxEntriesPerAppend: 1, preVote: false };
    const net = new TestNet([]);
    net.add(newCore('a', ['a', 'b', 'c'], { ...o, ...disk(t2log) }));
    net.add(newCore('b', ['a', 'b', 'c'], { ...o, ...disk(t2log.slice(0, 1)) }));
    net.add(newCore('c', ['a', 'b', 'c'], { ...o, ...disk(t2log.slice(0, 1)) }));
    const a = net.get('a');
    a.campaign();
    // Deliver only the election, and then the appends one message at a time.
    net.filter = (m) => m.type === 'vote' || m.type === 'voteResp' || m.from === 'a' || m.to === 'a';
    net.deliver(net.drain());
    net.deliver(net.drain());
    expect(a.status()).toMatchObject({ role: 'leader', term: 4 });
    expect(a.entryAt(3)).toMatchObject({ kind: 'noop', term: 4 });

    // Replicate to b only, one entry per message; once b holds (2, t2), drop the no-op.
    net.filter = (m) => m.to !== 'c' && m.from !== 'c';
    const b = net.get('b');
    for (let i = 0; i < 20; i++) {
      net.deliver(net.drain().filter((m) => !(m.type === 'append' && b.termAt(2) === 2 && m.entries.some((e) => e.index === 3))));
    }
    expect(a.status().progress.b.match).toBe(2);
    // A majority (a, b) holds index 2, yet it is from term 2 ≠ 4: not committed.
    expect(a.status().commit).toBe(1);

    // Once the term-4 no-op reaches b (re-sent after the loss), index 3 commits, and 2 with it.
    net.filter = null;
    net.tick(5);
    expect(a.status().commit).toBe(3);
    expect(net.applied.get('a')!.map((e) => [e.index, e.term])).toEqual([
      [1, 1],
      [2, 2],
      [3, 4],
    ]);
  });

  it('a follower never commits beyond what the append proved it shares with the leader', () => {
    const f = newCore('b', ['a', 'b', 'c'], { entries: entriesFromTerms([1, 1, 1]), hardState: { term: 1, vote: null, commit: 0 } });
    // Heartbeat anchored at 1 with leaderCommit 3: (2, 3) are unproven, so commit stops at 1.
    f.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 1, prevLogTerm: 1, entries: [], leaderCommit: 3 });
    expect(f.status().commit).toBe(1);
  });

  it('leader commit waits for its own disk: it counts itself only after advance()', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    a.propose('x');
    const rd = a.ready()!;
    expect(rd.entries.map((e) => e.data)).toEqual(['x']);
    // Followers answer before the leader acknowledged its own write: b alone is not a majority.
    net.deliver(rd.messages.filter((m) => m.to === 'b'));
    net.deliver(net.drain());
    expect(a.status().commit).toBe(1);
    a.advance(rd);
    expect(a.status().commit).toBe(2);
  });
});

describe('log matching and repair (§5.3, Fig. 7)', () => {
  // Fig. 7: the leader of term 8 holds the top log; each follower one of (a)–(f).
  const leaderLog = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];
  const followers: Record<string, number[]> = {
    a: [1, 1, 1, 4, 4, 5, 5, 6, 6],
    b: [1, 1, 1, 4],
    c: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6],
    d: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7],
    e: [1, 1, 1, 4, 4, 4, 4],
    f: [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3],
  };
  for (const [name, flog] of Object.entries(followers)) {
    it(`Fig. 7 (${name}): the follower's log is made identical to the leader's`, () => {
      const net = new TestNet([]);
      const hs = { term: 7, vote: null, commit: 0 };
      // The leader wins with the votes of the third node (an empty log keeps it quiet).
      net.add(newCore('L', ['L', 'F', 'X'], { entries: entriesFromTerms(leaderLog), hardState: hs, preVote: false }));
      net.add(newCore('F', ['L', 'F', 'X'], { entries: entriesFromTerms(flog), hardState: hs, preVote: false }));
      net.add(newCore('X', ['L', 'F', 'X'], { hardState: hs, preVote: false }));
      net.elect('L');
      net.tick(3);
      const want = [...leaderLog, 8];
      expect(logTerms(net.get('F'))).toEqual(want);
      expect(net.get('F').status().commit).toBe(11);
      // Entries are the leader's, not merely same-term lookalikes.
      for (let i = 1; i <= 11; i++) expect(net.get('F').entryAt(i)).toEqual(net.get('L').entryAt(i));
    });
  }

  it('a rejection hints the first index of the conflicting term, so a whole term is skipped per round trip', () => {
    const f = newCore('F', ['L', 'F'], { entries: entriesFromTerms(followers.f), hardState: { term: 7, vote: null, commit: 3 } });
    f.step({ type: 'append', from: 'L', to: 'F', term: 8, leaderId: 'L', prevLogIndex: 10, prevLogTerm: 6, entries: [], leaderCommit: 3 });
    const r = msgsOf(f)[0] as AppendResponse;
    // Index 10 holds term 3, whose first entry is index 7.
    expect(r).toMatchObject({ success: false, matchIndex: 10, conflictIndex: 7 });
    f.step({ type: 'append', from: 'L', to: 'F', term: 8, leaderId: 'L', prevLogIndex: 14, prevLogTerm: 6, entries: [], leaderCommit: 3 });
    expect(msgsOf(f)[0]).toMatchObject({ success: false, matchIndex: 14, conflictIndex: 12 });
  });

  it('entries the follower already holds are not rewritten (a duplicate append changes nothing)', () => {
    const f = newCore('b', ['a', 'b'], {});
    const ents = entriesFromTerms([1, 1, 1]);
    const app: AppendRequest = { type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 0, prevLogTerm: 0, entries: ents, leaderCommit: 0 };
    f.step(app);
    expect(drain(f)[0].entries).toHaveLength(3);
    f.step({ ...app, entries: ents.slice(0, 2) });
    const rds = drain(f);
    expect(rds.flatMap((r) => r.entries)).toHaveLength(0);
    expect(rds[0].messages[0]).toMatchObject({ success: true, matchIndex: 2 });
    expect(f.status().lastIndex).toBe(3);
  });

  it('the leader pipelines appends to an in-step follower without waiting for answers', () => {
    const net = new TestNet(['a', 'b', 'c'], { maxEntriesPerAppend: 2, maxInflight: 3 });
    const a = net.elect('a');
    for (let i = 0; i < 20; i++) a.propose(i);
    const rd = a.ready()!;
    const toB = rd.messages.filter((m): m is AppendRequest => m.type === 'append' && m.to === 'b');
    // Three messages (the window) of two entries each, consecutive.
    expect(toB.map((m) => [m.prevLogIndex, m.entries.length])).toEqual([
      [1, 2],
      [3, 2],
      [5, 2],
    ]);
    a.advance(rd);
    net.deliver(rd.messages);
    net.stabilize();
    expect(net.get('b').status().commit).toBe(21);
  });

  it('a reordered, stale rejection does not move the leader backwards', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    for (let i = 0; i < 5; i++) a.propose(i);
    net.stabilize();
    expect(a.status().progress.b).toMatchObject({ match: 6, state: 'replicate' });
    a.step({ type: 'appendResp', from: 'b', to: 'a', term: a.status().term, success: false, matchIndex: 3, conflictIndex: 2 });
    expect(a.status().progress.b).toMatchObject({ match: 6, next: 7, state: 'replicate' });
  });

  it('a lost append in the pipeline is detected and repaired', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    let dropped = 0;
    net.filter = (m) => !(m.type === 'append' && m.to === 'b' && m.entries.length > 0 && dropped++ < 1);
    a.propose('lost');
    net.stabilize();
    expect(net.get('b').status().lastIndex).toBe(1);
    net.filter = null;
    net.tick(5);
    expect(net.get('b').status()).toMatchObject({ lastIndex: 2, commit: 2 });
  });

  it('a follower answers an append inside its committed prefix with its commit index', () => {
    const f = newCore('b', ['a', 'b'], { entries: entriesFromTerms([1, 1, 1]), hardState: { term: 1, vote: null, commit: 3 } });
    f.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 0, prevLogTerm: 0, entries: entriesFromTerms([1]), leaderCommit: 3 });
    expect(msgsOf(f)[0]).toMatchObject({ success: true, matchIndex: 3 });
  });
});

describe('snapshots (§7)', () => {
  it('a lagging follower whose next entries were compacted gets InstallSnapshot, then the log', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 30; i++) a.propose(`v${i}`);
    net.stabilize();
    expect(a.status().commit).toBe(31);
    // The application snapshots at 25 and the core drops the log up to there.
    expect(a.compact(25, { state: 'app@25' })).toBe(true);
    expect(a.status().snapshotIndex).toBe(25);
    expect(a.termAt(10)).toBeUndefined();

    net.heal();
    const seen: Ready[] = [];
    const c = net.get('c');
    net.onReady = (id, rd) => {
      if (id === 'c') seen.push(rd);
    };
    net.tick(5);
    const withSnap = seen.find((r) => r.snapshot);
    expect(withSnap?.snapshot).toMatchObject({ lastIncludedIndex: 25, data: { state: 'app@25' } });
    expect(withSnap!.snapshot!.config.voters).toEqual(['a', 'b', 'c']);
    // Committed entries applied after the snapshot start right after it.
    const appliedIdx = net.applied.get('c')!.map((e) => e.index);
    expect(appliedIdx.filter((i) => i > 25)).toEqual([26, 27, 28, 29, 30, 31]);
    expect(c.status()).toMatchObject({ commit: 31, applied: 31, snapshotIndex: 25, lastIndex: 31 });
    // The snapshot replaced c's whole disk log.
    expect(net.disks.get('c')!.snapshot?.lastIncludedIndex).toBe(25);
    expect(net.disks.get('c')!.entries.map((e) => e.index)).toEqual([26, 27, 28, 29, 30, 31]);
  });

  it('a follower that already holds the snapshot’s last entry keeps its log and only learns the commit', () => {
    const f = newCore('b', ['a', 'b'], { entries: entriesFromTerms([1, 1, 1, 1]), hardState: { term: 1, vote: null, commit: 1 } });
    f.step({
      type: 'snapshot',
      from: 'a',
      to: 'b',
      term: 1,
      leaderId: 'a',
      snapshot: { lastIncludedIndex: 3, lastIncludedTerm: 1, config: { voters: ['a', 'b'], learners: [] }, data: null },
    });
    const rd = f.ready()!;
    expect(rd.snapshot).toBeNull();
    expect(rd.messages[0]).toMatchObject({ type: 'snapshotResp', matchIndex: 3 });
    expect(f.status()).toMatchObject({ commit: 3, lastIndex: 4, snapshotIndex: 0 });
  });

  it('a lost snapshot is sent again', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    net.isolate('c');
    for (let i = 0; i < 5; i++) a.propose(i);
    net.stabilize();
    a.compact(6, 'snap');
    net.heal();
    let dropped = 0;
    net.filter = (m) => !(m.type === 'snapshot' && dropped++ === 0);
    net.tick(30);
    expect(dropped).toBeGreaterThan(1);
    expect(net.get('c').status()).toMatchObject({ commit: 6, snapshotIndex: 6 });
  });

  it('a restarted node rebuilds from its snapshot and entries', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    for (let i = 0; i < 10; i++) a.propose(i);
    net.stabilize();
    const b = net.get('b');
    b.compact(8, 'app@8');
    const disk = net.disks.get('b')!;
    // The driver persisted the application snapshot; model that in the test disk.
    disk.snapshot = b.snapshot();
    disk.entries = disk.entries.filter((e) => e.index > 8);
    const b2 = new RaftCore({ id: 'b', random: () => 0.5, electionTicks: 10, heartbeatTicks: 1, ...disk.restoreOptions() });
    expect(b2.status()).toMatchObject({ term: 1, commit: 11, applied: 8, snapshotIndex: 8, lastIndex: 11 });
    const rd = b2.ready()!;
    expect(rd.committed.map((e) => e.index)).toEqual([9, 10, 11]);
  });

  it('a stored commit beyond the stored log is refused loudly', () => {
    const disk = new MemStorage();
    disk.hardState = { term: 1, vote: null, commit: 5 };
    disk.entries = entriesFromTerms([1, 1]);
    expect(() => new RaftCore({ id: 'a', peers: ['a'], random: () => 0, ...disk.restoreOptions() })).toThrow(/lost entries/);
  });
});

describe('flow control', () => {
  it('a leader refuses proposals while its uncommitted backlog is full', () => {
    const net = new TestNet(['a', 'b', 'c'], { maxUncommittedEntries: 3 });
    const a = net.elect('a');
    net.isolate('a');
    expect([1, 2, 3, 4].map((i) => a.propose(i) !== null)).toEqual([true, true, true, false]);
    expect(a.status().role).toBe('leader');
    net.heal();
    net.stabilize();
    expect(a.propose(5)).not.toBeNull();
  });
});
