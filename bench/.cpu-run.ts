// temporary: CPU per process under the purchase load
import fs from 'node:fs';
import { startBenchCluster, sleep, log } from './support.ts';
const seconds = Number(process.argv[2] ?? '8');
const conc = Number(process.argv[3] ?? '64');
const env: Record<string, string> = process.env.PEER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.PEER_NODE_OPTIONS, PROF_DIR: '/tmp/tprof' } : {};
const bc = await startBenchCluster({ stockScale: 200, players: 64, env });
const peers = bc.cluster.peers;
const st = await bc.client.status(peers[0]);
const cpu = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const pids = [...peers.map((p) => p.proc!.pid!), process.pid];
let c0: number[] = [];
let t0 = 0;
const end = performance.now() + (seconds + 1) * 1000;
setTimeout(() => { c0 = pids.map(cpu); t0 = performance.now(); if (env.NODE_OPTIONS) for (const p of peers) p.proc!.kill('SIGUSR2'); }, 1000);
let n = 0;
const lat: number[] = [];
await Promise.all(Array.from({ length: conc }, async (_, b) => {
  for (let k = 0; performance.now() < end; k++) {
    const t = performance.now();
    const r = await bc.client.buy(peers[b % 3], `x-${b}-${k}`, bc.players[b]);
    if (t0 && t > t0) { lat.push(performance.now() - t); if (r.status === 200) n++; }
  }
}));
if (conc === 0) await sleep((seconds + 1) * 1000);
const dt = performance.now() - t0;
const c1 = pids.map(cpu);
if (env.NODE_OPTIONS) for (const p of peers) p.proc!.kill('SIGUSR2');
lat.sort((a, b) => a - b);
log('done', { leader: st.leader, perS: Math.round(n / (dt / 1000)), p50: lat[lat.length >> 1]?.toFixed(1), p99: lat[Math.floor(lat.length * 0.99)]?.toFixed(1),
  cpuPct: Object.fromEntries(pids.map((p, i) => [i < 3 ? peers[i].id : 'bench', Math.round((100 * (c1[i] - c0[i])) / dt)])) });
const http = await import('node:http');
const counts: Record<string, number> = {};
let syncSum = 0, syncCount = 0;
for (const p of peers) {
  const tok = await bc.client.auth();
  const text: string = await new Promise((res) => http.get({ host: '127.0.0.1', port: p.opts.httpPort, path: '/metrics', headers: { authorization: `Bearer ${tok}` } }, (r) => { let d = ''; r.on('data', (c) => (d += c)); r.on('end', () => res(d)); }));
  for (const l of text.split('\n')) {
    const m = /^trinca_http_request_duration_ms_count\{.*route="([^"]+)".*\} (\d+)/.exec(l);
    if (m) counts[`${p.id}${m[1]}`] = (counts[`${p.id}${m[1]}`] ?? 0) + Number(m[2]);
    const s1 = /^trinca_raft_sync_duration_ms_sum\{.*\} ([\d.]+)/.exec(l); if (s1) syncSum += Number(s1[1]);
    const s2 = /^trinca_raft_sync_duration_ms_count\{.*\} ([\d.]+)/.exec(l); if (s2) syncCount += Number(s2[1]);
  }
}
log('requests (whole run incl. setup)', counts);
log('sync', { count: syncCount, avgMs: (syncSum / syncCount).toFixed(2) });
await sleep(env.NODE_OPTIONS ? 1500 : 10);
bc.client.close();
await bc.cluster.stop();
