// Run match-simulator seeds from the command line:
//   npx tsx test/sim/run-matches.ts --seed 42 [--steps 1500] [--matches 4] [--bug shadow-acks-before-store] [--verbose]
//   npx tsx test/sim/run-matches.ts --seed 1 --count 200        (a range of seeds; prints failures)
import { performance } from 'node:perf_hooks';
import { runMatchSim, type MatchBug } from './match-sim.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const seed = Number(arg('seed') ?? '1');
const count = Number(arg('count') ?? '1');
const steps = arg('steps') !== undefined ? Number(arg('steps')) : undefined;
const matches = arg('matches') !== undefined ? Number(arg('matches')) : undefined;
const bug = (arg('bug') ?? 'none') as MatchBug;
const verbose = process.argv.includes('--verbose');
let failed = 0;
const t0 = performance.now();
for (let s = seed; s < seed + count; s++) {
  const r = await runMatchSim({ seed: s, steps, matches, bug, verbose });
  if (!r.ok) failed++;
  if (count === 1 || !r.ok) {
    console.log(`seed=${r.seed} verdict=${r.ok ? 'PASS' : 'FAIL'} hash=${r.hash}`);
    console.log(`  scenario: ${r.scenario}`);
    console.log(`  stats: ${JSON.stringify(r.stats)}`);
    if (!r.ok) console.log(`  error: ${r.error}`);
    if (verbose || !r.ok) console.log(r.trace.slice(verbose ? 0 : -30).map((l) => `    ${l}`).join('\n'));
  }
}
const secs = (performance.now() - t0) / 1000;
if (count > 1) console.log(`${count} seeds from ${seed}: ${failed} failed, ${(count / secs).toFixed(2)} seeds/s`);
process.exitCode = failed > 0 ? 1 : 0;
