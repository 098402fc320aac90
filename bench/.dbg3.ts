// profile: flood-queue N bots, wait for hands, then play saturate for S seconds; peers stop with SIGTERM (cpu-prof)
import { Arena } from './match-arena.ts';
import { startMatchCluster } from './match-support.ts';
import { log, sleep, percentile } from './support.ts';
import fs from 'node:fs';
const N = Number(process.env.N ?? 1200);
const mc = await startMatchCluster({ stockScale: 5 });
const peers = mc.cluster.peers;
const arena = new Arena({ nodes: peers.map((p) => ({ id: p.id, mqttPort: p.opts.mqttPort })), paceMs: 300, saturate: process.env.SAT === "1", pairing: "move", log });
try {
  await arena.addBots(N);
  const prof = !!process.env.PROF;
  const t0 = performance.now();
  arena.enqueueAll();
  for (let i = 0; i < 40; i++) { await sleep(1000); log('x', { created: arena.matchesCreated, playing: arena.playing(), errors: Object.fromEntries(arena.errors) }); if (arena.playing() >= N/2 - 2) break; }
  const q = arena.queueMs.sort((a, b) => a - b);
  log('queue', { n: q.length, p50: percentile(q, 0.5), p90: percentile(q, 0.9), max: q[q.length - 1], s: (performance.now() - t0) / 1000 });
  if (prof) for (const p of peers) p.proc!.kill('SIGUSR2');
  if (process.env.PLAY) { arena.windowFrom = 0; arena.windowTo = Infinity; arena.start(); await sleep(Number(process.env.PLAY) * 1000); const l = arena.latencies.sort((a, b) => a - b); log('moves', { moves: arena.movesInWindow, p50: percentile(l, 0.5), p99: percentile(l, 0.99), errors: Object.fromEntries(arena.errors) }); }
  if (prof) { for (const p of peers) p.proc!.kill('SIGUSR2'); await sleep(3000); }
  for (const p of peers) { const c = new Map<string, number>(); for (const line of p.stderr.split('\n')) { try { const j = JSON.parse(line); const k = `${j.component} ${j.msg} ${String(j.err ?? j.code ?? '').replace(/[0-9a-f-]{36}/g, 'ID').replace(/\d+/g, 'N').slice(0, 90)}`; c.set(k, (c.get(k) ?? 0) + 1); } catch {} } log(p.id, Object.fromEntries([...c].sort((a, b) => b[1] - a[1]).slice(0, 15))); }
} finally { arena.close(); await Promise.all(peers.map((p) => p.stop('SIGTERM'))); fs.rmSync(mc.cluster.root, { recursive: true, force: true }); }
