// A chaos campaign (issue 6): a real cluster, bot players doing everything players do, a
// nemesis running the seed's fault plan, then heal, drain, pull the final state from every
// peer and check it against the history. `npm run chaos` (run.ts) and the CI test
// (campaign.test.ts) both call runCampaign().
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ChaosBot, type BotPhase } from './bots.ts';
import { ChaosCluster } from './cluster.ts';
import { checkHistoryText } from './checker.ts';
import { collectFinalState, LogCapture } from './final-state.ts';
import { History } from './history.ts';
import { Nemesis } from './nemesis.ts';
import { createNetwork, type ChaosNetwork } from './network.ts';
import { planFaults, planHash, type FaultKind } from './plan.ts';
import type { CheckResult, FinalState, Violation } from './types.ts';

export interface CampaignOptions {
  seed: number;
  /** Fault phase length; healing and draining come on top. */
  durationMs: number;
  peers?: number;
  botsPerPeer?: number;
  network?: 'auto' | 'netns' | 'proxy';
  /** Where the history, final state and node logs go (a fresh temp dir by default). */
  dir?: string;
  turnMs?: number;
  forfeitMs?: number;
  snapshotEvery?: number;
  /** Stock size multiplier (default 20: the stock never runs out in a campaign). */
  stockScale?: number;
  /** Keep the run directory even when the run is clean. */
  keep?: boolean;
  /**
   * End-to-end check of the checker: after a clean check, tamper with the live cluster the
   * way a buggy or malicious peer could (see injectRogueTrade) and check again.
   */
  inject?: 'rogue-trade';
  /** The nodes' log level (their stderr goes to <dir>/<peer>.log). */
  logLevel?: string;
  /** How long matches in progress may take to finish once the faults stop. */
  drainMs?: number;
  log?: (line: string) => void;
}

export interface CampaignSummary {
  seed: number;
  minutes: number;
  operations: number;
  faults: Record<FaultKind, number>;
  violations: number;
  network: 'netns' | 'proxy';
  peers: number;
  bots: number;
  outcomes: CheckResult['stats']['outcomes'];
  purchases: CheckResult['stats']['purchases'];
  trades: CheckResult['stats']['trades'];
  moves: CheckResult['stats']['moves'];
  matches: number;
  plan: string;
  nemesisProblems: string[];
  elapsedS: number;
  dir: string;
}

export interface CampaignResult {
  summary: CampaignSummary;
  violations: Violation[];
  check: CheckResult;
  /** With `inject`: the verdict before the tampering (expected clean). */
  beforeInjection?: CheckResult;
  historyFile: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await Promise.resolve(fn()).catch(() => false)) return;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

// Last-resort cleanup when the process dies with a campaign running (Ctrl-C, vitest timeout).
const live = new Set<{ cluster: ChaosCluster; network: ChaosNetwork }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const r of live) {
      r.cluster.killAllSync();
      r.network.teardownSync();
    }
  });
}

