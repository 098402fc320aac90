import { Arena } from './match-arena.ts';
import { startMatchCluster } from './match-support.ts';
import { log, sleep, percentile } from './support.ts';
const mc = await startMatchCluster({ stockScale: 2 });
const peers = mc.cluster.peers;
const arena = new Arena({ nodes: peers.map((p) => ({ id: p.id, mqttPort: p.opts.mqttPort })), paceMs: 300, saturate: false, log });
try {
  await arena.addBots(120);
  const t0 = performance.now();
  arena.enqueueAll();
  for (let i = 0; i < 20; i++) { await sleep(1000); log('x', { created: arena.matchesCreated, playing: arena.playing() }); if (arena.playing() >= 58) break; }
  const q = arena.queueMs.sort((a, b) => a - b);
  log('queue', { n: q.length, p50: percentile(q, 0.5), p90: percentile(q, 0.9), max: q[q.length - 1], s: (performance.now() - t0) / 1000 });
} finally { arena.close(); await mc.cluster.stop(); }
