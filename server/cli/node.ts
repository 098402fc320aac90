// `trinca node`: one peer in this process, configured by NODE_OPTIONS (server/config.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode } from '../node.ts';
import { NODE_OPTIONS, parseNodeOptions, type NodeConfig } from '../config.ts';
import { UsageError, usage } from './options.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_UI_DIR = path.resolve(here, '../../renderer/dist');

export const NODE_USAGE = usage(
  'trinca node --id ID --http PORT --mqtt PORT --data DIR [options]',
  NODE_OPTIONS,
  'Runs one peer: the game server for players (MQTT, the UI) and a member of the friends\' cluster.\nWithout --join or --invite, and with an empty data dir, it bootstraps a new cluster.\nPrints "READY <id> http=<url> mqtt=<port>" when it serves; SIGINT/SIGTERM stop it cleanly.',
);

/** `trinca node` flags and environment → NodeConfig (the UI defaults to renderer/dist when built). */
export function parseNodeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const config = parseNodeOptions(argv, env);
  config.uiDir ??= existsSync(path.join(DEFAULT_UI_DIR, 'index.html')) ? DEFAULT_UI_DIR : undefined;
  return config;
}

export async function runNode(argv: string[]): Promise<void> {
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
