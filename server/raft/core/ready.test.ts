// The Ready contract between the core and its driver (types.ts, docs/architecture/raft.md).
import { describe, expect, it } from 'vitest';
import { entriesFromTerms, newCore, TestNet } from './testing.ts';
import type { RaftCore } from './raft.ts';
import type { AppendRequest, RaftMessage, Ready, SnapshotRequest, VoteRequest } from './types.ts';

function drain(core: RaftCore): Ready[] {
  const out: Ready[] = [];
  for (let rd = core.ready(); rd; rd = core.ready()) {
    out.push(rd);
    core.advance(rd);
  }
  return out;
}

type Req = VoteRequest | AppendRequest | SnapshotRequest;
function requests(to: string, term: number): Req[] {
  const base = { from: 'z', to, term };
  return [
    { ...base, type: 'vote', candidateId: 'z', lastLogIndex: 9, lastLogTerm: 9, preVote: false },
    { ...base, type: 'vote', candidateId: 'z', lastLogIndex: 0, lastLogTerm: 0, preVote: true },
    { ...base, type: 'append', leaderId: 'z', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 },
    { ...base, type: 'append', leaderId: 'z', prevLogIndex: 7, prevLogTerm: 3, entries: [], leaderCommit: 0 },
    {
      ...base,
      type: 'snapshot',
      leaderId: 'z',
      snapshot: { lastIncludedIndex: 5, lastIncludedTerm: 1, config: { voters: ['a', 'b', 'z'], learners: [] }, data: 1 },
    },
  ];
}
const respType = { vote: 'voteResp', append: 'appendResp', snapshot: 'snapshotResp' } as const;

