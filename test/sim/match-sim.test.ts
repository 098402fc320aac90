// The match simulator as a CI suite: Raft + ledger + match core on 3–5 simulated nodes with
// bots playing whole matches under the seed's faults. A fixed time budget of seeds, one
// random seed printed for replay, exact replay, and proof that the checker has teeth.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { runMatchSim, type MatchBug } from './match-sim.ts';

const BUDGET_MS = Number(process.env.MATCH_SIM_BUDGET_MS ?? 25_000);
const replayHint = (seed: number, bug?: MatchBug) => `npx tsx test/sim/run-matches.ts --seed ${seed}${bug && bug !== 'none' ? ` --bug ${bug}` : ''} --verbose`;

describe('match simulator', () => {
  it('replays a seed exactly: same seed, same trace; another seed, another trace', async () => {
    const a = await runMatchSim({ seed: 7, steps: 600 });
    const b = await runMatchSim({ seed: 7, steps: 600 });
    const c = await runMatchSim({ seed: 8, steps: 600 });
    expect(a.ok, a.error).toBe(true);
    expect(b.hash).toBe(a.hash);
    expect(b.stats).toEqual(a.stats);
    expect(c.hash).not.toBe(a.hash);
  });

  for (const bug of ['shadow-acks-before-store', 'host-ignores-epoch', 'failover-skips-ledger'] as const) {
    it(`has teeth: a driver where ${bug} is caught within a few seeds`, async () => {
      let caught: string | null = null;
      for (let seed = 1; seed <= 30 && !caught; seed++) {
        const r = await runMatchSim({ seed, steps: 1000, bug });
        if (!r.ok) caught = `seed ${seed}: ${r.error}`;
      }
      console.log(`match simulator with ${bug}: ${caught ?? 'not caught'}`);
      expect(caught).not.toBeNull();
    });
  }

  it(`passes every seed that fits in ${BUDGET_MS / 1000} s`, async () => {
    const t0 = performance.now();
    const failures: string[] = [];
    let runs = 0;
    const run = async (seed: number) => {
      const r = await runMatchSim({ seed });
      runs++;
      if (!r.ok) failures.push(`seed ${seed}: ${r.error}\n    replay: ${replayHint(seed)}\n    scenario: ${r.scenario}`);
    };
    const fresh = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    console.log(`match simulator: random seed this run = ${fresh}`);
    await run(fresh);
    for (let seed = 1; performance.now() - t0 < BUDGET_MS; seed++) await run(seed);
    const secs = (performance.now() - t0) / 1000;
    console.log(`match simulator: ${runs} seeds in ${secs.toFixed(1)} s (${(runs / secs).toFixed(2)} seeds/s), ${failures.length} failed`);
    expect(failures, `failing seeds:\n  ${failures.join('\n  ')}`).toEqual([]);
  }, BUDGET_MS + 60_000);
});
