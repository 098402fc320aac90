// The headless entry: `trinca node | cluster | invite | token | remove-peer` (docs/design.md §2).
// Every command answers --help (exit 0) with every flag and its default; every failure a
// user can cause ends in one clear line on stderr and a non-zero exit (2 for usage errors).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeStartError } from './node.ts';
import { PROTOCOL_VERSION } from '../protocol/version.ts';
import { isHelp, UsageError, type OptionSpecs } from './cli/options.ts';
import { NODE_USAGE, runNode } from './cli/node.ts';
import { NODE_OPTIONS } from './config.ts';
import { CLUSTER_OPTIONS, CLUSTER_USAGE, runCluster } from './cli/cluster.ts';
import { INVITE_USAGE, NODE_DIR_OPTIONS, TOKEN_USAGE, printInvite, printToken } from './cli/invite.ts';
import { REMOVE_PEER_OPTIONS, REMOVE_PEER_USAGE, removePeer } from './cli/remove-peer.ts';

export { UsageError } from './cli/options.ts';
export { DEFAULT_UI_DIR, parseNodeArgs } from './cli/node.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Command {
  summary: string;
  usage: string;
  options: OptionSpecs;
  run: (argv: string[]) => Promise<void>;
}

export const COMMANDS: Record<string, Command> = {
  node: { summary: 'run one peer (game server and cluster member)', usage: NODE_USAGE, options: NODE_OPTIONS, run: runNode },
  cluster: { summary: 'run a local cluster of N peers on loopback, one process each', usage: CLUSTER_USAGE, options: CLUSTER_OPTIONS, run: runCluster },
  invite: { summary: 'print an invite code for the node stored in a data dir', usage: INVITE_USAGE, options: NODE_DIR_OPTIONS, run: printInvite },
  token: { summary: 'print a short-lived peer JWT (for curl and tools)', usage: TOKEN_USAGE, options: NODE_DIR_OPTIONS, run: printToken },
  'remove-peer': { summary: 'remove a peer that is gone for good from the cluster', usage: REMOVE_PEER_USAGE, options: REMOVE_PEER_OPTIONS, run: removePeer },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(path.resolve(here, '../package.json'), 'utf8')) as { version: string };
  return `trinca ${pkg.version} (protocol ${PROTOCOL_VERSION})`;
}

export const USAGE = [
  'usage: trinca <command> [options]',
  '',
  'commands:',
  ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}  ${c.summary}`),
  '',
  "`trinca <command> --help` lists the command's options and their defaults.",
  '  -h, --help      print this help',
  '  -v, --version   print the version of trinca and of its wire protocol',
].join('\n');

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '-h' || cmd === '--help' || cmd === 'help') {
      const topic = cmd === 'help' && rest[0] ? COMMANDS[rest[0]] : undefined;
      process.stdout.write((topic ? topic.usage : USAGE) + '\n');
      if (cmd === undefined) process.exitCode = 2;
      return;
    }
    if (cmd === '-v' || cmd === '--version' || cmd === 'version') {
      process.stdout.write(version() + '\n');
      return;
    }
    const command = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
    if (!command) throw new UsageError(`unknown command "${cmd}" (try trinca --help)`);
    if (isHelp(rest)) {
      process.stdout.write(command.usage + '\n');
      return;
    }
    await command.run(rest);
  } catch (err) {
    const usageError = err instanceof UsageError;
    const msg = err instanceof Error ? err.message : String(err);
    const hint = usageError && cmd && Object.hasOwn(COMMANDS, cmd) ? ` (trinca ${cmd} --help lists the options)` : '';
    process.stderr.write(`trinca: ${msg}${hint}\n`);
    if (!usageError && !(err instanceof NodeStartError) && err instanceof Error && process.env.TRINCA_DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exit(usageError ? 2 : 1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main(process.argv.slice(2));
}