describe('Ready contract', () => {
  it('every request yields exactly one response to its sender, echoing rid, whatever the role and term', () => {
    let rid = 1;
    for (const role of ['follower', 'pre-candidate', 'candidate', 'leader', 'learner'] as const) {
      for (const dTerm of [-1, 0, 1]) {
        for (let k = 0; k < 5; k++) {
          const learnerCfg = { config: { voters: ['b', 'z'], learners: ['a'] } };
          const net = new TestNet(['a', 'b', 'z'], role === 'learner' ? learnerCfg : {});
          if (role === 'learner') net.get('b').campaign();
          const a = net.get('a');
          if (role === 'leader') net.elect('a');
          else if (role === 'follower' || role === 'learner') {
            net.stabilize();
            if (role === 'follower') net.elect('b');
          } else {
            net.isolate('a');
            a.campaign();
            if (role === 'candidate') {
              a.step({ type: 'voteResp', from: 'b', to: 'a', term: a.status().term + 1, voteGranted: true, preVote: true });
            }
          }
          drain(a);
          expect(a.status().role).toBe(role);
          const term = Math.max(1, a.status().term) + dTerm;
          const req = { ...requests('a', term)[k], rid: rid++ };
          a.step(req);
          const out = drain(a).flatMap((r) => r.messages);
          const answers = out.filter((m: RaftMessage) => m.rid === req.rid);
          expect(answers, `${role} term${dTerm} ${req.type}`).toHaveLength(1);
          expect(answers[0]).toMatchObject({ type: respType[req.type], to: 'z', from: 'a' });
        }
      }
    }
  });

  it('hardState is present only when it changed; commit-only changes need no fsync', () => {
    const net = new TestNet(['a', 'b', 'c']);
    net.elect('a');
    const b = net.get('b');
    expect(drain(b)).toEqual([]);
    b.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 1, prevLogTerm: 1, entries: [], leaderCommit: 1 });
    const [rd] = drain(b);
    expect(rd.hardState).toBeNull();
    expect(rd.mustSync).toBe(false);
    proposeWhileBMissesCommit(net);
    b.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 2, prevLogTerm: 1, entries: [], leaderCommit: 2 });
    const [rd2] = drain(b);
    expect(rd2.hardState).toEqual({ term: 1, vote: 'a', commit: 2 });
    expect(rd2.mustSync).toBe(false);
  });

  it('only one Ready is outstanding; proposals made meanwhile form the next batch (group commit)', () => {
    const net = new TestNet(['a', 'b', 'c']);
    const a = net.elect('a');
    a.propose('x');
    const r1 = a.ready()!;
    expect(r1.entries.map((e) => e.data)).toEqual(['x']);
    a.propose('y');
    a.propose('z');
    expect(a.ready()).toBeNull();
    a.advance(r1);
    const r2 = a.ready()!;
    expect(r2.entries.map((e) => e.data)).toEqual(['y', 'z']);
    expect(() => a.advance(r1)).toThrow(/not outstanding/);
    a.advance(r2);
  });

  it('entries to persist start where the log was overwritten', () => {
    const f = newCore('b', ['a', 'b', 'c'], { entries: entriesFromTerms([1, 1, 2, 2]), hardState: { term: 2, vote: null, commit: 2 } });
    f.step({
      type: 'append',
      from: 'a',
      to: 'b',
      term: 3,
      leaderId: 'a',
      prevLogIndex: 2,
      prevLogTerm: 1,
      entries: [{ index: 3, term: 3, kind: 'noop' }],
      leaderCommit: 2,
    });
    const [rd] = drain(f);
    expect(rd.entries).toEqual([{ index: 3, term: 3, kind: 'noop' }]);
    expect(f.status().lastIndex).toBe(3);
  });

  it('an acknowledgment queued in an older term is turned into a refusal before it can vouch for truncated entries', () => {
    const f = newCore('b', ['a', 'b', 'c']);
    // a (term 1) sends three entries; b accepts, its "success, match 3" waits for the next persist.
    f.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 0, prevLogTerm: 0, entries: entriesFromTerms([1, 1, 1]), leaderCommit: 0, rid: 1 });
    // Before that persist, c (term 2) overwrites them.
    f.step({ type: 'append', from: 'c', to: 'b', term: 2, leaderId: 'c', prevLogIndex: 0, prevLogTerm: 0, entries: entriesFromTerms([2]), leaderCommit: 0, rid: 2 });
    const rd = f.ready()!;
    // Persisted state holds only c's entry: the answer to a must not claim index 3.
    expect(rd.entries).toEqual(entriesFromTerms([2]));
    expect(rd.messages).toEqual([
      expect.objectContaining({ to: 'a', rid: 1, success: false, term: 2 }),
      expect.objectContaining({ to: 'c', rid: 2, success: true, matchIndex: 1, term: 2 }),
    ]);
  });

  it('committed entries are handed out only with or after their persistence', () => {
    const f = newCore('b', ['a', 'b', 'c']);
    f.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 0, prevLogTerm: 0, entries: entriesFromTerms([1, 1]), leaderCommit: 0 });
    const r1 = f.ready()!;
    // While r1 is being written, the leader says both are committed.
    f.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 2, prevLogTerm: 1, entries: entriesFromTerms([1], 2), leaderCommit: 3 });
    expect(r1.committed).toEqual([]);
    f.advance(r1);
    const r2 = f.ready()!;
    expect(r2.entries.map((e) => e.index)).toEqual([3]);
    expect(r2.committed.map((e) => e.index)).toEqual([1, 2, 3]);
  });

  it('responses of an older term are ignored', () => {
    const net = new TestNet(['a', 'b', 'c'], { preVote: false });
    const a = net.get('a');
    a.campaign();
    drain(a);
    a.campaign();
    drain(a);
    expect(a.status().term).toBe(2);
    a.step({ type: 'voteResp', from: 'b', to: 'a', term: 1, voteGranted: true, preVote: false });
    a.step({ type: 'voteResp', from: 'c', to: 'a', term: 1, voteGranted: true, preVote: false });
    expect(a.status().role).toBe('candidate');
  });

  it('the core is deterministic: same inputs, same outputs', () => {
    const run = () => {
      const net = new TestNet(['a', 'b', 'c', 'd', 'e']);
      const trace: string[] = [];
      net.onReady = (id, rd) => trace.push(`${id}:${JSON.stringify(rd)}`);
      net.tick(40);
      net.leader()!.propose('p');
      net.tick(5);
      return trace.join('\n');
    };
    expect(run()).toBe(run());
  });
});

function proposeWhileBMissesCommit(net: TestNet): void {
  const a = net.get('a');
  a.propose('p');
  net.filter = (m) => m.to !== 'b' && m.from !== 'b';
  net.stabilize();
  net.filter = null;
  // b gets the entry but no commit yet.
  const b = net.get('b');
  b.step({ type: 'append', from: 'a', to: 'b', term: 1, leaderId: 'a', prevLogIndex: 1, prevLogTerm: 1, entries: [a.entryAt(2)!], leaderCommit: 1 });
  drain(b);
}
