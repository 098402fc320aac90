// Per-move CPU budget from the nodes' CPU profiles (issue 11 point 6, docs/benchmarks.md):
//
//   TRINCA_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" npm run bench:game -- --matches 200 --saturate
//   npx tsx bench/cpu-steps.ts DIR --moves N --window HH:MM:SS.mmm-HH:MM:SS.mmm
//
// The window is the measured part of the run, in the wall-clock times bench:game's progress
// lines print (today, this machine's clock), and N the moves made in it: from one second
// before the first "…" progress line to the last one, N being the last line's "moves". Only
// samples inside the window count (the profiles cover set-up and drain too): a profile's
// clock is CLOCK_MONOTONIC, the same in every process, and the wall-clock times are mapped
// onto it here. Each sample of
// the main threads is charged to one step: the innermost frame on its stack that names a
// step wins (a zod parse inside checkEvent is "validate", a socket write inside the
// broker's publish is "publish"). Idle time is not counted, start-up (module loading) is
// reported apart. Samples are taken on the wall clock, so on a machine with more runnable
// threads than cores a descheduled thread's samples count too: pass the benchmark's own
// measure (`--cpu-us-per-move`, bench:game's node_cpu_ms_per_move × 1000, read from
// /proc) and each step's µs are its share of that. Prints one JSON object.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Today's HH:MM:SS.mmm (local time) as µs of this process's monotonic clock. */
function monotonicUs(hms: string): number {
  const [h, m, sec] = hms.split(':').map(Number);
  const d = new Date();
  d.setHours(h, m, 0, 0);
  const wallUs = (d.getTime() + sec * 1000) * 1000;
  const nowWallUs = Date.now() * 1000;
  const nowMonoUs = Number(process.hrtime.bigint() / 1000n);
  return wallUs - nowWallUs + nowMonoUs;
}

/** Steps in the order of a move; a frame matches a step by its function name or its file. */
const STEPS: [step: string, test: (fn: string, url: string) => boolean][] = [
  ['gc', (fn) => fn === '(garbage collector)'],
  // The write syscalls themselves (sockets and the journal), wherever they are made from.
  ['write syscalls', (fn, url) => url === '' && /^(writev|writeBuffer|writeUtf8String|writeLatin1String|writeAsciiString)$/.test(fn)],
  ['startup', (_fn, url) => /^node:internal\/modules|node_modules\/(tsx|esbuild)\//.test(url)],
  ['validate', (fn, url) => /server\/game\/(check|commands|schemas)\.ts/.test(url) || fn === 'validateCommand'],
  ['reduce', (_fn, url) => /server\/game\/(reduce|rules|state)\.ts/.test(url)],
  ['hash', (_fn, url) => /server\/game\/hash\.ts/.test(url)],
  ['sign', (fn, url) => /server\/match\/signing\.ts/.test(url) && fn !== 'verify'],
  ['shadow verify', (fn, url) => /server\/match\/signing\.ts/.test(url) && fn === 'verify'],
  ['match log', (_fn, url) => /server\/storage\/(match-log|fd-io|record-codec|sync-rounds)\.ts/.test(url)],
  // The guard's anonymous 'data' listener is the inbound side (see 'broker in').
  ['publish', (fn, url) => /server\/match\/core\/publish\.ts|server\/game\/(view|narrate)\.ts|server\/broker\/(broker|subscribers)\.ts|mqtt-packet\/(generate|writeToStream)/.test(url) || (/server\/broker\/stream-guard\.ts/.test(url) && fn !== '')],
  ['turnover (raft, ledger, matchmaking)', (_fn, url) => /server\/(raft|ledger|matchmaking|players\/ledger|storage\/(raft-storage|record-file|atomic-file))/.test(url) || /server\/match\/ledger-records\.ts/.test(url)],
  ['link', (_fn, url) => /server\/link\/|node_modules\/ws\/|server\/http\/(peer-client|route-table)|server\/match\/(batch|wire|routes)\.ts|koa/.test(url)],
  ['broker in', (_fn, url) => /node_modules\/(aedes|mqtt-packet|qlobber)|server\/players\/|server\/match\/player-handlers\.ts|server\/broker\/(frame-scanner|stream-guard)/.test(url)],
  ['match core + driver', (_fn, url) => /server\/match\//.test(url)],
  ['metrics', (_fn, url) => /prom-client|server\/metrics\//.test(url)],
];

function charge(files: string[], from: number, to: number): { totals: Map<string, number>; idle: number } {
  const totals = new Map<string, number>();
  let idle = 0;
  for (const f of files) {
    const p = JSON.parse(readFileSync(f, 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const stepOf = new Map<number, string>();
    const resolve = (id: number): string => {
      const known = stepOf.get(id);
      if (known) return known;
      const n = byId.get(id)!;
      const hit = STEPS.find(([, test]) => test(n.callFrame.functionName, n.callFrame.url));
      const up = parent.get(id);
      const step = hit ? hit[0] : up === undefined ? 'other (event loop, sockets, streams)' : resolve(up);
      stepOf.set(id, step);
      return step;
    };
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      const id = p.samples[i];
      const dt = p.timeDeltas[i] ?? 0;
      t += dt;
      if (t < from || t > to) continue;
      if (byId.get(id)!.callFrame.functionName === '(idle)') {
        idle += dt;
        continue;
      }
      const step = resolve(id);
      totals.set(step, (totals.get(step) ?? 0) + dt);
    }
  }
  return { totals, idle };
}

function main(): void {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  const movesAt = args.indexOf('--moves');
  const moves = movesAt >= 0 ? Number(args[movesAt + 1]) : NaN;
  const windowAt = args.indexOf('--window');
  const window = windowAt >= 0 ? args[windowAt + 1]?.split('-') : undefined;
  if (!dir || !(moves > 0) || window?.length !== 2) {
    console.error('usage: npx tsx bench/cpu-steps.ts PROFILE_DIR --moves N --window HH:MM:SS.mmm-HH:MM:SS.mmm');
    process.exit(2);
  }
  const [from, to] = window.map(monotonicUs);
  const cpuAt = args.indexOf('--cpu-us-per-move');
  const measured = cpuAt >= 0 ? Number(args[cpuAt + 1]) : null;
  // Node writes one profile per thread; the main threads' are the first of each process.
  const files = readdirSync(dir)
    .filter((n) => n.endsWith('.cpuprofile') && /\.0\.\d+\.cpuprofile$/.test(n))
    .map((n) => join(dir, n));
  const { totals, idle } = charge(files, from, to);
  const startup = totals.get('startup') ?? 0;
  totals.delete('startup');
  const busy = [...totals.values()].reduce((a, b) => a + b, 0);
  const perMove = measured ?? busy / moves;
  const steps = Object.fromEntries(
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .map(([k, us]) => [k, { us_per_move: Math.round((us / busy) * perMove * 10) / 10, share: Math.round((us / busy) * 1000) / 10 }]),
  );
  console.log(
    JSON.stringify({
      profiles: files.length,
      moves,
      window_s: Math.round((to - from) / 1e5) / 10,
      node_cpu_us_per_move: Math.round(perMove),
      sampled_us_per_move: Math.round(busy / moves),
      startup_ms: Math.round(startup / 1000),
      idle_s: Math.round(idle / 1e5) / 10,
      steps,
    }),
  );
}

main();
