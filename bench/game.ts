// Match moves on a real 3-peer loopback cluster (docs/design.md §14: 3,000 concurrent matches with
// synchronous replication; move → both players p99 ≤ 10 ms at 1,000 moves/s; host → shadow
// replication p99 ≤ 5 ms; saturation ≥ 10,000 replicated moves/s; RSS ≤ 250 MB).
//
//   npm run bench:game -- --matches K --pace-ms P [--saturate] [--seconds S] [--warmup W]
//
// Starts the peers through the CLI (turn timer and forfeit pushed out of the way), connects
// 2K light bots over MQTT (one TCP connection each, spread evenly over the peers), queues
// them with ENTRAR_FILA so every match is cross-peer, one player on the host and one on the
// shadow (--pairing move, the default: a local pair sends one player to the shadow's node;
// strict: at most one bot waits per node, so pairs form across peers), and once about K matches are in play starts the clock: each match makes a move every P
// ms (--saturate: as soon as both players saw the previous one). Matches that end are
// replaced (their bots queue again and the new pairs choose a hand with PRONTO and play),
// so the load holds. Measured per move inside the window: JOGAR publish → both players
// have the ATUALIZACAO_JOGO with that eventSeq. Replication latency is the nodes'
// trinca_replication_latency_seconds histogram (delta over the window, interpolated in its
// buckets); RSS is the max VmRSS over the peers, sampled every second. The bots share the
// machine's cores with the three nodes: what they cost is reported too (cpu_cores_bench,
// bench_cpu_us_per_move, packets per move). Prints ONE JSON object on stdout.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Arena, type Pairing } from './match-arena.ts';
import { received } from './match-bot.ts';
import { traffic } from './lite-mqtt.ts';
import { cpuSeconds, histogram, histogramDelta, histogramPercentile, metricsText, rssMb, startMatchCluster, type MatchCluster } from './match-support.ts';
import { profileWindow } from './profile.ts';
import { installSignalCleanup, log, percentile, round, sleep } from './support.ts';

const { values } = parseArgs({
  options: {
    matches: { type: 'string', default: '300' },
    'pace-ms': { type: 'string', default: '1000' },
    saturate: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'setup-timeout': { type: 'string', default: '300' },
    pairing: { type: 'string', default: 'move' },
  },
});
const K = Number(values.matches);
const paceMs = Number(values['pace-ms']);
const saturate = values.saturate;
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const setupTimeoutS = Number(values['setup-timeout']);
const pairing = values.pairing as Pairing;
if (pairing !== 'move' && pairing !== 'strict') throw new Error('--pairing is move or strict');
for (const [k, v] of Object.entries({ matches: K, paceMs, seconds })) if (!(v > 0) || !Number.isFinite(v)) throw new Error(`--${k} must be a positive number`);

const REPL = 'trinca_replication_latency_seconds';

