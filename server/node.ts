// The composition root: `startNode(config)` builds one peer (REST, MQTT broker, membership,
// and the capabilities layered on them) and returns a handle with `stop()`. Called by the
// headless CLI and, unchanged, by the Electron main process.
import http from 'node:http';
import type Koa from 'koa';
import type Router from '@koa/router';
import type { PeerState } from './http/app.ts';
import { randomUUID } from 'node:crypto';
import { advertisedUrl, DEFAULT_LIMITS, type NodeConfig } from './config.ts';
import { PROTOCOL_VERSION } from '../protocol/version.ts';
import { createRootLogger, componentLogger } from './log.ts';
import { createMetrics } from './metrics/metrics.ts';
import { deriveKeys, SecretError } from './security/keys.ts';
import { PeerTokenSource } from './security/jwt.ts';
import { PeerClient } from './http/peer-client.ts';
import { createApp } from './http/app.ts';
import { PeerLinks } from './link/links.ts';
import { LinkServer, LINK_PATH } from './link/server.ts';
import { createDispatch } from './link/dispatch.ts';
import { routeUpgrade } from './link/upgrade.ts';
import { HttpError } from './http/errors.ts';
import { clusterRouter } from './cluster/routes.ts';
import { metricsRouter } from './metrics/routes.ts';
import { metricsListener } from './metrics/loopback.ts';
import { Membership } from './cluster/membership.ts';
import { HeartbeatLoop } from './cluster/heartbeat.ts';
import { discoverClusterId, registerWith, JoinError } from './cluster/join.ts';
import { prepareDataDir, loadIdentity, saveIdentity, readSecret, storeSecret, newSecret, DataDirError, type Identity } from './cluster/identity.ts';
import { PlayerBroker, DEFAULT_BROKER_LIMITS } from './broker/broker.ts';
import { RegistrationGate } from './broker/registration.ts';
import { CommandLimiter } from './players/command-limits.ts';
import { CommandRouter } from './players/commands.ts';
import { LedgerPlayerDirectory } from './players/ledger-directory.ts';
import { playerRoutes } from './players/handlers.ts';
import { ledgerRoutes } from './players/ledger-handlers.ts';
import { tradeRoutes } from './players/trade-handlers.ts';
import { historyRoutes } from './players/history-handlers.ts';
import { concedeRoutes } from './players/concede-handler.ts';
import { RaftNode } from './raft/raft-node.ts';
import { raftRouter } from './raft/routes.ts';
import { LedgerReplica } from './ledger/replica.ts';
import { LedgerService } from './ledger/service.ts';
import { ledgerRouter } from './ledger/routes.ts';
import { Admission } from './cluster/admission.ts';
import { removeMember } from './cluster/removal.ts';
import { activeMatchesByHost, getPlayer, members as ledgerMembers, remainingCards, stockStatus, type LedgerResult } from './ledger/machine/index.ts';
import { RARITIES } from '../protocol/cards.ts';
import { MatchLogStore } from './storage/match-log.ts';
import { MatchService } from './match/service.ts';
import { MatchDriver } from './match/driver.ts';
import { Signer, type SignedEvent } from './match/signing.ts';
import { matchRestRouter } from './match/routes.ts';
import { matchCommandHandlers, matchPurchase } from './match/player-handlers.ts';
import { createMatchmaking, matchmakingRouter, matchmakingRoutes, matchmakingOnApplied, type Matchmaker } from './matchmaking/index.ts';
import { linearizableReads, readWhenCurrent } from './ledger/read-barrier.ts';
import path from 'node:path';
import { ClusterStatusPublisher } from './cluster/status.ts';
import { staticUi } from './http/static-ui.ts';
import type { MemberInfo, RegisterResponse } from '../protocol/rest.ts';

