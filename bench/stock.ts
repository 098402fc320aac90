// Pack purchases on a real 3-peer loopback cluster (docs/design.md §14: ≥ 3,500 packs/s with 64
// concurrent buyers, p99 ≤ 50 ms; Raft leader kill -9 → purchases served again in ≤ 2 s).
//
//   npm run bench:stock -- [--seconds 10] [--concurrency 64] [--warmup 2] [--stock-scale 200]
//                          [--trials 20] [--failover-buyers 4] [--skip-failover]
//
// Starts the peers through the CLI, registers one player per buyer over MQTT, then each
// buyer loops POST /estoque/comprar_pacote (buyer i talks to peer i mod 3, so two thirds
// of the purchases are forwarded by a follower to the leader) for --warmup + --seconds;
// only purchases completed inside the --seconds window count. Every purchase is a
// committed Raft entry (fsynced on a majority before the answer). Then, unless
// --skip-failover, it runs bench/leader-failover.ts on the same cluster. Prints ONE JSON
// object on stdout; progress goes to stderr.
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runLeaderFailover, type FailoverResult } from './leader-failover.ts';
import { benchCpuMeter, log, percentile, round, sleep, startBenchCluster, waitForConvergence, installSignalCleanup, type BenchCluster } from './support.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '2' },
    // 2,800 cards per unit: 200 units = 112,000 packs, more than 10 s at 8,000 packs/s
    // plus the failover trials; the ledger allows up to MAX_STOCK_SCALE (1000).
    'stock-scale': { type: 'string', default: '200' },
    trials: { type: 'string', default: '20' },
    'failover-buyers': { type: 'string', default: '4' },
    'skip-failover': { type: 'boolean', default: false },
  },
});

const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const warmup = Number(values.warmup);
const stockScale = Number(values['stock-scale']);
const trials = Number(values.trials);
const failoverBuyers = Number(values['failover-buyers']);
for (const [k, v] of Object.entries({ seconds, concurrency, stockScale, trials, failoverBuyers })) {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`--${k} must be a positive number`);
}
if (!(warmup >= 0)) throw new Error('--warmup must be >= 0');

/** CPU time (user + system, ms) a process has used so far; null where /proc is missing. */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** Load average and CPU pressure: the benchmark shares the machine, so say how busy it was. */
function machineLoad(): Record<string, unknown> {
  let psi: string | null;
  try {
    psi = /avg10=([\d.]+)/.exec(fs.readFileSync('/proc/pressure/cpu', 'utf8'))?.[1] ?? null;
  } catch {
    psi = null;
  }
  return { loadavg: os.loadavg().map((x) => round(x)), cpus: os.cpus().length, cpu_pressure_some_avg10: psi };
}

interface ThroughputResult {
  packs_per_s: number;
  p50_ms: number;
  p99_ms: number;
  concurrency: number;
  seconds: number;
  total_packs: number;
  errors: number;
  p999_ms: number;
  max_ms: number;
  /** CPU of the three peers (and of this process) per acknowledged pack in the window. */
  cpu_ms_per_pack: number | null;
  bench_cpu_ms_per_pack: number | null;
  /** CPU of each peer and of this process over the window, in cores. */
  cpu_cores_nodes: (number | null)[];
  cpu_cores_bench: number | null;
}

