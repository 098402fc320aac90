// kill -9 a writer mid-loop, recover, check that nothing acknowledged was lost; repeat
// on the same directory so recovery after recovery is exercised too.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Entry } from '../raft/core/types.ts';
import { fixtureEntry } from './crash-writer.fixture.ts';
import { MatchLogStore } from './match-log.ts';
import { RaftStorage } from './raft-storage.ts';
import { useTempDirs } from './tmp-dir.testutil.ts';

const tempDir = useTempDirs();
const FIXTURE = fileURLToPath(new URL('./crash-writer.fixture.ts', import.meta.url));
const CYCLES = 6;
// Child start-up (tsx) dominates; give a loaded CI machine room.
const TIMEOUT_MS = 120_000;

/** Run the writer until it has acknowledged a few batches, kill -9 it at a random moment. */
async function runAndKill(mode: string, dir: string): Promise<string[][]> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, mode, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let killTimer: NodeJS.Timeout | undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    killTimer ??= setTimeout(() => child.kill('SIGKILL'), 100 + Math.random() * 300);
  });
  const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(signal ?? c)));
  expect(code).toBe('SIGKILL');
  // Each line is one small writeSync to a pipe, so lines arrive whole.
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split(' '));
}

/** The log as the writer saw it: apply a batch with WAL overwrite semantics. */
function applyBatch(log: Map<number, Entry>, first: number, n: number, term: number): void {
  for (const i of [...log.keys()]) if (i >= first) log.delete(i);
  for (let k = 0; k < n; k++) log.set(first + k, fixtureEntry(first + k, term));
}

describe('crash recovery (kill -9)', () => {
  it('keeps every Raft batch whose save() resolved', async () => {
    const dir = await tempDir();
    const acked = new Map<number, Entry>();
    let ackedSnapshot = 0;
    let batches = 0;
    let snapshots = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const lines = await runAndKill('raft', dir);
      let inflight: Map<number, Entry> | null = null;
      let inflightSnapshot: number | null = null;
      for (const [kind, a, b, c] of lines) {
        if (kind === 'B') {
          inflight = new Map(acked);
          applyBatch(inflight, Number(a), Number(b), Number(c));
        } else if (kind === 'A') {
          applyBatch(acked, Number(a), Number(b), Number(c));
          inflight = null;
          batches++;
        } else if (kind === 'S') inflightSnapshot = Number(a);
        else if (kind === 'SA') {
          [ackedSnapshot, inflightSnapshot] = [Number(a), null];
          snapshots++;
        }
      }
      const s = await RaftStorage.open(dir, { segmentBytes: 16 * 1024 });
      const { snapshot, entries } = s.recovered;
      const snapIndex = snapshot?.lastIncludedIndex ?? 0;
      expect([ackedSnapshot, inflightSnapshot]).toContain(snapIndex);
      const expected = (log: Map<number, Entry>): Entry[] => [...log.values()].filter((e) => e.index > snapIndex);
      const candidates = [expected(acked), ...(inflight ? [expected(inflight)] : [])];
      expect(candidates).toContainEqual(entries);
      if (snapshot) expect(snapshot.lastIncludedTerm).toBe((inflight ?? acked).get(snapIndex)?.term ?? snapshot.lastIncludedTerm);
      // The writer's next incarnation continues from what was recovered.
      acked.clear();
      for (const e of entries) acked.set(e.index, e);
      ackedSnapshot = snapIndex;
      await s.close();
    }
    expect(batches).toBeGreaterThan(CYCLES * 5);
    expect(snapshots).toBeGreaterThan(0);
  }, TIMEOUT_MS);

  it('keeps every match event whose append() resolved', async () => {
    const dir = await tempDir();
    let acks = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const lines = await runAndKill('match', dir);
      const acked = new Map<string, number>();
      const begun = new Map<string, number>();
      for (const [kind, id, seq] of lines) {
        if (kind === 'B') begun.set(id, Number(seq));
        else {
          acked.set(id, Number(seq));
          acks++;
        }
      }
      const store = new MatchLogStore(dir);
      for (const [id, last] of begun) {
        const seqs = (await store.read(id)).map((e) => e.eventSeq);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // contiguous from 1, no torn event
        expect(seqs.length).toBeGreaterThanOrEqual(acked.get(id) ?? 0);
        expect(seqs.length).toBeLessThanOrEqual(last);
      }
      await store.close();
    }
    expect(acks).toBeGreaterThan(CYCLES * 10);
  }, TIMEOUT_MS);
});
