import { startBenchCluster, log } from './support.ts';
const seconds = Number(process.argv[2] ?? '5');
const bc = await startBenchCluster({ stockScale: 200, players: 64, env: { TRINCA_RAFT_STATS: '1' } });
const peers = bc.cluster.peers;
for (const p of peers) p.stderr = '';
const end = performance.now() + seconds * 1000;
let n = 0;
await Promise.all(Array.from({ length: 64 }, async (_, b) => {
  for (let k = 0; performance.now() < end; k++) { const r = await bc.client.buy(peers[b % 3], `x-${b}-${k}`, bc.players[b]); if (r.status === 200) n++; }
}));
log('done', { perS: n / seconds });
for (const p of peers) process.stderr.write(p.stderr.split('\n').filter((l) => l.startsWith('STATS')).join('\n') + '\n');
bc.client.close();
await bc.cluster.stop();
