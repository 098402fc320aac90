// The node's configuration: what `startNode` needs, independent of how it was obtained.
// NODE_OPTIONS is the one table of the node's flags and environment variables: `trinca node`
// (server/cli.ts) and the desktop app (electron/node-host.ts) both parse through it, and the
// usage text and README's table are written from it. A new option is one entry here; its
// value reaches startNode as the NodeConfig field of the same name.
import path from 'node:path';
import { fromText, integer, optionsSchema, port, readOptions, parseRaw, type OptionValues } from './cli/options.ts';
import { decodeInvite, inviteVersionProblem, InviteError, type Invite } from './cluster/invite.ts';

export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function httpUrl(what: string) {
  return (t: string) => {
    let u: URL;
    try {
      u = new URL(t);
    } catch (err) {
      throw new Error(`${what}, got "${t}"`, { cause: err });
    }
    if (u.protocol !== 'http:') throw new Error(`${what}, got "${t}"`);
    return t;
  };
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost)$/;

/** `127.0.0.1:9464` (or `[::1]:9464`, `localhost:9464`): loopback only, since it has no auth. */
export function parseMetricsBind(t: string): { host: string; port: number } {
  const m = /^(.*):(\d{1,5})$/.exec(t.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`must be HOST:PORT on loopback (e.g. 127.0.0.1:9464), got "${t}"`);
  if (!LOOPBACK.test(m[1])) throw new Error(`serves /metrics without authentication, so it must be a loopback address (127.0.0.1, [::1], localhost), got "${m[1]}"`);
  return { host: m[1] === '[::1]' ? '::1' : m[1], port };
}

/** A decoded invite this node can use; its error completes "--invite …". */
function inviteFromText(t: string): Invite {
  let inv: Invite;
  try {
    inv = decodeInvite(t);
  } catch (err) {
    if (err instanceof InviteError) throw new Error(`is not usable: ${err.message}`, { cause: err });
    throw err;
  }
  const problem = inviteVersionProblem(inv);
  if (problem) throw new Error(`is not usable: ${problem}`);
  return inv;
}

