// Run simulator seeds from the command line:
//   npx tsx test/sim/run.ts --seed 42 [--steps 1500] [--app counter|ledger] [--verbose]
//   npx tsx test/sim/run.ts --seed 1 --count 500        (a range of seeds; prints failures)
//   … --reads                                            (also check ReadIndex reads)
// Prints one line per seed: seed, verdict, trace hash, scenario. Exit code 1 on any failure.
import { performance } from 'node:perf_hooks';
import { counterApp, type SimApp } from './app.ts';
import { runSim } from './cluster.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

async function pickApp(name: string): Promise<SimApp> {
  if (name === 'counter') return counterApp;
  const { ledgerApp } = await import('./ledger-app.ts');
  return ledgerApp;
}

async function main(): Promise<void> {
  const seed = Number(arg('seed') ?? '1');
  const count = Number(arg('count') ?? '1');
  const steps = arg('steps') !== undefined ? Number(arg('steps')) : undefined;
  const app = await pickApp(arg('app') ?? 'ledger');
  const verbose = flag('verbose');
  const reads = flag('reads');
  let failed = 0;
  const t0 = performance.now();
  for (let s = seed; s < seed + count; s++) {
    const r = await runSim({ seed: s, steps, app, verbose, reads });
    if (!r.ok) failed++;
    if (count === 1 || !r.ok) {
      console.log(`seed=${r.seed} verdict=${r.ok ? 'PASS' : 'FAIL'} hash=${r.hash}`);
      console.log(`  scenario: ${r.scenario}`);
      console.log(`  stats: ${JSON.stringify(r.stats)}`);
      if (!r.ok) console.log(`  error: ${r.error}`);
      if (verbose || !r.ok) console.log(r.trace.slice(verbose ? 0 : -40).map((l) => `    ${l}`).join('\n'));
    }
  }
  const ms = performance.now() - t0;
  if (count > 1) console.log(`${count} seeds from ${seed}: ${failed} failed, ${(count / (ms / 1000)).toFixed(1)} seeds/s`);
  process.exitCode = failed > 0 ? 1 : 0;
}

void main();
