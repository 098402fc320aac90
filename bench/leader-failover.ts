// Raft leader failover under purchases (docs/design.md §14: "Raft leader kill -9 → purchases served
// again in ≤ 2 s"). Each trial: find the leader, let a few buyers buy for a moment, kill -9
// the leader, and time from the kill until the first purchase *sent after the kill* is
// acknowledged (so an entry the dead leader had already committed cannot count). Then the
// killed peer is restarted and the trial waits until every replica has the same ledger.
// `--signal TERM` stops the leader cleanly instead, which measures the leadership hand-off.
//
//   npm run bench:leader-failover -- [--trials 20] [--buyers 4] [--stock-scale 40] [--signal KILL|TERM]
//
// Prints one JSON object: {trials, failover_ms_p50, failover_ms_p99, failover_ms_max, ...}.
// bench/stock.ts calls runLeaderFailover() on its own cluster after the throughput run.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { Peer } from '../test/support/peer.ts';
import { benchCpuMeter, log, percentile, round, sleep, startBenchCluster, waitForConvergence, waitForStableLeader, installSignalCleanup, type BenchCluster } from './support.ts';

export interface FailoverOptions {
  trials: number;
  /** Concurrent buyers during each trial, spread over all peers. */
  buyers: number;
  /** Pause of each buyer between two purchases (keeps the stock use per trial small). */
  pauseMs?: number;
  /** Buying before the kill, so the cluster is in its loaded steady state. */
  leadInMs?: number;
  /** A trial with no purchase served this long after the kill counts as this long (and fails). */
  giveUpMs?: number;
  /** How the leader is stopped: KILL (kill -9, the default) or TERM (a clean stop: it hands over). */
  signal?: 'KILL' | 'TERM';
}

export interface FailoverResult {
  trials: number;
  failover_ms_p50: number;
  failover_ms_p99: number;
  failover_ms_max: number;
  failover_ms_min: number;
  failed_trials: number;
  failover_ms: number[];
}

interface Ack {
  sentAt: number;
  ackedAt: number;
}

/**
 * One buyer: buys packs for `playerId` until `stop()`; each purchase is retried with the
 * same requestId on the next peer (a careful client) until some peer acknowledges it.
 */
function buyer(bc: BenchCluster, b: number, run: { stopped: boolean; acks: Ack[]; trial: number }, pauseMs: number): Promise<void> {
  const peers = bc.cluster.peers;
  const playerId = bc.players[b % bc.players.length];
  return (async () => {
    let next = b;
    for (let n = 0; !run.stopped; n++) {
      const requestId = `fo${run.trial}-${b}-${n}`;
      const sentAt = performance.now();
      for (;;) {
        const peer = peers[next % peers.length];
        let backoff: number;
        try {
          const r = await bc.client.buy(peer, requestId, playerId, 5000);
          if (r.status === 200) {
            run.acks.push({ sentAt, ackedAt: performance.now() });
            break;
          }
          if (r.status < 500) throw new Error(`purchase refused by ${peer.id}: ${r.status} ${JSON.stringify(r.body)}`);
          backoff = 10; // 503: the peer has no leader to talk to yet
        } catch (err) {
          if ((err as Error).message.startsWith('purchase refused')) throw err;
          backoff = 2; // connection refused/reset: the killed peer
        }
        next++;
        if (run.stopped && performance.now() - sentAt > 10_000) return;
        await sleep(backoff);
      }
      if (pauseMs > 0) await sleep(pauseMs);
    }
  })();
}

async function killedPeerBack(bc: BenchCluster, peer: Peer): Promise<void> {
  await peer.waitExit();
  await peer.start(30_000);
  await waitForStableLeader(bc.cluster, bc.client, 30_000);
  await waitForConvergence(bc.cluster, bc.client, 30_000);
}

export async function runLeaderFailover(bc: BenchCluster, o: FailoverOptions): Promise<FailoverResult> {
  const pauseMs = o.pauseMs ?? 5;
  const leadInMs = o.leadInMs ?? 400;
  const giveUpMs = o.giveUpMs ?? 15_000;
  const times: number[] = [];
  let failed = 0;
  for (let t = 0; t < o.trials; t++) {
    const leader = await waitForStableLeader(bc.cluster, bc.client, 30_000);
    const run = { stopped: false, acks: [] as Ack[], trial: t };
    const buyers = Array.from({ length: o.buyers }, (_, b) => buyer(bc, b, run, pauseMs));
    await sleep(leadInMs);
    if (run.acks.length === 0) throw new Error(`trial ${t}: no purchase served before the kill`);
    const killedAt = performance.now();
    if (o.signal === 'TERM') leader.proc?.kill('SIGTERM');
    else leader.kill9();
    let served: number | null = null;
    while (performance.now() - killedAt < giveUpMs) {
      const first = run.acks.find((a) => a.sentAt >= killedAt);
      if (first) {
        served = first.ackedAt - killedAt;
        break;
      }
      await sleep(1);
    }
    run.stopped = true;
    await Promise.all(buyers);
    if (served === null) failed++;
    const ms = served ?? giveUpMs;
    times.push(ms);
    log(`failover trial ${t + 1}/${o.trials}`, { killed: leader.id, served_again_ms: round(ms, 1), acks: run.acks.length });
    await killedPeerBack(bc, leader);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    trials: o.trials,
    failover_ms_p50: round(percentile(sorted, 0.5), 1),
    failover_ms_p99: round(percentile(sorted, 0.99), 1),
    failover_ms_max: round(sorted[sorted.length - 1], 1),
    failover_ms_min: round(sorted[0], 1),
    failed_trials: failed,
    failover_ms: times.map((x) => round(x, 1)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      trials: { type: 'string', default: '20' },
      buyers: { type: 'string', default: '4' },
      'stock-scale': { type: 'string', default: '40' },
      signal: { type: 'string', default: 'KILL' },
    },
  });
  const trials = Number(values.trials);
  const buyers = Number(values.buyers);
  const stockScale = Number(values['stock-scale']);
  if (!(trials >= 1) || !(buyers >= 1) || !(stockScale >= 1)) throw new Error('--trials, --buyers and --stock-scale must be positive');
  const signal = values.signal;
  if (signal !== 'KILL' && signal !== 'TERM') throw new Error(`--signal must be KILL or TERM, got "${signal}"`);
  const bc = await startBenchCluster({ stockScale, players: Math.max(buyers, 8) });
  installSignalCleanup(() => bc.cluster.stop());
  try {
    const meter = benchCpuMeter();
    const r = await runLeaderFailover(bc, { trials, buyers, signal });
    const out = { trials: r.trials, failover_ms_p50: r.failover_ms_p50, failover_ms_p99: r.failover_ms_p99, failover_ms_max: r.failover_ms_max, failover_ms_min: r.failover_ms_min, failed_trials: r.failed_trials, buyers, signal, cpu_cores_bench: meter.cores() };
    process.stdout.write(JSON.stringify(out) + '\n');
    log('all trials', { failover_ms: r.failover_ms });
  } finally {
    bc.client.close();
    await bc.cluster.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