export const NODE_OPTIONS = {
  id: { flag: 'id', arg: 'ID', help: 'this peer\'s permanent id (1–64 of A–Z a–z 0–9 _ . -)', schema: fromText((t) => {
    if (!ID_PATTERN.test(t)) throw new Error(`must be 1–64 of A–Z a–z 0–9 _ . - (got "${t}")`);
    return t;
  }) },
  httpPort: { flag: 'http', arg: 'PORT', help: 'HTTP port: peer REST, the UI, MQTT over WebSocket at /mqtt', schema: port() },
  mqttPort: { flag: 'mqtt', arg: 'PORT', help: 'MQTT (TCP) port for players', schema: port() },
  dataDir: { flag: 'data', arg: 'DIR', help: 'data directory (identity, secret, Raft log, match logs)', schema: fromText((t) => path.resolve(t)) },
  host: { flag: 'host', arg: 'ADDR', shows: '127.0.0.1', help: 'bind address; 0.0.0.0 serves friends on other machines', schema: fromText((t) => t).default('127.0.0.1') },
  advertise: { flag: 'advertise', arg: 'URL', shows: 'http://HOST:HTTP', help: 'how the other peers reach this node', schema: fromText(httpUrl('must be an http:// URL')).optional() },
  secretFile: { flag: 'secret-file', arg: 'FILE', shows: 'DIR/secret', help: 'cluster secret file, created on bootstrap if missing', schema: fromText((t) => path.resolve(t)).optional() },
  secret: { env: 'TRINCA_SECRET', help: 'the cluster secret itself (one line of base64url)', schema: fromText((t) => t.trim() || undefined).optional() },
  join: { flag: 'join', arg: 'URL[,URL…]', shows: 'none: bootstrap a new cluster', help: 'register with an existing cluster through these peers', schema: fromText((t) => {
    const urls = t.split(',').map((s) => s.trim()).filter(Boolean);
    for (const u of urls) {
      try {
        new URL(u);
      } catch {
        throw new Error(`"${u}" is not a URL`);
      }
    }
    return urls;
  }).default([]) },
  invite: { flag: 'invite', arg: 'CODE', help: 'an invite code (cluster id, secret and peers in one string)', schema: fromText(inviteFromText).optional() },
  stockScale: { flag: 'stock-scale', env: 'TRINCA_STOCK_SCALE', arg: 'N', shows: '1', help: 'stock size multiplier at bootstrap, 2,800 cards per unit', schema: integer(1).default(1) },
  uiDir: { flag: 'ui', arg: 'DIR', shows: 'renderer/dist when built', help: 'built player UI served at /', schema: fromText((t) => path.resolve(t)).optional() },
  turnMs: { flag: 'turn-ms', env: 'TRINCA_TURN_MS', arg: 'MS', shows: '30000', help: 'turn timer: the lowest card is played for a player silent this long', schema: integer(1).default(30_000) },
  forfeitMs: { flag: 'forfeit-ms', env: 'TRINCA_FORFEIT_MS', arg: 'MS', shows: '60000', help: 'a player whose connection is gone this long forfeits', schema: integer(1).default(60_000) },
  maxNewPlayersPerIp: { flag: 'max-new-players-per-ip', env: 'TRINCA_MAX_NEW_PLAYERS_PER_IP', arg: 'N', shows: '10', help: 'new players one address may register per hour (docs/security.md)', schema: integer(1).default(10) },
  maxPlayers: { flag: 'max-players', env: 'TRINCA_MAX_PLAYERS', arg: 'N', shows: '1000', help: 'no new player is registered here once the cluster has this many', schema: integer(1).default(1000) },
  rateLimitScale: { flag: 'rate-limit-scale', env: 'TRINCA_RATE_LIMIT_SCALE', arg: 'X', shows: '1', help: "multiplies every player's command rate limits (size and rate)", schema: fromText((t) => {
    const x = Number(t);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`must be a positive number, got "${t}"`);
    return x;
  }).default(1) },
  maxConnectionsPerIp: { flag: 'max-connections-per-ip', env: 'TRINCA_MAX_CONNECTIONS_PER_IP', arg: 'N', shows: '32', help: 'open MQTT connections per address', schema: integer(1).default(32) },
  peerLink: { env: 'TRINCA_PEER_LINK', shows: '1', help: 'peer links (docs/architecture/link.md): 0 keeps every peer call on HTTP', schema: fromText((t) => t !== '0').default(true) },
  peerTokenTtlS: { env: 'TRINCA_PEER_TOKEN_TTL_S', arg: 'S', shows: '60', help: "lifetime of this node's peer JWTs in seconds (at most 60)", schema: integer(1, 60).optional() },
  snapshotEvery: { flag: 'snapshot-every', env: 'TRINCA_SNAPSHOT_EVERY', arg: 'N', shows: '10000', help: 'snapshot the ledger and compact the Raft log every N applied entries', schema: integer(1).default(10_000) },
  metricsBind: { flag: 'metrics-bind', env: 'TRINCA_METRICS_BIND', arg: 'HOST:PORT', shows: 'off', help: 'also serve /metrics without authentication here (loopback only) for a local Prometheus', schema: fromText(parseMetricsBind).optional() },
  logLevel: { flag: 'log-level', env: 'TRINCA_LOG_LEVEL', arg: 'LEVEL', shows: 'info', help: `JSON log level on stderr: ${LOG_LEVELS.join(', ')}`, schema: fromText((t) => {
    if (!(LOG_LEVELS as readonly string[]).includes(t)) throw new Error(`must be one of ${LOG_LEVELS.join(', ')}, got "${t}"`);
    return t;
  }).default('info') },
} as const;

/** The node's options as zod parses them, with the checks that involve two of them. */
export const NodeOptionsSchema = optionsSchema(NODE_OPTIONS).superRefine((o, ctx) => {
  if (o.httpPort === o.mqttPort) ctx.addIssue({ code: 'custom', path: ['mqttPort'], message: 'and --http must be different ports' });
  if (o.invite && o.secret && o.invite.secret !== o.secret) ctx.addIssue({ code: 'custom', path: ['invite'], message: 'and TRINCA_SECRET name different secrets' });
  if (o.secretFile && (o.secret || o.invite)) ctx.addIssue({ code: 'custom', path: ['secretFile'], message: 'conflicts: give the secret one way: --secret-file, TRINCA_SECRET or --invite' });
});

export type NodeOptions = OptionValues<typeof NODE_OPTIONS>;

/** Every option startNode reads as parsed, plus what the invite and the timers fold into. */
export type NodeConfig = Omit<NodeOptions, 'invite' | 'turnMs' | 'forfeitMs' | keyof AbuseLimitFlags> & {
  /** Abuse limits (docs/security.md); absent: DEFAULT_LIMITS. */
  limits?: AbuseLimits;
  /** Write the logs to this file (appended) instead of stderr: the desktop app's log under userData. */
  logFile?: string;
  /** Cluster id learned from an invite (checked against the peers). */
  inviteClusterId?: string;
  timing: TimingConfig;
};