/** How long a player's greeting may wait for this replica to catch up (then it goes on with what it has). */
const GREETING_BARRIER_MS = 1500;

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

  // ---- identity, secret, cluster id -----------------------------------------------------
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
  let clusterId = existing?.clusterId ?? '';
  const tokens = new PeerTokenSource(keys.jwt, () => clusterId, config.id, config.peerTokenTtlS);
  const metrics = createMetrics(config.id);
  const linkLog = componentLogger(root, 'LINK');
  const client = new PeerClient(tokens, config.peerLink === false ? null : new PeerLinks({ tokens, log: linkLog, metrics: metrics.link }));
  if (joining) {
    clusterId = await discoverClusterId(client, config.join, config.inviteClusterId);
  } else if (!existing) {
    clusterId = randomUUID();
  }
  if (existing && config.inviteClusterId && config.inviteClusterId !== existing.clusterId) {
    throw new NodeStartError(`data dir ${config.dataDir} belongs to cluster ${existing.clusterId}, not the invite's ${config.inviteClusterId}`);
  }

  // ---- observability, membership --------------------------------------------------------
  const membership = new Membership(self, config.dataDir, config.timing.deadAfterMs);
  await membership.load();
  // Raft and the ledger start once the cluster's stock scale is known (at once, except
  // on a first join, where the registration answer carries it).
  let raft: RaftNode<LedgerResult> | null = null;
  let replica: LedgerReplica | null = null;
  let ledger: LedgerService | null = null;
  let admission: Admission | null = null;
  const raftView = () => ({ term: raft?.status().term ?? 0, leader: raft?.leader ?? null });
  const roleOf = (id: string) => {
    if (id === config.id) return raft?.role ?? 'starting';
    if (!membership.isAlive(id)) return 'unknown';
    if (raft?.leader === id) return 'leader';
    const st = raft?.status();
    if (st?.config.learners.includes(id)) return 'learner';
    return 'follower';
  };
  const addressOf = (id: string) => membership.get(id)?.address;
  // A peer JWT is honoured only from a current member (docs/security.md): the ledger's member
  // list once it has one (removing a peer is a committed REMOVE_MEMBER), else — before the
  // ledger runs, or before a new cluster recorded its first member — the persisted view.
  const isMember = (id: string): boolean => {
    if (id === config.id) return true;
    const listed = replica?.state.members;
    return listed && listed.size > 0 ? listed.has(id) : membership.get(id) !== undefined;
  };
  let matches: MatchService | null = null;
  let matchDriver: MatchDriver | null = null;
  let matchRouter: Router<PeerState> | null = null;
  const signer = new Signer(keys.eventHmac);
  let matchmaking: Matchmaker | null = null; // matchmaking: built after `matches`

  // ---- players ---------------------------------------------------------------------------
  const limits = config.limits ?? DEFAULT_LIMITS;
  const directory = new LedgerPlayerDirectory(() => replica, () => ledger);
  const commands = new CommandRouter((p, e) => broker.sendToPlayer(p, e), componentLogger(root, 'BROKER'), metrics, new CommandLimiter(limits.rateLimitScale, () => performance.now()));
  const registrations = new RegistrationGate({ newPlayersPerIpPerHour: limits.newPlayersPerIpPerHour, maxPlayers: limits.maxPlayers }, () => performance.now());
  const brokerLog = componentLogger(root, 'BROKER');
  const broker: PlayerBroker = new PlayerBroker({
    log: brokerLog,
    metrics,
    limits: { ...DEFAULT_BROKER_LIMITS, maxConnectionsPerIp: limits.maxConnectionsPerIp },
    // This node's UI (by its advertised URL and its bind address) and every member's.
    memberAddresses: () => [address, `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.httpPort}`, ...membership.list().map((m) => m.address)],
    authenticate: (p, t, from) => {
      if (replica && !getPlayer(replica.state, p)) {
        const verdict = registrations.admit(from, replica.state.players.size);
        if (verdict !== 'ok') {
          brokerLog.info({ address: from, verdict }, 'new player refused by the registration limits');
          return Promise.resolve('limited' as const);
        }
      }
      return directory.authenticate(p, t);
    },
    onCommand: (p, payload) => void commands.dispatch(p, payload),
    onPlayerReady: (p) => {
      ledgerSessions.confirmNext(p);
      // The greeting names the player's match (or says there is none), so it is a
      // linearizable read: it waits for a read index, retrying while the player stays; a
      // late greeting is announced with ERRO UNAVAILABLE, never replaced by a stale one.
      const late = (err: Error) => broker.sendToPlayer(p, { type: 'ERRO', code: 'UNAVAILABLE', message: `greeting delayed: ${err.message}` });
      void readWhenCurrent(reads, GREETING_BARRIER_MS, () => broker.isConnected(p), late).then((current) => {
        if (!current) return;
        const activeMatchId = matches?.connected(p);
        broker.sendToPlayer(p, { type: 'BEM_VINDO', playerId: p, name: directory.nameOf(p), node: config.id, ...(activeMatchId ? { activeMatchId } : {}) });
        trades.greet(p); // pending trade offers for p (TROCA_PROPOSTA)
      });
    },
    onPlayerGone: (p) => {
      matchmaking?.playerGone(p); // a disconnected player leaves this node's queue
      matches?.disconnected(p);
    },
    isInMatch: (p, m) => matches?.isInMatch(p, m) ?? false,
    onMatchSubscribed: (p, m) => matches?.onMatchSubscribed(p, m),
  });
  playerRoutes(commands, { nodeId: config.id, directory });
  const reads = linearizableReads({ raft: () => raft, client, addressOf });
  const ledgerSessions = ledgerRoutes(commands, { replica: () => replica, ledger: () => ledger, metrics, matchPurchase: (p, r) => (matches ? matchPurchase(matches)(p, r) : Promise.resolve(null)), read: reads });
  const trades = tradeRoutes(commands, { replica: () => replica, ledger: () => ledger, broker });
  concedeRoutes(commands, () => matches);
  historyRoutes(commands, { nodeId: config.id, replica: () => replica, matchLog: (id) => (matches ? matches.log(id) : Promise.reject(new Error('matches are not running'))) });
  matchmakingRoutes(commands, () => matchmaking); // ENTRAR_FILA, SAIR_FILA

  // ---- HTTP ------------------------------------------------------------------------------
  const routers = [
    clusterRouter({
      membership,
      clusterId: () => clusterId,
      selfRole: () => roleOf(config.id),
      roleOf,
      register: (m) => register(m),
      onHeartbeat: (b) => {
        if (!b.leaving && b.mqttPort !== undefined) membership.merge([{ id: b.id, address: b.address, mqttPort: b.mqttPort }]);
      },
      removeMember: (id) => removeMember({ raft: () => raft, admission: () => admission, client, addressOf }, id),
    }),
    metricsRouter(metrics),
    raftRouter(config.id, () => raft as RaftNode<unknown> | null, (data) => LedgerReplica.validSnapshot(data, clusterId), (id) => membership.get(id) !== undefined),
    ledgerRouter(() => (raft && replica && ledger ? { raft, replica, service: ledger, read: reads } : null)),
    lateRouter('/game/', () => matchRouter),
    matchmakingRouter(() => matchmaking),
  ];
  const app = createApp(
    {
      log: componentLogger(root, 'HTTP'),
      metrics,
      selfId: config.id,
      jwtKey: keys.jwt,
      clusterId: () => clusterId,
      publicPaths: ['/health', '/servers', '/', '/index.html', '/assets/', '/favicon.ico'],
      isMember,
    },
    routers,
    config.uiDir ? staticUi(config.uiDir) : undefined,
  );
  // The peer link's accepting side: the same routers serve its request frames.
  const linkServer = config.peerLink === false
    ? null
    : new LinkServer({ log: linkLog, metrics: metrics.link, jwtKey: keys.jwt, clusterId: () => clusterId, isMember, dispatch: createDispatch(routers, linkLog) });
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

  // ---- join ------------------------------------------------------------------------------
  const closeAll = async () => {
    metricsServer?.closeAllConnections();
    metricsServer?.close();
    linkServer?.stop();
    await broker.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    client.close();
  };
  const clusterLog = componentLogger(root, 'CLUSTER');
  const register = async (m: MemberInfo): Promise<RegisterResponse> => {
    membership.merge([m]);
    membership.markSeen(m.id);
    const deadline = performance.now() + 10_000;
    while (!raft?.isLeader() && !raft?.leader && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (raft && admission && raft.isLeader()) {
      await admission.admit(m);
      clusterLog.info({ peer: m.id, address: m.address }, 'peer registered');
    } else if (raft?.leader && addressOf(raft.leader)) {
      // Relay to the leader, which adds the peer through the log (this node checked the
      // peer's protocol version, so it vouches with its own).
      await client.post<RegisterResponse>(addressOf(raft.leader)!, '/register', { ...m, version: PROTOCOL_VERSION }, { timeoutMs: 10_000 });
    } else {
      throw new HttpError(503, 'NO_LEADER', 'no leader to admit the peer yet; try again');
    }
    return { clusterId, members: membership.list(), leader: raft?.leader ?? null, stockScale };
  };

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

  // ---- Raft + ledger ---------------------------------------------------------------------
  replica = new LedgerReplica(clusterId, stockScale);
  replica.onApplied((cmd) => {
    if (cmd.type === 'ADD_MEMBER' || cmd.type === 'UPDATE_MEMBER_ADDRESS' || cmd.type === 'REMOVE_MEMBER') syncMembers();
  });
  replica.onRestore(() => syncMembers());
  const syncMembers = () => {
    const list = ledgerMembers(replica!.state).map((m) => ({ id: m.id, address: m.address, mqttPort: m.mqttPort }));
    if (list.some((m) => m.id === config.id)) membership.replaceAll(list);
    else membership.merge(list);
    // A removed member's links close (it may not call or be called any more).
    linkServer?.recheck();
    client.links?.retain(membership.others().map((m) => m.address));
  };
  raft = await RaftNode.open<LedgerResult>({
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
    onSoftState: (s) => {
      for (const r of ['follower', 'pre-candidate', 'candidate', 'leader', 'learner']) metrics.raftRole.set({ role: r }, r === s.role ? 1 : 0);
      if (s.role === 'leader' && bootstrap) void admission?.recordSelf();
    },
  });
  ledger = new LedgerService(raft, client, addressOf, componentLogger(root, 'ESTOQUE'));
  trades.attach(replica, raft.status().commit); // trade notices; entries replayed at start-up stay quiet
  admission = new Admission(raft, replica, self, clusterLog);
  admission.start();
  raft.start();
  // ---- matches ---------------------------------------------------------------------------
  const matchStore = new MatchLogStore<SignedEvent>(path.join(config.dataDir, 'matches'));
  matchDriver = new MatchDriver({
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
  matches = new MatchService(config.id, matchDriver, replica, ledger, matchStore);
  matchCommandHandlers(commands, matches);
  matchRouter = matchRestRouter({ driver: matchDriver, service: matches, signer });
  await matchDriver.start();
  // ---- matchmaking -----------------------------------------------------------------------
  matchmaking = createMatchmaking({ selfId: config.id, matches, client, membership, nameOf: (p) => directory.nameOf(p), log: componentLogger(root, 'MATCHMAKING') });
  replica.onApplied((cmd, result) => matchmakingOnApplied(matchmaking, cmd, result));

  const stockGauge = setInterval(() => {
    if (!replica) return;
    const s = stockStatus(replica.state);
    for (const r of RARITIES) metrics.stockRemaining.set({ rarity: r }, s.remaining[r]);
  }, 1000);
  stockGauge.unref();

  const heartbeat = new HeartbeatLoop({
    membership,
    client,
    intervalMs: config.timing.heartbeatMs,
    log: componentLogger(root, 'CLUSTER'),
    raftView,
    onMembers: (list) => membership.merge(list),
  });
  heartbeat.start();
  const status = new ClusterStatusPublisher(broker, () => ({
    clusterId,
    node: config.id,
    leader: raftView().leader,
    term: raftView().term,
    peers: (() => {
      const hosted = replica ? activeMatchesByHost(replica.state) : new Map<string, number>();
      return membership.servers(roleOf).map((s) => ({ id: s.id, address: s.address, mqttPort: s.mqttPort, alive: s.alive, raftRole: s.raftRole, matches: hosted.get(s.id) ?? 0 }));
    })(),
    stock: replica ? { total: stockStatus(replica.state).total, remaining: remainingCards(replica.state) } : null,
    at: Date.now(),
  }));
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
        clearInterval(aliveGauge);
        clearInterval(stockGauge);
        status.stop();
        admission?.stop();
        matchmaking?.stop();
        matchDriver?.stop();
        heartbeat.stop();
        await heartbeat.farewell();
        await closeAll();
        await raft?.stop();
        await matchStore.close();
        await membership.flush();
        log.info('stopped');
        root.flush();
      })()),
  };
}

/** A capability's routes that exist only once it runs (built after the HTTP server listens). */
function lateRouter(prefix: string, get: () => Router<PeerState> | null): Router<PeerState> {
  let mw: Koa.Middleware<PeerState> | null = null;
  const late: Koa.Middleware<PeerState> = (ctx, next) => {
    const r = get();
    if (r) return (mw ??= r.routes() as unknown as Koa.Middleware<PeerState>)(ctx, next);
    if (ctx.path.startsWith(prefix)) throw new HttpError(503, 'UNAVAILABLE', `${prefix} is not running on this node yet`);
    return next();
  };
  return { routes: () => late, allowedMethods: () => (_ctx: unknown, next: () => Promise<void>) => next() } as unknown as Router<PeerState>;
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
