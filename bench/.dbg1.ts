import { Arena } from '/work/main/bench/match-arena.ts';
import { startMatchCluster } from '/work/main/bench/match-support.ts';
import { log, sleep } from '/work/main/bench/support.ts';
const mc = await startMatchCluster({ stockScale: 2 });
const peers = mc.cluster.peers;
const arena = new Arena({ nodes: peers.map((p) => ({ id: p.id, mqttPort: p.opts.mqttPort })), paceMs: 300, saturate: false, log });
try {
  await arena.addBots(4);
  for (const b of arena.bots) { const orig = b.onEvent; b.onEvent = (bot, e, m) => { log(`${bot.id.slice(0,4)}@${bot.node} ${m?'M':'P'} ${e.type} ${JSON.stringify(e).slice(0,200)}`); orig(bot, e, m); }; }
  arena.enqueueAll();
  await sleep(4000);
  log('start');
  arena.start();
  await sleep(5000);
} finally { arena.close(); await mc.cluster.stop(); }