/** Folds parsed options into the NodeConfig startNode takes (the invite's secret and peers, the timers). */
export function nodeConfig(o: NodeOptions): NodeConfig {
  const { invite, turnMs, forfeitMs, maxNewPlayersPerIp, maxPlayers, rateLimitScale, maxConnectionsPerIp, ...rest } = o;
  return {
    ...rest,
    limits: { newPlayersPerIpPerHour: maxNewPlayersPerIp, maxPlayers, rateLimitScale, maxConnectionsPerIp },
    secret: invite?.secret ?? rest.secret,
    join: invite ? [...new Set([...rest.join, ...invite.peers])] : rest.join,
    inviteClusterId: invite?.clusterId,
    timing: { ...DEFAULT_TIMING, turnMs, disconnectForfeitMs: forfeitMs },
  };
}

/** `trinca node`'s argv and environment → NodeConfig, or a UsageError naming the flag at fault. */
export function parseNodeOptions(argv: string[], env: NodeJS.ProcessEnv): NodeConfig {
  return nodeConfig(readOptions(NODE_OPTIONS, argv, env, NodeOptionsSchema as never));
}

/**
 * The same options given as text by a program (the desktop app) rather than typed by a user:
 * `values` wins over the environment, as a flag would.
 */
export function nodeConfigFromValues(values: Partial<Record<keyof typeof NODE_OPTIONS, string>>, env: NodeJS.ProcessEnv): NodeConfig {
  const raw: Record<string, string | undefined> = {};
  for (const [key, spec] of Object.entries(NODE_OPTIONS) as [string, { env?: string }][]) {
    const fromEnv = spec.env && env[spec.env] ? env[spec.env] : undefined;
    raw[key] = values[key as keyof typeof NODE_OPTIONS] ?? fromEnv;
  }
  return nodeConfig(parseRaw(NODE_OPTIONS, raw, {}, NodeOptionsSchema as never));
}

type AbuseLimitFlags = Pick<NodeOptions, 'maxNewPlayersPerIp' | 'maxPlayers' | 'rateLimitScale' | 'maxConnectionsPerIp'>;

/** Limits a hostile player or page runs into; the defaults suit a cluster of friends. */
export interface AbuseLimits {
  /** --max-new-players-per-ip: new players one address may register per hour (and in a burst). */
  newPlayersPerIpPerHour: number;
  /** --max-players: this node registers no new player once the cluster has this many. */
  maxPlayers: number;
  /** --rate-limit-scale: multiplies every per-player command bucket (size and rate). */
  rateLimitScale: number;
  /** --max-connections-per-ip: open MQTT connections (TCP + WebSocket) per address. */
  maxConnectionsPerIp: number;
}

export const DEFAULT_LIMITS: AbuseLimits = {
  newPlayersPerIpPerHour: 10,
  maxPlayers: 1000,
  rateLimitScale: 1,
  maxConnectionsPerIp: 32,
};

export interface TimingConfig {
  heartbeatMs: number;
  /** A peer silent this long is marked dead. */
  deadAfterMs: number;
  raftTickMs: number;
  raftHeartbeatTicks: number;
  raftElectionTicks: number;
  /** Turn timer (docs/design.md §5). */
  turnMs: number;
  /** Forfeit after a player's connection is gone this long. */
  disconnectForfeitMs: number;
  /** Host silence after which a shadow takes over. */
  failoverMs: number;
}

export const DEFAULT_TIMING: TimingConfig = {
  heartbeatMs: 500,
  deadAfterMs: 1500,
  // Raft: ticks of 10 ms (counted on the wall clock, see RaftNode.start), heartbeats every
  // 50 ms, election timeout drawn from [30, 60) ticks = 0.3–0.6 s. Well below docs/design.md
  // §7's 1–2 s: a leader kill -9 is served again in p99 ≤ 1 s (§14's target against etcd)
  // only if the survivors time out in well under that. It stays safe under load because a
  // spurious election needs both followers to miss six heartbeats in a row, and PreVote plus
  // CheckQuorum keep one slow node from deposing a live leader. The runs behind 5/30 (and
  // the 10/60 before) are in docs/architecture/raft.md "Tuning" and docs/benchmarks.md.
  raftTickMs: 10,
  raftHeartbeatTicks: 5,
  raftElectionTicks: 30,
  turnMs: 30_000,
  disconnectForfeitMs: 60_000,
  failoverMs: 1000,
};


export function advertisedUrl(cfg: Pick<NodeConfig, 'advertise' | 'host' | 'httpPort'>): string {
  if (cfg.advertise) return cfg.advertise.replace(/\/+$/, '');
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${cfg.httpPort}`;
}
