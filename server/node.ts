// The composition root: `startNode(config)` builds one peer (REST, MQTT broker, membership,
// and the capabilities layered on them) and returns a handle with `stop()`. Called by the
// headless CLI and, unchanged, by the Electron main process.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { advertisedUrl, type NodeConfig } from './config.ts';
import { createRootLogger, componentLogger } from './log.ts';
import { createMetrics } from './metrics/metrics.ts';
import { deriveKeys, SecretError } from './security/keys.ts';
import { PeerTokenSource } from './security/jwt.ts';
import { PeerClient } from './http/peer-client.ts';
import { createApp } from './http/app.ts';
import { clusterRouter } from './cluster/routes.ts';
import { metricsRouter } from './metrics/routes.ts';
import { Membership } from './cluster/membership.ts';
import { HeartbeatLoop } from './cluster/heartbeat.ts';
import { discoverClusterId, registerWith, JoinError } from './cluster/join.ts';
import { prepareDataDir, loadIdentity, saveIdentity, readSecret, storeSecret, newSecret, DataDirError, type Identity } from './cluster/identity.ts';
import { PlayerBroker } from './broker/broker.ts';
import { CommandRouter } from './players/commands.ts';
import { LocalPlayerDirectory } from './players/directory.ts';
import { playerRoutes } from './players/handlers.ts';
import { ClusterStatusPublisher } from './cluster/status.ts';
import { staticUi } from './http/static-ui.ts';
import type { MemberInfo } from '../protocol/rest.ts';

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
  const root = createRootLogger(config.id, config.logLevel);
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
  const tokens = new PeerTokenSource(keys.jwt, () => clusterId, config.id);
  const client = new PeerClient(tokens);
  if (joining) {
    clusterId = await discoverClusterId(client, config.join, config.inviteClusterId);
  } else if (!existing) {
    clusterId = randomUUID();
  }
  if (existing && config.inviteClusterId && config.inviteClusterId !== existing.clusterId) {
    throw new NodeStartError(`data dir ${config.dataDir} belongs to cluster ${existing.clusterId}, not the invite's ${config.inviteClusterId}`);
  }

  // ---- observability, membership --------------------------------------------------------
  const metrics = createMetrics(config.id);
  const membership = new Membership(self, config.dataDir, config.timing.deadAfterMs);
  await membership.load();
  const raftView = () => ({ term: 0, leader: null as string | null });
  const roleOf = (id: string) => (id === config.id ? 'follower' : membership.isAlive(id) ? 'follower' : 'unknown');

  // ---- players ---------------------------------------------------------------------------
  const directory = new LocalPlayerDirectory();
  const commands = new CommandRouter((p, e) => broker.sendToPlayer(p, e), componentLogger(root, 'BROKER'), metrics);
  const broker: PlayerBroker = new PlayerBroker({
    log: componentLogger(root, 'BROKER'),
    metrics,
    authenticate: (p, t) => directory.authenticate(p, t),
    onCommand: (p, payload) => void commands.dispatch(p, payload),
    onPlayerReady: (p) => broker.sendToPlayer(p, { type: 'BEM_VINDO', playerId: p, name: directory.nameOf(p), node: config.id }),
    onPlayerGone: () => undefined,
    isInMatch: () => false,
  });
  playerRoutes(commands, { nodeId: config.id, directory });

  // ---- HTTP ------------------------------------------------------------------------------
  const app = createApp(
    {
      log: componentLogger(root, 'HTTP'),
      metrics,
      jwtKey: keys.jwt,
      clusterId: () => clusterId,
      publicPaths: ['/health', '/servers', '/', '/index.html', '/assets/', '/favicon.ico'],
    },
    [
      clusterRouter({
        membership,
        clusterId: () => clusterId,
        selfRole: () => roleOf(config.id),
        roleOf,
        register: async (m) => {
          membership.merge([m]);
          membership.markSeen(m.id);
          componentLogger(root, 'CLUSTER').info({ peer: m.id, address: m.address }, 'peer registered');
          return { clusterId, members: membership.list(), leader: raftView().leader };
        },
        onHeartbeat: (b) => {
          if (!b.leaving && b.mqttPort !== undefined) membership.merge([{ id: b.id, address: b.address, mqttPort: b.mqttPort }]);
        },
      }),
      metricsRouter(metrics),
    ],
    config.uiDir ? staticUi(config.uiDir) : undefined,
  );
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 30_000;
  await listen(server, config.host, config.httpPort, 'HTTP');
  try {
    await broker.start(config.host, config.mqttPort).catch((err: NodeJS.ErrnoException) => {
      throw new NodeStartError(portProblem('MQTT', config.host, config.mqttPort, err));
    });
  } catch (err) {
    server.close();
    throw err;
  }
  broker.attachWebSocket(server);

  // ---- join ------------------------------------------------------------------------------
  const closeAll = async () => {
    await broker.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    client.close();
  };
  try {
    if (joining || (existing && config.join.length > 0)) {
      const res = await registerWith(client, config.join, self);
      if (res.clusterId !== clusterId) throw new JoinError(`peer answered for cluster ${res.clusterId}, expected ${clusterId}`);
      membership.merge(res.members);
      for (const m of res.members) if (m.id !== config.id) membership.markSeen(m.id);
    }
    if (!existing) {
      const identity: Identity = { id: config.id, clusterId, createdAt: new Date().toISOString() };
      await saveIdentity(config.dataDir, identity);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

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
    peers: membership.servers(roleOf).map((s) => ({ id: s.id, address: s.address, mqttPort: s.mqttPort, alive: s.alive, raftRole: s.raftRole })),
    stock: null,
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
        status.stop();
        heartbeat.stop();
        await heartbeat.farewell();
        await closeAll();
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
