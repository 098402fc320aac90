// The composition root: `startNode(config)` builds one peer (REST, MQTT broker, membership,
// and the capabilities layered on them) and returns a handle with `stop()`. Called by the
// headless CLI and, unchanged, by the Electron main process.
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { advertisedUrl, DEFAULT_LIMITS, type NodeConfig } from './config.ts';
import { createRootLogger, componentLogger } from './log.ts';
import { createMetrics } from './metrics/metrics.ts';
import { deriveKeys, SecretError } from './security/keys.ts';
import { PeerTokenSource } from './security/jwt.ts';
import { PeerClient } from './http/peer-client.ts';
import { createApp } from './http/app.ts';
import { RouteTable } from './http/route-table.ts';
import { staticUi } from './http/static-ui.ts';
import { PeerLinks } from './link/links.ts';
import { LinkServer, LINK_PATH } from './link/server.ts';
import { createDispatch } from './link/dispatch.ts';
import { routeUpgrade } from './link/upgrade.ts';
import { metricsRestRouter } from './metrics/routes.ts';
import { metricsListener } from './metrics/loopback.ts';
import { admissionRestRouter, clusterRestRouter } from './cluster/routes.ts';
import { Membership } from './cluster/membership.ts';
import { MemberCheck } from './cluster/member-check.ts';
import { followLedgerMembers } from './cluster/ledger-members.ts';
import { raftRoles, startingRoles } from './cluster/roles.ts';
import { registrar } from './cluster/register.ts';
import { HeartbeatLoop } from './cluster/heartbeat.ts';
import { discoverClusterId, registerWith, JoinError } from './cluster/join.ts';
import { prepareDataDir, loadIdentity, saveIdentity, readSecret, storeSecret, newSecret, DataDirError, type Identity } from './cluster/identity.ts';
import { Admission } from './cluster/admission.ts';
import { removeMember } from './cluster/removal.ts';
import { ClusterStatusPublisher } from './cluster/status.ts';
import { PlayerBroker, DEFAULT_BROKER_LIMITS } from './broker/broker.ts';
import { RegistrationGate } from './broker/registration.ts';
import { CommandLimiter } from './players/command-limits.ts';
import { CommandRouter } from './players/commands.ts';
import { LedgerPlayerDirectory } from './players/ledger-directory.ts';
import { playerCommands } from './players/handlers.ts';
import { ledgerCommands } from './players/ledger-handlers.ts';
import { tradeCommands } from './players/trade-handlers.ts';
import { historyCommands } from './players/history-handlers.ts';
import { concedeCommands } from './players/concede-handler.ts';
import { playerGreeting } from './players/greeting.ts';
import { RaftNode } from './raft/raft-node.ts';
import { raftRestRouter } from './raft/routes.ts';
import { LedgerReplica } from './ledger/replica.ts';
import { LedgerService } from './ledger/service.ts';
import { ledgerRestRouter } from './ledger/routes.ts';
import { linearizableReads } from './ledger/read-barrier.ts';
import { activeMatchesByHost, getPlayer, remainingCards, stockStatus, type LedgerResult } from './ledger/machine/index.ts';
import { RARITIES } from '../protocol/cards.ts';
import { MatchLogStore } from './storage/match-log.ts';
import { MatchService } from './match/service.ts';
import { MatchDriver } from './match/driver.ts';
import { Signer, type SignedEvent } from './match/signing.ts';
import { matchRestRouter } from './match/routes.ts';
import { matchCommands, matchPurchase } from './match/player-handlers.ts';
import { createMatchmaking, matchmakingRestRouter, matchmakingCommands, matchmakingOnApplied } from './matchmaking/index.ts';
import type { HeartbeatBody, MemberInfo } from '../protocol/rest.ts';

export class NodeStartError extends Error {}

export interface NodeHandle {
  id: string;
  clusterId: string;
  httpUrl: string;
  mqttPort: number;
  stop(): Promise<void>;
}

