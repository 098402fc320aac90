// Host failover on a real 3-peer loopback cluster (docs/design.md §14: host kill -9 → the match
// continues on the shadow in ≤ 1.5 s, zero acknowledged events lost, 100 of 100 trials).
//
//   npm run bench:failover -- [--trials 20] [--pace-ms 40]
//
// Each trial: two bots (real MQTT clients, test/support/bot.ts) on two different peers are
// paired by matchmaking (a cross-peer match: one plays on the host, one on the shadow), buy
// their hands and play, one card every --pace-ms; after 2–6 cards the match's HOST is
// killed with SIGKILL while the bots keep playing (moves are in flight at the kill). The
// bot that was on the host reconnects to another peer and sends again a move left
// unanswered, as the UI does. Measured from the
// kill: failover_ms = until a player receives the first ATUALIZACAO_JOGO naming the new
// host (the FAILOVER event: the match continues on the shadow); first_ack_ms = until the
// first move is acknowledged after the kill. lost_events = moves acknowledged to a bot
// (OK with an eventSeq) that are missing from the surviving log (GET /game/:id/log on the
// new host) after the match finished. Then the killed peer is restarted (same data dir)
// and the next trial starts once all three are alive. Prints ONE JSON object on stdout.
import { parseArgs } from 'node:util';
import { waitFor } from '../test/support/peer.ts';
import { MatchTools, gapless } from '../test/support/matches.ts';
import type { MatchBot } from '../test/support/bot.ts';
import type { AnyEvent } from '../test/support/player.ts';
import { getJson } from '../test/support/http.ts';
import { benchCpuMeter, installSignalCleanup, log, percentile, round, sleep } from './support.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '20' },
    'pace-ms': { type: 'string', default: '40' },
  },
});
const trials = Number(values.trials);
const paceMs = Number(values['pace-ms']);
if (!(trials > 0)) throw new Error('--trials must be a positive number');

interface Trial {
  failoverMs: number | null;
  firstAckMs: number | null;
  lost: number;
  hostWasLeader: boolean;
  ok: boolean;
  why?: string;
}

/** Timestamps events as a bot receives them (wraps its private handler). */
function watch(bot: MatchBot, onEvent: (e: AnyEvent, at: number) => void): void {
  const b = bot as unknown as { onEvent: (e: AnyEvent) => void };
  const orig = b.onEvent.bind(bot);
  b.onEvent = (e: AnyEvent) => {
    onEvent(e, performance.now());
    orig(e);
  };
}

/**
 * Like the UI: a command still unanswered when the connection drops is sent again (same
 * requestId, so the host answers it from its log if it already ran) once reconnected.
 */
function resendOnReconnect(bot: MatchBot): void {
  const player = bot.player;
  const publish = player.publishRaw.bind(player);
  let pending: string | null = null;
  player.publishRaw = (payload, topic) => {
    if (typeof payload === 'string' && payload.includes('"JOGAR"')) pending = payload;
    publish(payload, topic);
  };
  watch(bot, (e) => {
    if (e.type === 'OK' && pending && pending.includes(`"requestId":"${String(e.requestId)}"`)) pending = null;
  });
  // MatchBot wires its handlers on each new connection (after BEM_VINDO): resend then.
  const b = bot as unknown as { wire: () => void };
  const wire = b.wire.bind(bot);
  b.wire = () => {
    wire();
    if (pending) publish(pending);
  };
}

async function allAlive(tools: MatchTools): Promise<void> {
  for (const p of tools.cluster.peers) if (p.proc?.exitCode !== null || p.proc?.signalCode) await p.start();
  await waitFor(
    '3 peers alive, a leader',
    async () => {
      const s = (await getJson<{ alive: boolean }[]>(`${tools.cluster.peers[0].url}/servers`)).body;
      if (s.length !== 3 || !s.every((x) => x.alive)) return false;
      return (await tools.call(tools.cluster.peers[0], 'GET', '/estoque/status')).body.leader;
    },
    30_000,
    100,
  );
}