/** Every peer answers with the same ledger digest. */
async function converged(cluster: ChaosCluster): Promise<boolean> {
  const ds = await Promise.all(cluster.peers.map((_, i) => cluster.call<{ digest: string }>(i, 'GET', '/ledger/digest', undefined, 3000).then((r) => r.body.digest)));
  return ds.every((d) => d === ds[0]);
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const log = o.log ?? (() => undefined);
  const peersN = o.peers ?? 3;
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `trinca-chaos-${o.seed}-`));
  fs.mkdirSync(dir, { recursive: true });
  const plan = planFaults({ seed: o.seed, durationMs: o.durationMs, peers: peersN });
  fs.writeFileSync(path.join(dir, 'plan.json'), JSON.stringify(plan, null, 1));
  installExitHook();

  const network = await createNetwork(peersN, o.network ?? 'auto');
  log(`network: ${network.kind} (${network.endpoints.map((e) => `${e.id}=${e.httpUrl}`).join(' ')})`);
  const cluster = new ChaosCluster(network, {
    root: dir,
    network,
    turnMs: o.turnMs ?? 2500,
    forfeitMs: o.forfeitMs ?? 8000,
    snapshotEvery: o.snapshotEvery ?? 400,
    stockScale: o.stockScale ?? 20,
    logLevel: o.logLevel ?? 'info',
  });
  const handle = { cluster, network };
  live.add(handle);
  const historyFile = path.join(dir, 'history.jsonl');
  const history = new History(historyFile);
  let bots: ChaosBot[] = [];
  let phase: BotPhase = 'run';
  let clean = false;
  try {
    await cluster.start();
    await until('a healthy cluster (leader, every peer a live voter)', () => cluster.healthy(), 60_000, 300);
    log(`cluster ${cluster.clusterId} up; ${plan.length} faults planned (plan ${planHash(plan)})`);

    const perPeer = o.botsPerPeer ?? 4;
    const capture = new LogCapture(cluster);
    const env = { history, cluster, bots: [] as ChaosBot[], phase: () => phase, onMatchEnd: (m: string) => capture.matchEnded(m) };
    bots = Array.from({ length: peersN * perPeer }, (_, k) => new ChaosBot(`b${k + 1}`, k % peersN, (o.seed * 7919 + k * 104729) >>> 0, env));
    env.bots = bots;
    const loops = bots.map((b) => b.run());
    const nemesis = new Nemesis(cluster, history, plan, log);
    const nemesisDone = nemesis.run(o.durationMs);
    await sleep(o.durationMs);
    await nemesis.stop();
    await nemesisDone;
    await nemesis.healAll();
    log(`faults done (${JSON.stringify(nemesis.counts)}); healing and draining`);

    // Drain: no new operations; matches in progress are played to the end.
    phase = 'drain';
    await until('a healthy cluster after healing', () => cluster.healthy(), 90_000, 500).catch((err: Error) => log(err.message));
    const drained = await Promise.race([Promise.all(loops).then(() => true), sleep(o.drainMs ?? 120_000).then(() => false)]);
    if (!drained) log(`drain timed out: ${bots.filter((b) => !b.exited).map((b) => `${b.name}(${b.match?.matchId ?? '-'})`).join(' ')}`);
    phase = 'stop';
    await Promise.race([Promise.all(loops), sleep(15_000)]);
    await Promise.all(bots.map((b) => b.close()));
    // Matches nobody plays any more end by the forfeit rule; then every replica catches up.
    await sleep(Math.min(3000, (o.forfeitMs ?? 8000) / 2));
    await until('every peer on the same ledger', () => converged(cluster), 60_000, 500).catch((err: Error) => log(err.message));

    const active: Record<string, string | null> = {};
    for (const [k, b] of bots.entries()) active[b.playerId] = await b.activeMatch(k % peersN).catch(() => b.activeMatch((k + 1) % peersN)).catch(() => null);
    history.close();

    const historyText = fs.readFileSync(historyFile, 'utf8');
    const players = bots.map((b) => b.playerId);
    const matchIds = [...new Set([...historyText.matchAll(/"matchId":"([^"]+)"/g)].map((m) => m[1]))];
    await capture.settle();
    const final: FinalState = { ...(await collectFinalState(cluster, players, matchIds, capture)), activeMatch: active };
    fs.writeFileSync(path.join(dir, 'final-state.json'), JSON.stringify(final));
    let check = checkHistoryText(historyText, final);
    let beforeInjection: CheckResult | undefined;

    if (o.inject === 'rogue-trade') {
      beforeInjection = check;
      const injected = await injectRogueTrade(cluster, historyText, log);
      await until('every peer on the same ledger', () => converged(cluster), 30_000, 300);
      const again: FinalState = { ...(await collectFinalState(cluster, players, matchIds, capture)), activeMatch: active };
      fs.writeFileSync(path.join(dir, 'final-state-injected.json'), JSON.stringify({ injected, final: again }));
      check = checkHistoryText(historyText, again);
    }

    const summary: CampaignSummary = {
      seed: o.seed,
      minutes: Math.round((o.durationMs / 60_000) * 100) / 100,
      operations: check.stats.operations,
      faults: nemesis.counts,
      violations: check.violations.length,
      network: network.kind,
      peers: peersN,
      bots: bots.length,
      outcomes: check.stats.outcomes,
      purchases: check.stats.purchases,
      trades: check.stats.trades,
      moves: check.stats.moves,
      matches: check.stats.matches,
      plan: planHash(plan),
      nemesisProblems: nemesis.problems,
      elapsedS: Math.round((Date.now() - started) / 1000),
      dir,
    };
    fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ summary, violations: check.violations }, null, 1));
    clean = check.violations.length === 0 && !o.inject && !o.dir;
    return { summary, violations: check.violations, check, beforeInjection, historyFile };
  } finally {
    phase = 'stop';
    history.close();
    await Promise.all(bots.map((b) => b.close()));
    await cluster.close();
    await network.teardown();
    live.delete(handle);
    if (clean && !o.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The end-to-end injection: a peer (or anyone holding the cluster secret) commits a direct
 * TRADE through /raft/propose that no player asked for, moving a card from an acknowledged
 * purchase to another player and one back. The ledger applies it (it is a valid command);
 * only the history can tell that no client ever asked for it, so the checker must flag it.
 */
export async function injectRogueTrade(cluster: ChaosCluster, historyText: string, log: (s: string) => void): Promise<Record<string, unknown>> {
  const owners = new Map<string, string[]>();
  for (const line of historyText.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { f: string; type: string; value: { playerId?: string } };
    if (e.f === 'buy' && e.type === 'invoke' && e.value.playerId) owners.set(e.value.playerId, []);
  }
  const leader = (await cluster.leader()) ?? 0;
  for (const pid of owners.keys()) {
    const r = await cluster.call<{ cards: { id: string }[] }>(leader, 'GET', `/ledger/players/${pid}/cards`);
    owners.set(pid, (r.body.cards ?? []).map((c) => c.id));
  }
  const rich = [...owners].filter(([, c]) => c.length > 0);
  if (rich.length < 2) throw new Error('injection needs two players who own cards');
  const [[a, ca], [b, cb]] = rich;
  const cmd = { type: 'TRADE', tradeId: `rogue-${Date.now()}`, fromPlayerId: a, toPlayerId: b, offerCardId: ca[0], wantCardId: cb[0] };
  const r = await cluster.call(leader, 'POST', '/raft/propose', { command: cmd }, 10_000);
  log(`injected ${JSON.stringify(cmd)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
  if (r.status !== 200) throw new Error(`rogue trade refused: ${r.status} ${JSON.stringify(r.body)}`);
  return { command: cmd, answer: r.body };
}
