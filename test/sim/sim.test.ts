// The deterministic simulator as a CI suite: a fixed time budget of seeds (docs/design.md §13).
// Order: the regression list, one random seed (printed, so a failure can be replayed), then
// fixed seeds 1, 2, 3… until the budget is spent. Even seeds run the real ledger, odd ones
// the built-in counter app (cheaper, so more Raft coverage per second).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { counterApp, type SimApp } from './app.ts';
import { runSim, type SimResult } from './cluster.ts';
import { ledgerApp } from './ledger-app.ts';

const BUDGET_MS = Number(process.env.SIM_BUDGET_MS ?? 40_000);
const READS_BUDGET_MS = Number(process.env.SIM_READS_BUDGET_MS ?? 10_000);

interface Regression {
  seed: number;
  app: 'ledger' | 'counter';
  steps?: number;
  note?: string;
}
const regressions = (JSON.parse(readFileSync(new URL('./regression-seeds.json', import.meta.url), 'utf8')) as { seeds: Regression[] }).seeds;

const appFor = (seed: number): SimApp => (seed % 2 === 0 ? ledgerApp : counterApp);
const replay = (r: SimResult, app: SimApp, steps?: number): string =>
  `seed ${r.seed}: ${r.error}\n    replay: npx tsx test/sim/run.ts --seed ${r.seed} --app ${app.name}${steps ? ` --steps ${steps}` : ''} --verbose\n    scenario: ${r.scenario}`;

describe('raft simulator', () => {
  it('replays a seed exactly: same seed, same trace hash; another seed, another trace', async () => {
    const a = await runSim({ seed: 4242, steps: 300, app: ledgerApp });
    const b = await runSim({ seed: 4242, steps: 300, app: ledgerApp });
    const c = await runSim({ seed: 4243, steps: 300, app: ledgerApp });
    expect(a.ok, a.error).toBe(true);
    expect(b.hash).toBe(a.hash);
    expect(b.stats).toEqual(a.stats);
    expect(c.hash).not.toBe(a.hash);
  });

  for (const bug of ['skip-fsync', 'send-before-persist'] as const) {
    it(`has teeth: a driver that does ${bug} is caught within a few seeds`, async () => {
      const caught: string[] = [];
      for (let seed = 1; seed <= 40 && caught.length === 0; seed++) {
        // Crash-heavy runs: these bugs only bite when a node loses what it promised.
        const r = await runSim({ seed, steps: 600, app: counterApp, driverBug: bug, scenario: { crashEvery: 150, downtime: [10, 100], diskMaxDelay: 2 } });
        if (!r.ok) caught.push(`seed ${seed}: ${r.error}`);
      }
      console.log(`simulator with ${bug}: ${caught[0] ?? 'not caught'}`);
      expect(caught.length).toBeGreaterThan(0);
    });
  }

  it(`passes every seed that fits in ${BUDGET_MS / 1000} s`, async () => {
    const t0 = performance.now();
    const failures: string[] = [];
    let runs = 0;
    const run = async (seed: number, app: SimApp, steps?: number): Promise<void> => {
      const r = await runSim({ seed, app, steps });
      runs++;
      if (!r.ok) failures.push(replay(r, app, steps));
    };
    for (const reg of regressions) await run(reg.seed, reg.app === 'ledger' ? ledgerApp : counterApp, reg.steps);
    // One fresh seed per CI run widens coverage over time; it is printed for replay.
    const fresh = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    console.log(`simulator: random seed this run = ${fresh} (app ${appFor(fresh).name})`);
    await run(fresh, appFor(fresh));
    for (let seed = 1; performance.now() - t0 < BUDGET_MS; seed++) await run(seed, appFor(seed));
    const secs = (performance.now() - t0) / 1000;
    console.log(`simulator: ${runs} seeds in ${secs.toFixed(1)} s (${(runs / secs).toFixed(2)} seeds/s), ${failures.length} failed`);
    expect(failures, `failing seeds:\n  ${failures.join('\n  ')}`).toEqual([]);
  }, BUDGET_MS + 60_000);

  it(`ReadIndex reads are linearizable under faults (seeds for ${READS_BUDGET_MS / 1000} s)`, async () => {
    // Reads go to any node that believes it leads, deposed ones included; every index
    // served must cover every op acknowledged before the read began.
    const t0 = performance.now();
    const failures: string[] = [];
    let runs = 0;
    let served = 0;
    for (let seed = 1; performance.now() - t0 < READS_BUDGET_MS; seed++) {
      const r = await runSim({ seed, app: appFor(seed), reads: true });
      runs++;
      served += r.stats.readsServed ?? 0;
      if (!r.ok) failures.push(`${replay(r, appFor(seed))} --reads`);
    }
    console.log(`simulator with reads: ${runs} seeds, ${served} reads served, ${failures.length} failed`);
    expect(served).toBeGreaterThan(0);
    expect(failures, `failing seeds:\n  ${failures.join('\n  ')}`).toEqual([]);
  }, READS_BUDGET_MS + 60_000);
});