async function throughput(bc: BenchCluster): Promise<ThroughputResult> {
  const peers = bc.cluster.peers;
  const start = performance.now();
  const from = start + warmup * 1000;
  const to = from + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  const perPeer = new Map<string, number>();
  const buyer = async (b: number): Promise<void> => {
    const peer = peers[b % peers.length];
    const playerId = bc.players[b % bc.players.length];
    const conn = bc.client.connection(peer);
    for (let n = 0; performance.now() < to; n++) {
      const t = performance.now();
      let ok = false;
      try {
        const r = await conn.buy(`tp-${b}-${n}`, playerId, 10_000);
        ok = r.status === 200;
        if (!ok && !firstError) firstError = `${peer.id}: ${r.status} ${JSON.stringify(r.body)}`;
      } catch (err) {
        if (!firstError) firstError = `${peer.id}: ${(err as Error).message}`;
      }
      const done = performance.now();
      if (done < from || done > to) continue;
      if (!ok) {
        errors++;
        await sleep(10);
        continue;
      }
      latencies.push(done - t);
      perPeer.set(peer.id, (perPeer.get(peer.id) ?? 0) + 1);
    }
    conn.close();
  };
  const pids = [...peers.map((p) => p.proc?.pid), process.pid];
  let cpuFrom: (number | null)[] = [];
  const startCpu = setTimeout(() => (cpuFrom = pids.map(cpuMs)), Math.max(0, from - performance.now()));
  let cpuTo: (number | null)[] = [];
  const stopCpu = setTimeout(() => (cpuTo = pids.map(cpuMs)), Math.max(0, to - performance.now()));
  const progress = setInterval(() => log('…', { packs: latencies.length, errors }), 2000);
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, b) => buyer(b)));
  } finally {
    clearInterval(progress);
    clearTimeout(startCpu);
    clearTimeout(stopCpu);
  }
  const used = pids.map((_, i) => (cpuFrom[i] != null && cpuTo[i] != null ? cpuTo[i]! - cpuFrom[i]! : null));
  const cores = (ms: number | null | undefined) => (ms == null ? null : round(ms / 1000 / seconds));
  const perPack = (ms: (number | null)[]) => (latencies.length > 0 && ms.every((x) => x !== null) ? round((ms as number[]).reduce((a, b) => a + b, 0) / latencies.length, 3) : null);
  log('cpu during the window (ms)', Object.fromEntries(used.map((u, i) => [i < peers.length ? peers[i].id : 'bench', u])));
  if (errors > 0) log('purchases failed', { errors, first: firstError });
  log('throughput per entry peer', Object.fromEntries(perPeer));
  latencies.sort((a, b) => a - b);
  return {
    packs_per_s: Math.round(latencies.length / seconds),
    p50_ms: round(percentile(latencies, 0.5)),
    p99_ms: round(percentile(latencies, 0.99)),
    concurrency,
    seconds,
    total_packs: latencies.length,
    errors,
    p999_ms: round(percentile(latencies, 0.999)),
    max_ms: round(latencies[latencies.length - 1] ?? NaN),
    cpu_ms_per_pack: perPack(used.slice(0, peers.length)),
    bench_cpu_ms_per_pack: perPack(used.slice(peers.length)),
    cpu_cores_nodes: used.slice(0, peers.length).map(cores),
    cpu_cores_bench: cores(used[peers.length]),
  };
}

async function main(): Promise<void> {
  const bc = await startBenchCluster({ stockScale, players: concurrency });
  installSignalCleanup(() => bc.cluster.stop());
  try {
    log('throughput run', { concurrency, seconds, warmup, stockScale, ...machineLoad() });
    const before = await bc.client.status(bc.cluster.peers[0]);
    const tp = await throughput(bc);
    log('throughput', { ...tp, ...machineLoad() });
    const after = await bc.client.status(bc.cluster.peers[0]);
    // A term change means an election happened under load (a leader that looked dead).
    const elections = after.term - before.term;
    if (elections > 0) log('elections during the throughput run', { from: before.term, to: after.term, leaderBefore: before.leader, leaderAfter: after.leader });
    const digest = await waitForConvergence(bc.cluster, bc.client, 30_000);
    const st = await bc.client.status(bc.cluster.peers[0]);
    log('replicas agree after the run', { digest, sold: st.sold, total: st.total });
    let fo: FailoverResult | null = null;
    let foBenchCores: number | null = null;
    if (!values['skip-failover']) {
      log('leader failover run', { trials, buyers: failoverBuyers });
      const foCpu = benchCpuMeter();
      fo = await runLeaderFailover(bc, { trials, buyers: failoverBuyers });
      foBenchCores = foCpu.cores();
      log('failover', { failover_ms: fo.failover_ms });
    }
    const out = {
      packs_per_s: tp.packs_per_s,
      p50_ms: tp.p50_ms,
      p99_ms: tp.p99_ms,
      concurrency: tp.concurrency,
      seconds: tp.seconds,
      total_packs: tp.total_packs,
      errors: tp.errors,
      elections,
      cpu_ms_per_pack: tp.cpu_ms_per_pack,
      cpu_cores_nodes: tp.cpu_cores_nodes,
      cpu_cores_bench: tp.cpu_cores_bench,
      ...(fo
        ? {
            failover_trials: fo.trials,
            failover_ms_p50: fo.failover_ms_p50,
            failover_ms_p99: fo.failover_ms_p99,
            failover_ms_max: fo.failover_ms_max,
            failover_failed_trials: fo.failed_trials,
            failover_cpu_cores_bench: foBenchCores,
          }
        : {}),
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    bc.client.close();
    await bc.cluster.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