async function trial(tools: MatchTools, t: number): Promise<Trial> {
  const peers = tools.cluster.peers;
  await allAlive(tools);
  const { a, b, matchId } = await tools.pair(peers[t % 3], peers[(t + 1) % 3], paceMs);
  let kill = Infinity;
  let failoverAt: number | null = null;
  let firstAckAt: number | null = null;
  let host = '';
  for (const bot of [a, b]) {
    resendOnReconnect(bot);
    watch(bot, (e, at) => {
      if (at < kill) return;
      if (e.type === 'ATUALIZACAO_JOGO' && e.host !== host && failoverAt === null) failoverAt = at;
      if (e.type === 'OK' && e.command === 'JOGAR' && firstAckAt === null) firstAckAt = at;
    });
  }
  try {
    await Promise.all([a.buyHand(), b.buyHand()]);
    const moves = 2 + (t % 5);
    // Cards start after MATCH_START and the two HAND_SETs (eventSeq 3).
    const seqOf = (bot: MatchBot) => Math.max(0, ...bot.updates.map((u) => u.eventSeq as number));
    await waitFor(`${moves} moves`, () => Math.max(seqOf(a), seqOf(b)) >= 3 + moves, 30_000, 2);
    const meta = (await tools.log(peers[t % 3], matchId)) ?? (await tools.log(peers[(t + 1) % 3], matchId));
    if (!meta) throw new Error('no peer has the match log');
    host = meta.host;
    const hostPeer = tools.cluster.peer(meta.host);
    const shadowPeer = tools.cluster.peer(meta.shadow!);
    const leader = (await tools.call(shadowPeer, 'GET', '/estoque/status')).body.leader as string | null;
    kill = performance.now();
    hostPeer.kill9();
    const [ea, eb] = await Promise.all([a.waitEnd(60_000), b.waitEnd(60_000)]);
    if (JSON.stringify(ea) !== JSON.stringify(eb)) throw new Error('the players saw different ends');
    const survivor = await waitFor('the surviving log', async () => {
      const l = await tools.log(shadowPeer, matchId);
      return l && l.host === shadowPeer.id ? l : null;
    }, 10_000);
    if (!gapless(survivor.events)) throw new Error('the surviving log has a gap');
    const played = new Set(survivor.events.filter((e) => e.type === 'CARD_PLAYED').map((e) => e.eventSeq));
    const lost = [...a.acked, ...b.acked].filter((s) => !played.has(s)).length;
    return {
      failoverMs: failoverAt === null ? null : failoverAt - kill,
      firstAckMs: firstAckAt === null ? null : firstAckAt - kill,
      lost,
      hostWasLeader: leader === hostPeer.id,
      ok: failoverAt !== null,
      why: failoverAt === null ? 'no ATUALIZACAO_JOGO named a new host' : undefined,
    };
  } finally {
    await a.close();
    await b.close();
  }
}

async function main(): Promise<void> {
  const tools = await MatchTools.start(['--turn-ms', '3600000', '--forfeit-ms', '3600000', '--stock-scale', '20']);
  installSignalCleanup(() => tools.stop());
  const results: Trial[] = [];
  const benchCpu = benchCpuMeter();
  try {
    for (let t = 0; t < trials; t++) {
      let r: Trial;
      try {
        r = await trial(tools, t);
      } catch (err) {
        r = { failoverMs: null, firstAckMs: null, lost: 0, hostWasLeader: false, ok: false, why: (err as Error).message };
      }
      results.push(r);
      log(`trial ${t + 1}/${trials}`, { failoverMs: r.failoverMs === null ? null : Math.round(r.failoverMs), firstAckMs: r.firstAckMs === null ? null : Math.round(r.firstAckMs), lost: r.lost, hostWasLeader: r.hostWasLeader, ...(r.why ? { why: r.why } : {}) });
      await sleep(200);
    }
  } finally {
    await tools.stop();
  }
  const benchCores = benchCpu.cores(); // the trials and the cluster's stop
  const fo = results.filter((r) => r.failoverMs !== null).map((r) => r.failoverMs!).sort((x, y) => x - y);
  const acks = results.filter((r) => r.firstAckMs !== null).map((r) => r.firstAckMs!).sort((x, y) => x - y);
  const split = (leader: boolean) => results.filter((r) => r.hostWasLeader === leader && r.failoverMs !== null).map((r) => r.failoverMs!).sort((x, y) => x - y);
  const out = {
    trials,
    failover_ms_p50: round(percentile(fo, 0.5)),
    failover_ms_p99: round(percentile(fo, 0.99)),
    failover_ms_max: round(fo[fo.length - 1] ?? NaN),
    lost_events: results.reduce((n, r) => n + r.lost, 0),
    // context
    failed_trials: results.filter((r) => !r.ok).length,
    first_ack_ms_p50: round(percentile(acks, 0.5)),
    first_ack_ms_max: round(acks[acks.length - 1] ?? NaN),
    host_was_raft_leader: results.filter((r) => r.hostWasLeader).length,
    failover_ms_max_host_not_leader: round(split(false).at(-1) ?? NaN),
    failover_ms_max_host_leader: round(split(true).at(-1) ?? NaN),
    pace_ms: paceMs,
    // This process's CPU (bots, kills, restarts, log checks) over the trials, in cores.
    cpu_cores_bench: benchCores,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().then(
  // Bots may still have retries or request timers pending: the figures are out, stop here.
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