export async function startNode(config: NodeConfig): Promise<NodeHandle> {
  const started = performance.now();
  const root = createRootLogger(config.id, config.logLevel, config.logFile);
  const log = componentLogger(root, 'NODE');
  try {
    return await build(config, root, started);
  } catch (err) {
    if (err instanceof DataDirError || err instanceof SecretError || err instanceof JoinError) throw new NodeStartError(err.message);
    throw err;
  } finally {
    log.flush?.();
  }
}

async function build(config: NodeConfig, root: ReturnType<typeof createRootLogger>, started: number): Promise<NodeHandle> {
  const log = componentLogger(root, 'NODE');
  await prepareDataDir(config.dataDir);
  const address = advertisedUrl(config);
  const self: MemberInfo = { id: config.id, address, mqttPort: config.mqttPort };

  // ==== phase 1: identity, secret, keys; HTTP and MQTT listening ==========================
  const existing = await loadIdentity(config.dataDir);
  if (existing && existing.id !== config.id) {
    throw new NodeStartError(`data dir ${config.dataDir} belongs to node "${existing.id}", not "${config.id}"`);
  }
  const secretSrc = { dataDir: config.dataDir, secretFile: config.secretFile, secret: config.secret };
  let secret = await readSecret(secretSrc);
  const joining = !existing && config.join.length > 0;
  if (!secret) {
    if (existing) throw new NodeStartError(`the cluster secret is missing (looked in ${config.secretFile ?? config.dataDir + '/secret'})`);
    if (joining) throw new NodeStartError('joining needs the cluster secret: give --secret-file, TRINCA_SECRET or --invite');
    secret = newSecret();
    await storeSecret(secretSrc, secret);
  } else if (config.secret && !config.secretFile) {
    // Given by env or invite: keep a copy so a restart needs no flags.
    await storeSecret(secretSrc, secret);
  }
  const keys = deriveKeys(secret);
  // Tokens name the cluster; discovery (a peer's public /health) needs none before it is known.
  let tokenClusterId = existing?.clusterId ?? '';
  const tokens = new PeerTokenSource(keys.jwt, () => tokenClusterId, config.id, config.peerTokenTtlS);
  const metrics = createMetrics(config.id);
  const linkLog = componentLogger(root, 'LINK');
  const client = new PeerClient(tokens, config.peerLink === false ? null : new PeerLinks({ tokens, log: linkLog, metrics: metrics.link }));
  const clusterId = existing?.clusterId ?? (joining ? await discoverClusterId(client, config.join, config.inviteClusterId) : randomUUID());
  tokenClusterId = clusterId;
  if (existing && config.inviteClusterId && config.inviteClusterId !== existing.clusterId) {
    throw new NodeStartError(`data dir ${config.dataDir} belongs to cluster ${existing.clusterId}, not the invite's ${config.inviteClusterId}`);
  }

  const membership = new Membership(self, config.dataDir, config.timing.deadAfterMs);
  await membership.load();
  const members = new MemberCheck(config.id, membership);
  const clusterLog = componentLogger(root, 'CLUSTER');

  // Routes that need nothing else serve at once; the others answer 503 UNAVAILABLE until
  // their capability is mounted in phase 3 (the cluster's serve a 'starting' view meanwhile).
  const onHeartbeat = (b: HeartbeatBody) => {
    if (!b.leaving && b.mqttPort !== undefined) membership.merge([{ id: b.id, address: b.address, mqttPort: b.mqttPort }]);
  };
  const routes = new RouteTable()
    .reserve('membership', ['/register', '/cluster/'], clusterRestRouter({ membership, clusterId, roles: startingRoles(config.id, membership), onHeartbeat }))
    .add('metrics', metricsRestRouter(metrics))
    .reserve('the ledger', ['/eleicao/', '/raft/', '/estoque/', '/ledger/'])
    .reserve('matches', ['/game/'])
    .reserve('matchmaking', ['/matchmaking/']);
  const app = createApp(
    {
      log: componentLogger(root, 'HTTP'),
      metrics,
      selfId: config.id,
      jwtKey: keys.jwt,
      clusterId: () => clusterId,
      publicPaths: ['/health', '/servers', '/', '/index.html', '/assets/', '/favicon.ico'],
      isMember: members.isMember,
    },
    routes,
    config.uiDir ? staticUi(config.uiDir) : undefined,
  );
  // The peer link's accepting side: the same route table serves its request frames.
  const linkServer = config.peerLink === false
    ? null
    : new LinkServer({ log: linkLog, metrics: metrics.link, jwtKey: keys.jwt, clusterId: () => clusterId, isMember: members.isMember, dispatch: createDispatch(routes, linkLog) });
  const limits = config.limits ?? DEFAULT_LIMITS;
  const brokerLog = componentLogger(root, 'BROKER');
  // Players are told "server unavailable" until broker.serve (phase 3).
  const broker = new PlayerBroker({
    log: brokerLog,
    metrics,
    limits: { ...DEFAULT_BROKER_LIMITS, maxConnectionsPerIp: limits.maxConnectionsPerIp },
    // This node's UI (by its advertised URL and its bind address) and every member's.
    memberAddresses: () => [address, `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.httpPort}`, ...membership.list().map((m) => m.address)],
  });
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 30_000;
  await listen(server, config.host, config.httpPort, 'HTTP');
  const metricsServer = config.metricsBind ? metricsListener(metrics) : null;
  try {
    await broker.start(config.host, config.mqttPort).catch((err: NodeJS.ErrnoException) => {
      throw new NodeStartError(portProblem('MQTT', config.host, config.mqttPort, err));
    });
    if (metricsServer && config.metricsBind) {
      await listen(metricsServer, config.metricsBind.host, config.metricsBind.port, 'metrics').catch(async (err: Error) => {
        await broker.stop();
        throw err;
      });
    }
  } catch (err) {
    server.close();
    throw err;
  }
  broker.attachWebSocket(server);
  if (linkServer) routeUpgrade(server, LINK_PATH, (req, socket, head) => linkServer.handleUpgrade(req, socket, head));
  const closeAll = async () => {
    metricsServer?.closeAllConnections();
    metricsServer?.close();
    linkServer?.stop();
    await broker.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    client.close();
  };

  // ==== phase 2: registration (a first join learns the cluster's stock scale) =============
  let stockScale = existing?.stockScale ?? config.stockScale;
  let bootstrap = existing?.bootstrap ?? !joining;
  try {
    if (joining) {
      const res = await registerWith(client, config.join, self);
      if (res.clusterId !== clusterId) throw new JoinError(`peer answered for cluster ${res.clusterId}, expected ${clusterId}`);
      if (!existing && res.stockScale) {
        if (res.stockScale !== config.stockScale && config.stockScale !== 1) {
          clusterLog.warn({ asked: config.stockScale, cluster: res.stockScale }, '--stock-scale ignored: the cluster fixed it at bootstrap');
        }
        stockScale = res.stockScale;
      }
      membership.merge(res.members);
      for (const m of res.members) if (m.id !== config.id) membership.markSeen(m.id);
    }
    if (!existing) {
      bootstrap = !joining;
      const identity: Identity = { id: config.id, clusterId, createdAt: new Date().toISOString(), bootstrap, stockScale };
      await saveIdentity(config.dataDir, identity);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  if (existing && config.join.length > 0) {
    // Already a member: re-registering only refreshes our address, so it must not hold up
    // the start (the cluster may be electing a leader right now).
    void registerWith(client, config.join, self).catch((err: Error) => clusterLog.warn({ err: err.message }, 're-registration failed'));
  }

  // ==== phase 3: the ledger, Raft, matches, matchmaking; then the players ==================
  const addressOf = (id: string) => membership.get(id)?.address;
  const replica = new LedgerReplica(clusterId, stockScale);
  followLedgerMembers(replica, membership, () => {
    // A removed member's links close (it may not call or be called any more).
    linkServer?.recheck();
    client.links?.retain(membership.others().map((m) => m.address));
  });
  members.followLedger(replica);
  const raft = await RaftNode.open<LedgerResult>({
    id: config.id,
    dataDir: config.dataDir,
    log: componentLogger(root, 'RAFT'),
    metrics,
    client,
    addressOf,
    bootstrap,
    timing: { tickMs: config.timing.raftTickMs, heartbeatTicks: config.timing.raftHeartbeatTicks, electionTicks: config.timing.raftElectionTicks },
    machine: replica,
    snapshotEvery: config.snapshotEvery,
    // Soft state changes only once the node runs (raft.start below, after `admission`).
    onSoftState: (s) => {
      for (const r of ['follower', 'pre-candidate', 'candidate', 'leader', 'learner']) metrics.raftRole.set({ role: r }, r === s.role ? 1 : 0);
      if (s.role === 'leader' && bootstrap) void admission.recordSelf();
    },
  });
  const ledger = new LedgerService(raft, client, addressOf, componentLogger(root, 'ESTOQUE'));
  const reads = linearizableReads({ raft, client, addressOf });
  const admission = new Admission(raft, replica, self, clusterLog);
  const roles = raftRoles(config.id, membership, raft);
  /** Entries up to here were applied before this process started: no trade notices for them. */
  const replayedUpTo = raft.status().commit;
  routes.mount(
    'the ledger',
    raftRestRouter(config.id, raft as RaftNode<unknown>, (data) => LedgerReplica.validSnapshot(data, clusterId), (id) => membership.get(id) !== undefined),
    ledgerRestRouter({ raft, replica, service: ledger, read: reads }),
  );
  routes.mount(
    'membership',
    clusterRestRouter({ membership, clusterId, roles, onHeartbeat }),
    admissionRestRouter({
      membership,
      register: registrar({ membership, raft, admission, client, clusterId, stockScale, log: clusterLog }),
      removeMember: (id) => removeMember({ raft, admission, client, addressOf }, id),
    }),
  );
  admission.start();
  raft.start();

  const matchStore = new MatchLogStore<SignedEvent>(path.join(config.dataDir, 'matches'));
  const signer = new Signer(keys.eventHmac);
  const matchDriver = new MatchDriver({
    self: config.id,
    log: componentLogger(root, 'HOST'),
    metrics,
    broker,
    client,
    membership,
    signer,
    store: matchStore,
    replica,
    ledger,
    timing: { turnMs: config.timing.turnMs, disconnectForfeitMs: config.timing.disconnectForfeitMs, failoverMs: config.timing.failoverMs },
  });
  const matches = new MatchService(config.id, matchDriver, replica, ledger, matchStore);
  routes.mount('matches', matchRestRouter({ driver: matchDriver, service: matches, signer }));
  await matchDriver.start();

  const directory = new LedgerPlayerDirectory(replica, ledger);
  const matchmaking = createMatchmaking({ selfId: config.id, matches, client, membership, nameOf: (p) => directory.nameOf(p), log: componentLogger(root, 'MATCHMAKING') });
  replica.onApplied((cmd, result) => matchmakingOnApplied(matchmaking, cmd, result));
  routes.mount('matchmaking', matchmakingRestRouter(matchmaking));

  // Players' commands: each area's handlers, built with the running parts.
  const commands = new CommandRouter((p, e) => broker.sendToPlayer(p, e), brokerLog, metrics, new CommandLimiter(limits.rateLimitScale, () => performance.now()));
  playerCommands(commands, { nodeId: config.id, directory });
  const sessions = ledgerCommands(commands, { replica, ledger, metrics, matchPurchase: matchPurchase(matches), read: reads });
  const trades = tradeCommands(commands, { replica, ledger, broker });
  trades.attach(replica, replayedUpTo);
  concedeCommands(commands, matches);
  historyCommands(commands, { nodeId: config.id, replica, matchLog: (id) => matches.log(id) });
  matchCommands(commands, matches);
  matchmakingCommands(commands, matchmaking);
  const registrations = new RegistrationGate({ newPlayersPerIpPerHour: limits.newPlayersPerIpPerHour, maxPlayers: limits.maxPlayers }, () => performance.now());
  broker.serve({
    authenticate: (p, t, from) => {
      if (!getPlayer(replica.state, p)) {
        const verdict = registrations.admit(from, replica.state.players.size);
        if (verdict !== 'ok') {
          brokerLog.info({ address: from, verdict }, 'new player refused by the registration limits');
          return Promise.resolve('limited' as const);
        }
      }
      return directory.authenticate(p, t);
    },
    onCommand: (p, payload) => void commands.dispatch(p, payload),
    onPlayerReady: playerGreeting({ nodeId: config.id, broker, read: reads, matches, nameOf: (p) => directory.nameOf(p), sessions, trades }),
    onPlayerGone: (p) => {
      matchmaking.playerGone(p); // a disconnected player leaves this node's queue
      matches.disconnected(p);
    },
    isInMatch: (p, m) => matches.isInMatch(p, m),
    onMatchSubscribed: (p, m) => matches.onMatchSubscribed(p, m),
  });

  const stockGauge = setInterval(() => {
    const s = stockStatus(replica.state);
    for (const r of RARITIES) metrics.stockRemaining.set({ rarity: r }, s.remaining[r]);
  }, 1000);
  stockGauge.unref();
  const heartbeat = new HeartbeatLoop({
    membership,
    client,
    intervalMs: config.timing.heartbeatMs,
    log: clusterLog,
    raftView: () => ({ term: raft.status().term, leader: raft.leader }),
    onMembers: (list) => membership.merge(list),
  });
  heartbeat.start();
  const status = new ClusterStatusPublisher(broker, () => {
    const hosted = activeMatchesByHost(replica.state);
    return {
      clusterId,
      node: config.id,
      leader: raft.leader,
      term: raft.status().term,
      peers: membership.servers(roles.of).map((s) => ({ id: s.id, address: s.address, mqttPort: s.mqttPort, alive: s.alive, raftRole: s.raftRole, matches: hosted.get(s.id) ?? 0 })),
      stock: { total: stockStatus(replica.state).total, remaining: remainingCards(replica.state) },
      at: Date.now(),
    };
  });
  status.start();
  const aliveGauge = setInterval(() => metrics.peersAlive.set(membership.aliveCount()), 1000);
  aliveGauge.unref();

  log.info({ clusterId, address, mqttPort: config.mqttPort, readyMs: Math.round(performance.now() - started) }, 'node ready');

  let stopping: Promise<void> | null = null;
  return {
    id: config.id,
    clusterId,
    httpUrl: address,
    mqttPort: config.mqttPort,
    stop: () =>
      (stopping ??= (async () => {
        log.info('stopping');
        // A leader hands over first, while this node still serves (docs/architecture/raft.md).
        await raft.handOff();
        clearInterval(aliveGauge);
        clearInterval(stockGauge);
        status.stop();
        admission.stop();
        matchmaking.stop();
        matchDriver.stop();
        heartbeat.stop();
        await heartbeat.farewell();
        await closeAll();
        await raft.stop();
        await matchStore.close();
        await membership.flush();
        log.info('stopped');
        root.flush();
      })()),
  };
}

function listen(server: http.Server, host: string, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new NodeStartError(portProblem(what, host, port, err)));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function portProblem(what: string, host: string, port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'EADDRINUSE') return `${what} port ${port} on ${host} is already in use`;
  if (err.code === 'EACCES') return `${what} port ${port} on ${host} needs privileges`;
  if (err.code === 'EADDRNOTAVAIL') return `${what} address ${host} is not available on this machine`;
  return `cannot listen for ${what} on ${host}:${port}: ${err.message}`;
}
