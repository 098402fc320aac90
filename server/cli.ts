// The headless entry: `trinca node | cluster | invite | token` (DESIGN §2).
// Every failure a user can cause ends in one clear line on stderr and a non-zero exit.
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode, NodeStartError } from './node.ts';
import { DEFAULT_TIMING, ID_PATTERN, type NodeConfig } from './config.ts';
import { decodeInvite, InviteError } from './cluster/invite.ts';
import { runCluster } from './cli/cluster.ts';
import { printInvite, printToken } from './cli/invite.ts';
import { removePeer } from './cli/remove-peer.ts';

export class UsageError extends Error {}

const USAGE = `usage:
  trinca node    --id ID --http PORT --mqtt PORT --data DIR [--host ADDR] [--advertise URL]
                 [--secret-file FILE] [--join URL[,URL…]] [--invite CODE] [--stock-scale N]
  trinca cluster [--size 3] [--base-http 8081] [--base-mqtt 1884] [--data DIR]
  trinca invite  --data DIR [--secret-file FILE]
  trinca token   --data DIR [--secret-file FILE]    a 60 s peer JWT (e.g. to scrape /metrics)
  trinca remove-peer --data DIR --id X [--secret-file FILE] [--peer URL]
                 remove peer X, gone for good, from the cluster (run next to a live member)`;

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_UI_DIR = path.resolve(here, '../renderer/dist');

function port(name: string, v: string | undefined): number {
  if (v === undefined) throw new UsageError(`--${name} is required`);
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--${name} must be a port number 1–65535, got "${v}"`);
  return n;
}

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

/** Parses `trinca node` flags into a NodeConfig (pure apart from reading env/secret file names). */
export function parseNodeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      id: { type: 'string' },
      http: { type: 'string' },
      mqtt: { type: 'string' },
      data: { type: 'string' },
      host: { type: 'string' },
      advertise: { type: 'string' },
      'secret-file': { type: 'string' },
      join: { type: 'string' },
      invite: { type: 'string' },
      'stock-scale': { type: 'string' },
      ui: { type: 'string' },
      'log-level': { type: 'string' },
      'turn-ms': { type: 'string' },
      'forfeit-ms': { type: 'string' },
    },
  });
  if (!values.id) throw new UsageError('--id is required');
  if (!ID_PATTERN.test(values.id)) throw new UsageError(`--id must be 1–64 of A–Z a–z 0–9 _ . - (got "${values.id}")`);
  if (!values.data) throw new UsageError('--data is required');
  const httpPort = port('http', values.http);
  const mqttPort = port('mqtt', values.mqtt);
  if (httpPort === mqttPort) throw new UsageError('--http and --mqtt must be different ports');
  if (values.advertise) {
    try {
      const u = new URL(values.advertise);
      if (u.protocol !== 'http:') throw new Error();
    } catch {
      throw new UsageError(`--advertise must be an http:// URL, got "${values.advertise}"`);
    }
  }
  let join = (values.join ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const u of join) {
    try {
      new URL(u);
    } catch {
      throw new UsageError(`--join: "${u}" is not a URL`);
    }
  }
  let secret = env.TRINCA_SECRET?.trim() || undefined;
  let inviteClusterId: string | undefined;
  if (values.invite) {
    let inv;
    try {
      inv = decodeInvite(values.invite);
    } catch (err) {
      if (err instanceof InviteError) throw new UsageError(`--invite: ${err.message}`);
      throw err;
    }
    if (secret && secret !== inv.secret) throw new UsageError('--invite and TRINCA_SECRET name different secrets');
    secret = inv.secret;
    inviteClusterId = inv.clusterId;
    join = [...new Set([...join, ...inv.peers])];
  }
  if (values['secret-file'] && secret) throw new UsageError('give the secret one way: --secret-file, TRINCA_SECRET or --invite');
  const timing = { ...DEFAULT_TIMING };
  if (values['turn-ms']) timing.turnMs = positiveInt('turn-ms', values['turn-ms'], timing.turnMs);
  if (values['forfeit-ms']) timing.disconnectForfeitMs = positiveInt('forfeit-ms', values['forfeit-ms'], timing.disconnectForfeitMs);
  const uiDir = values.ui ?? (existsSync(path.join(DEFAULT_UI_DIR, 'index.html')) ? DEFAULT_UI_DIR : undefined);
  return {
    id: values.id,
    httpPort,
    mqttPort,
    dataDir: path.resolve(values.data),
    host: values.host ?? '127.0.0.1',
    advertise: values.advertise,
    secret,
    secretFile: values['secret-file'] ? path.resolve(values['secret-file']) : undefined,
    join,
    inviteClusterId,
    stockScale: positiveInt('stock-scale', values['stock-scale'], 1),
    uiDir,
    timing,
    snapshotEvery: positiveInt('TRINCA_SNAPSHOT_EVERY', env.TRINCA_SNAPSHOT_EVERY, 10_000),
    logLevel: values['log-level'] ?? env.TRINCA_LOG_LEVEL ?? 'info',
    peerLink: env.TRINCA_PEER_LINK !== '0',
    peerTokenTtlS: env.TRINCA_PEER_TOKEN_TTL_S ? Math.min(60, positiveInt('TRINCA_PEER_TOKEN_TTL_S', env.TRINCA_PEER_TOKEN_TTL_S, 60)) : undefined,
  };
}

async function runNode(argv: string[]): Promise<void> {
  const config = parseNodeArgs(argv);
  if (config.secretFile && !existsSync(config.secretFile) && config.join.length > 0) {
    throw new UsageError(`--secret-file ${config.secretFile} does not exist`);
  }
  const node = await startNode(config);
  process.stdout.write(`READY ${node.id} http=${node.httpUrl} mqtt=${node.mqttPort}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 5000);
    node.stop().then(
      () => {
        clearTimeout(force);
        process.stderr.write(`trinca: node ${node.id} stopped (${signal})\n`);
        process.exit(0);
      },
      (err: Error) => {
        process.stderr.write(`trinca: error while stopping: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'node':
        return await runNode(rest);
      case 'cluster':
        return await runCluster(rest);
      case 'invite':
        return await printInvite(rest);
      case 'token':
        return await printToken(rest);
      case 'remove-peer':
        return await removePeer(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        if (cmd === undefined) process.exitCode = 2;
        return;
      default:
        throw new UsageError(`unknown command "${cmd}"\n${USAGE}`);
    }
  } catch (err) {
    const known = err instanceof UsageError || err instanceof NodeStartError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`trinca: ${msg}\n`);
    if (!known && err instanceof Error && process.env.TRINCA_DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exit(err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.slice(2));
}
