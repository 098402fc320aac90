import fs from 'node:fs';
import { startBenchCluster, log } from './support.ts';
const bc = await startBenchCluster({ stockScale: 1, players: 3 });
const peers = bc.cluster.peers;
const cpu = (pid: number) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const target = peers[1];
for (const [path, method, body] of [['/estoque/status', 'GET', undefined], ['/health', 'GET', undefined], ['/estoque/comprar_pacote', 'POST', { requestId: '', playerId: 'x' }]] as const) {
  const c0 = cpu(target.proc!.pid!); const b0 = cpu(process.pid); const t0 = performance.now();
  let n = 0; const end = t0 + 4000;
  await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() < end) { await bc.client.request(target, method, path, body); n++; } }));
  const dt = performance.now() - t0;
  log(path, { perS: Math.round(n / dt * 1000), peerCpuUsPerReq: Math.round((cpu(target.proc!.pid!) - c0) * 1000 / n), benchCpuUsPerReq: Math.round((cpu(process.pid) - b0) * 1000 / n) });
}
bc.client.close();
await bc.cluster.stop();