async function main(): Promise<void> {
  // One pack per bot (its first hand; later hands reuse those cards with PRONTO): 2,800 cards a unit.
  const stockScale = Math.min(1000, Math.ceil((2 * K * 5 * 1.5) / 2800) + 1);
  const mc: MatchCluster = await startMatchCluster({ stockScale });
  const peers = mc.cluster.peers;
  const arena = new Arena({ nodes: peers.map((p) => ({ id: p.id, mqttPort: p.opts.mqttPort })), paceMs, saturate, pairing, log });
  installSignalCleanup(async () => {
    arena.close();
    await mc.cluster.stop();
  });
  try {
    const t0 = performance.now();
    await arena.addBots(2 * K);
    log('bots connected and registered', { bots: arena.bots.length, s: round((performance.now() - t0) / 1000, 1) });
    arena.enqueueAll();
    // Wait until (about) K matches are in play; the last few bots may all sit on one node.
    let last = -1;
    let lastChange = performance.now();
    const setupEnd = performance.now() + setupTimeoutS * 1000;
    for (;;) {
      const n = arena.playing();
      if (n !== last) {
        last = n;
        lastChange = performance.now();
      }
      if (n >= K - 2 || performance.now() > setupEnd || performance.now() - lastChange > 15_000) break;
      await sleep(500);
      if (Math.random() < 0.2) log('matches in play', { playing: n, created: arena.matchesCreated, errors: Object.fromEntries(arena.errors) });
    }
    log('setup done', { playing: arena.playing(), created: arena.matchesCreated, s: round((performance.now() - t0) / 1000, 1), errors: Object.fromEntries(arena.errors) });
    const sweeper = setInterval(() => arena.sweep(), 1000);
    const startedAt = performance.now();
    arena.start();
    const from = performance.now() + warmup * 1000;
    const to = from + seconds * 1000;
    arena.windowFrom = from;
    arena.windowTo = to;
    await sleep(warmup * 1000);
    const before = await Promise.all(peers.map((p) => metricsText(mc, p)));
    const cpu0 = peers.map((p) => cpuSeconds(p.proc?.pid));
    const prof = await profileWindow();
    const traffic0 = { ...traffic };
    const received0 = new Map(received);
    const benchCpu0 = process.cpuUsage();
    const machine0 = machineBusySeconds();
    let rss = 0;
    let playingSum = 0;
    let samples = 0;
    const endedBefore = arena.matchesEnded;
    for (let s = 0; s < seconds; s++) {
      await sleep(Math.max(0, Math.min(1000, to - performance.now())));
      rss = Math.max(rss, ...peers.map((p) => rssMb(p.proc?.pid)));
      playingSum += arena.playing();
      samples++;
      log('…', { moves: arena.movesInWindow, playing: arena.playing(), rssMb: Math.round(rss) });
    }
    const after = await Promise.all(peers.map((p) => metricsText(mc, p)));
    const cpu1 = peers.map((p) => cpuSeconds(p.proc?.pid));
    const benchCpu = process.cpuUsage(benchCpu0);
    const packetsIn = traffic.packetsIn - traffic0.packetsIn;
    const packetsOut = traffic.packetsOut - traffic0.packetsOut;
    const writes = traffic.writes - traffic0.writes;
    log('bot events received in the window, per move', Object.fromEntries([...received].map(([k, v]) => [k, round((v - (received0.get(k) ?? 0)) / Math.max(1, arena.movesInWindow), 3)])));
    const profFile = await prof.stop();
    if (profFile) log('bench profile of the window', { file: profFile });
    log('bench cpu in the window', { user_s: round(benchCpu.user / 1e6, 3), system_s: round(benchCpu.system / 1e6, 3), moves: arena.movesInWindow });
    const machineBusy = machineBusySeconds() - machine0;
    const wall = seconds;
    clearInterval(sweeper);
    const repl = histogramDelta(
      after.map((t) => histogram(t, REPL)).reduce(sumHist),
      before.map((t) => histogram(t, REPL)).reduce(sumHist),
    );
    const lat = arena.latencies.sort((a, b) => a - b);
    const nodesCpu = peers.map((_, i) => (cpu1[i] - cpu0[i]) / wall);
    const benchCores = (benchCpu.user + benchCpu.system) / 1e6 / wall;
    // Saturation only: from the start of the clock (+0.5 s) until the first match ended, every
    // match was playing and none was being replaced — the move path alone.
    const burst = saturate ? windowStats(arena.moveLog, startedAt + 500, Math.min(arena.firstEndAt, startedAt + 10_000)) : null;
    const out = {
      matches: K,
      moves_per_s: Math.round(arena.movesInWindow / seconds),
      move_to_both_p50_ms: round(percentile(lat, 0.5)),
      move_to_both_p99_ms: round(percentile(lat, 0.99)),
      replication_p50_ms: round(histogramPercentile(repl, 0.5) * 1000),
      replication_p99_ms: round(histogramPercentile(repl, 0.99) * 1000),
      rss_mb: Math.round(rss),
      // context
      pace_ms: saturate ? null : paceMs,
      saturate,
      seconds,
      playing_avg: Math.round(playingSum / Math.max(1, samples)),
      pairing,
      moved_to_shadow: arena.moved,
      matches_replaced_per_s: round((arena.matchesEnded - endedBefore) / seconds, 1),
      move_to_both_p999_ms: round(percentile(lat, 0.999)),
      move_to_both_max_ms: round(lat[lat.length - 1] ?? NaN),
      replications: repl.get(Infinity) ?? 0,
      cpu_cores_nodes: nodesCpu.map((c) => round(c)),
      cpu_cores_bench: round(benchCores),
      // The load generator's own CPU per move: what the bots cost (user + system, all threads).
      bench_cpu_us_per_move: Math.round(((benchCpu.user + benchCpu.system) / Math.max(1, arena.movesInWindow)) * 10) / 10,
      // MQTT packets the bots received and sent per move (turnover included), and socket writes.
      bench_packets_in_per_move: round(packetsIn / Math.max(1, arena.movesInWindow), 2),
      bench_packets_out_per_move: round(packetsOut / Math.max(1, arena.movesInWindow), 2),
      bench_writes_per_move: round(writes / Math.max(1, arena.movesInWindow), 2),
      // CPU used on this machine by processes that are neither the nodes nor the bench.
      cpu_cores_others: round(Math.max(0, machineBusy / wall - nodesCpu.reduce((a, b) => a + b, 0) - benchCores)),
      node_cpu_ms_per_move: round((nodesCpu.reduce((a, b) => a + b, 0) * 1000) / Math.max(1, arena.movesInWindow / seconds), 3),
      ...(burst ? { burst_moves_per_s: burst.perS, burst_move_to_both_p50_ms: burst.p50, burst_move_to_both_p99_ms: burst.p99, burst_seconds: burst.seconds } : {}),
      errors: Object.fromEntries(arena.errors),
    };
    process.stdout.write(JSON.stringify(out) + '\n');
  } finally {
    arena.close();
    mc.client.close();
    await mc.cluster.stop();
  }
}

/** Moves completed in [from, to) from the arena's [time, latency] log. */
function windowStats(logPairs: number[], from: number, to: number): { perS: number; p50: number; p99: number; seconds: number } {
  const lat: number[] = [];
  for (let i = 0; i < logPairs.length; i += 2) if (logPairs[i] >= from && logPairs[i] < to) lat.push(logPairs[i + 1]);
  lat.sort((a, b) => a - b);
  const seconds = Math.max(0.001, (to - from) / 1000);
  return { perS: Math.round(lat.length / seconds), p50: round(percentile(lat, 0.5)), p99: round(percentile(lat, 0.99)), seconds: round(seconds, 1) };
}

/** Busy CPU seconds of the whole machine (all cores) so far, from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    return (f.slice(0, 8).reduce((a, b) => a + b, 0) - idle) / 100;
  } catch {
    return NaN;
  }
}

function sumHist(a: Map<number, number>, b: Map<number, number>): Map<number, number> {
  const out = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0) + v);
  return out;
}

main().then(
  // Bots may still have retries or request timers pending: the figures are out, stop here.
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
