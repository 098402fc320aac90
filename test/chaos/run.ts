// `npm run chaos -- --minutes N --seed S [--peers 5]`: one campaign, one JSON summary on
// stdout, violations on stderr, exit 1 on any violation (2 on bad flags, 3 if the campaign
// itself could not run). `--plan` prints the seed's fault plan and exits (deterministic).
import { parseArgs } from 'node:util';
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCampaign } from './campaign.ts';
import { checkHistoryText } from './checker.ts';
import type { FinalState } from './types.ts';
import { planFaults, planHash, countFaults } from './plan.ts';

const USAGE = `usage: npm run chaos -- [--minutes N] [--seed S] [--peers 3|5] [--bots-per-peer N]
                      [--network auto|netns|proxy] [--dir DIR] [--inject rogue-trade] [--plan]
       npm run chaos -- --check DIR      re-check a kept run (DIR/history.jsonl + DIR/final-state.json)`;

function int(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    process.stderr.write(`--${name} must be an integer ≥ ${min}, got "${v}"\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        minutes: { type: 'string' },
        seed: { type: 'string' },
        peers: { type: 'string' },
        'bots-per-peer': { type: 'string' },
        network: { type: 'string' },
        dir: { type: 'string' },
        inject: { type: 'string' },
        plan: { type: 'boolean' },
        check: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (values.check) {
    const history = fs.readFileSync(path.join(values.check, 'history.jsonl'), 'utf8');
    const final = JSON.parse(fs.readFileSync(path.join(values.check, 'final-state.json'), 'utf8')) as FinalState;
    const r = checkHistoryText(history, final);
    process.stdout.write(JSON.stringify({ dir: values.check, violations: r.violations.length, ...r.stats }) + '\n');
    for (const v of r.violations.slice(0, 200)) process.stderr.write(`  [${v.kind}] ${v.message}\n`);
    process.exit(r.violations.length > 0 ? 1 : 0);
  }
  const minutes = Number(values.minutes ?? 2);
  if (!(minutes > 0)) {
    process.stderr.write(`--minutes must be a positive number\n${USAGE}\n`);
    process.exit(2);
  }
  const seed = int('seed', values.seed, randomInt(1, 2 ** 31), 0);
  const peers = int('peers', values.peers, 3, 3);
  const network = (values.network ?? 'auto') as 'auto' | 'netns' | 'proxy';
  if (!['auto', 'netns', 'proxy'].includes(network)) {
    process.stderr.write(`--network must be auto, netns or proxy\n`);
    process.exit(2);
  }
  if (values.inject !== undefined && values.inject !== 'rogue-trade') {
    process.stderr.write(`--inject: only "rogue-trade" exists\n`);
    process.exit(2);
  }
  const durationMs = Math.round(minutes * 60_000);
  if (values.plan) {
    const plan = planFaults({ seed, durationMs, peers });
    process.stdout.write(JSON.stringify({ seed, minutes, peers, plan: planHash(plan), faults: countFaults(plan), steps: plan }, null, 1) + '\n');
    return;
  }
  process.stderr.write(`chaos: seed ${seed}, ${minutes} min, ${peers} peers\n`);
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`chaos: ${sig}: cleaning up (peers, namespaces)\n`);
      process.exit(130); // the campaign's exit hook kills its nodes and removes its namespaces
    });
  }
  try {
    const r = await runCampaign({
      seed,
      durationMs,
      peers,
      botsPerPeer: values['bots-per-peer'] ? int('bots-per-peer', values['bots-per-peer'], 4) : undefined,
      network,
      dir: values.dir,
      keep: true,
      inject: values.inject as 'rogue-trade' | undefined,
      log: (s) => process.stderr.write(`chaos: ${s}\n`),
    });
    const { seed: s, minutes: m, operations, faults, violations, network: net, ...rest } = r.summary;
    process.stdout.write(JSON.stringify({ seed: s, minutes: m, operations, faults, violations, network: net, ...rest }) + '\n');
    if (r.violations.length > 0) {
      process.stderr.write(`chaos: ${r.violations.length} violation(s) (seed ${seed}; history ${r.historyFile}):\n`);
      for (const v of r.violations.slice(0, 200)) process.stderr.write(`  [${v.kind}] ${v.message}\n`);
      process.exit(1);
    }
  } catch (err) {
    process.stderr.write(`chaos: the campaign could not run: ${(err as Error).stack ?? err}\n`);
    process.exit(3);
  }
}

void main();
