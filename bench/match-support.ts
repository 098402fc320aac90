// Shared pieces of the match benchmarks: the cluster (3 real peers through the CLI, timers
// pushed out of the way), Prometheus histogram deltas, and per-process RSS / CPU from /proc.
import fs from 'node:fs';
import { RAISED_LIMITS, TestCluster, type Peer } from '../test/support/peer.ts';
import { getJson, peerToken } from '../test/support/http.ts';
import { BenchClient, log, waitForStableLeader } from './support.ts';

export interface MatchCluster {
  cluster: TestCluster;
  client: BenchClient;
  clusterId: string;
  token: () => Promise<string>;
}

export async function startMatchCluster(opts: { stockScale: number; extraArgs?: string[] }): Promise<MatchCluster> {
  const t0 = performance.now();
  // Turn timer and disconnect forfeit far away: the benchmark measures moves, not timers.
  // Thousands of bots from one address, moving as fast as they can: limits raised explicitly.
  const cluster = await TestCluster.start(3, ['--turn-ms', '3600000', '--forfeit-ms', '3600000', '--stock-scale', String(opts.stockScale), ...RAISED_LIMITS, ...(opts.extraArgs ?? [])], {
    TRINCA_LOG_LEVEL: process.env.TRINCA_LOG_LEVEL ?? 'warn',
    // e.g. TRINCA_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the peers
    ...(process.env.TRINCA_NODE_OPTIONS ? { NODE_OPTIONS: process.env.TRINCA_NODE_OPTIONS } : {}),
  });
  try {
    const clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
    const client = new BenchClient(cluster.secretFile, clusterId);
    await waitForStableLeader(cluster, client, 20_000);
    log('cluster ready', { ms: Math.round(performance.now() - t0), peers: cluster.peers.map((p) => `${p.id}=${p.url} pid ${p.proc?.pid}`) });
    let tok = '';
    let tokAt = 0;
    const token = async () => {
      if (!tok || Date.now() - tokAt > 30_000) {
        tok = await peerToken(cluster.secretFile, clusterId, 'p1'); // a member: peer JWTs must name one
        tokAt = Date.now();
      }
      return tok;
    };
    return { cluster, client, clusterId, token };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

export async function metricsText(mc: MatchCluster, peer: Peer): Promise<string> {
  const res = await fetch(`${peer.url}/metrics`, { headers: { authorization: `Bearer ${await mc.token()}` }, signal: AbortSignal.timeout(10_000) });
  return res.text();
}

/** Cumulative bucket counts of one histogram (summed over label sets), le → count. */
export function histogram(text: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^${name}_bucket\\{([^}]*)\\} ([0-9.e+]+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const le = /le="([^"]+)"/.exec(m[1])?.[1];
    if (!le) continue;
    const k = le === '+Inf' ? Infinity : Number(le);
    out.set(k, (out.get(k) ?? 0) + Number(m[2]));
  }
  return out;
}

export function histogramDelta(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

/** Percentile from cumulative buckets, linearly interpolated inside the bucket. */
export function histogramPercentile(h: Map<number, number>, p: number): number {
  const les = [...h.keys()].sort((a, b) => a - b);
  const total = h.get(Infinity) ?? 0;
  if (total === 0) return NaN;
  const rank = p * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const le of les) {
    const c = h.get(le)!;
    if (c >= rank) {
      if (le === Infinity) return prevLe;
      return prevLe + ((rank - prevCount) / Math.max(1, c - prevCount)) * (le - prevLe);
    }
    prevLe = le;
    prevCount = c;
  }
  return prevLe;
}

export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}
