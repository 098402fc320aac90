// Child process for crash.test.ts: writes forever until kill -9, announcing each batch
// before it starts ("B …") and after its promise resolved ("A …") on fd 1.
//   raft  <dir>: Raft WAL appends, overwrites now and then, snapshots + compaction
//   match <dir>: synced appends to many match logs at once
import { writeSync } from 'node:fs';
import type { Entry } from '../raft/core/types.ts';
import { MatchLogStore } from './match-log.ts';
import { RaftStorage } from './raft-storage.ts';

const [mode, dir] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));

/** Synchronous, so a line is in the pipe before the next step; waits out a full pipe. */
function say(line: string): void {
  const buf = Buffer.from(line + '\n');
  for (let done = 0; done < buf.length; ) {
    try {
      done += writeSync(1, buf, done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}
const rand = (n: number): number => Math.floor(Math.random() * n);

/** Entry content is a function of (index, term), so the parent can rebuild it. */
export function fixtureEntry(index: number, term: number): Entry {
  return { index, term, kind: 'command', data: { i: index, t: term, pad: 'x'.repeat((index * 7 + term) % 200) } };
}

async function raft(): Promise<void> {
  const s = await RaftStorage.open(dir, { segmentBytes: 16 * 1024 });
  const { hardState, snapshot, entries } = s.recovered;
  const terms = new Map<number, number>(entries.map((e) => [e.index, e.term]));
  let snapIndex = snapshot?.lastIncludedIndex ?? 0;
  if (snapshot) terms.set(snapIndex, snapshot.lastIncludedTerm);
  let last = entries.at(-1)?.index ?? snapIndex;
  const term = hardState.term + 1;
  await s.save({ hardState: { term, vote: 'me', commit: hardState.commit } }, true);
  for (let round = 0; ; round++) {
    const overwrite = Math.min(last - snapIndex, rand(10) === 0 ? 1 + rand(5) : 0);
    const first = last - overwrite + 1;
    const batch = Array.from({ length: 1 + rand(20) }, (_, k) => fixtureEntry(first + k, term));
    say(`B ${first} ${batch.length} ${term}`);
    await s.save({ hardState: { term, vote: 'me', commit: first - 1 }, entries: batch }, true);
    for (const e of batch) terms.set(e.index, e.term);
    for (let i = first + batch.length; i <= last; i++) terms.delete(i);
    last = first + batch.length - 1;
    say(`A ${first} ${batch.length} ${term}`);
    if (round % 25 === 24 && last - snapIndex > 30) {
      const at = last - 10;
      say(`S ${at} ${terms.get(at)}`);
      await s.saveSnapshot({ lastIncludedIndex: at, lastIncludedTerm: terms.get(at) as number, config: { voters: ['me'], learners: [] }, data: { at } });
      await s.compact(at);
      snapIndex = at;
      say(`SA ${at}`);
    }
  }
}

async function match(): Promise<void> {
  const store = new MatchLogStore(dir, { maxOpenFiles: 8 });
  const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
  const next = new Map<string, number>();
  for (const id of ids) next.set(id, (await store.read(id)).length + 1);
  const worker = async (id: string): Promise<void> => {
    for (;;) {
      const seq = next.get(id) as number;
      const events = Array.from({ length: 1 + rand(3) }, (_, k) => ({ eventSeq: seq + k, body: 'y'.repeat(rand(100)) }));
      say(`B ${id} ${seq + events.length - 1}`);
      await store.append(id, events, true);
      next.set(id, seq + events.length);
      say(`A ${id} ${seq + events.length - 1}`);
    }
  };
  await Promise.all(ids.map(worker));
}

if (mode === 'raft') void raft();
else if (mode === 'match') void match();
