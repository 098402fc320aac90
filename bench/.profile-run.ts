// temporary: profile peers under the purchase load
import { startBenchCluster, sleep, log } from './support.ts';
const dir = process.argv[2] ?? '/tmp/tprof';
const seconds = Number(process.argv[3] ?? '8');
const conc = Number(process.argv[4] ?? '64');
const bc = await startBenchCluster({ stockScale: 200, players: 64, env: { NODE_OPTIONS: `--import /tmp/tprof-preload.mjs`, PROF_DIR: dir } });
const peers = bc.cluster.peers;
const st = await bc.client.status(peers[0]);
log('leader', { leader: st.leader, pids: peers.map((p) => `${p.id}=${p.proc!.pid}`) });
const end = performance.now() + seconds * 1000;
let n = 0;
setTimeout(() => { for (const p of peers) p.proc!.kill('SIGUSR2'); }, 1000);
const lat: number[] = [];
await Promise.all(Array.from({ length: conc }, async (_, b) => {
  for (let k = 0; performance.now() < end; k++) {
    const t = performance.now();
    const r = await bc.client.buy(peers[b % 3], `x-${b}-${k}`, bc.players[b]);
    lat.push(performance.now() - t);
    if (r.status === 200) n++;
  }
}));
for (const p of peers) p.proc!.kill('SIGUSR2');
lat.sort((a, b) => a - b);
log('done', { n, perS: n / seconds, p50: lat[lat.length >> 1], p99: lat[Math.floor(lat.length * 0.99)] });
await sleep(1500);
bc.client.close();
await bc.cluster.stop();
