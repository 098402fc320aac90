// `trinca cluster`: a local cluster of N peers on loopback, each its own OS process
// (so one can be killed like a friend's computer going away). Ctrl-C stops them all.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromText, integer, readOptions, usage } from './options.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/trinca.js');

export const CLUSTER_OPTIONS = {
  size: { flag: 'size', arg: 'N', shows: '3', help: 'number of peers (1–9)', schema: integer(1, 9).default(3) },
  baseHttp: { flag: 'base-http', arg: 'PORT', shows: '8081', help: 'HTTP port of the first peer; peer i gets PORT+i', schema: integer(1, 65526, 'a port number 1–65526').default(8081) },
  baseMqtt: { flag: 'base-mqtt', arg: 'PORT', shows: '1884', help: 'MQTT port of the first peer; peer i gets PORT+i', schema: integer(1, 65526, 'a port number 1–65526').default(1884) },
  data: { flag: 'data', arg: 'DIR', shows: '.trinca/cluster', help: 'one data dir per peer under DIR, the shared secret and the peers\' logs', schema: fromText((t) => t).default('.trinca/cluster') },
  stockScale: { flag: 'stock-scale', arg: 'N', shows: '1', help: 'stock size multiplier, passed to every peer', schema: integer(1).optional() },
} as const;

export const CLUSTER_USAGE = usage('trinca cluster [options]', CLUSTER_OPTIONS, 'Starts a local cluster of N peers on loopback, each its own process, and prints each peer\'s UI URL.\nCtrl-C stops them all.');

export async function runCluster(argv: string[]): Promise<void> {
  const { size, baseHttp, baseMqtt, data, stockScale } = readOptions(CLUSTER_OPTIONS, argv);
  const dataRoot = path.resolve(data);
  fs.mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataRoot, 0o700); // also when it already existed: it holds the secret and the logs
  const secretFile = path.join(dataRoot, 'secret');
  const children: ChildProcess[] = [];
  let stopping = false;

  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    let left = children.filter((c) => c.exitCode === null).length;
    if (left === 0) process.exit(code);
    for (const c of children) {
      if (c.exitCode !== null) continue;
      c.once('exit', () => {
        if (--left === 0) {
          process.stdout.write('trinca: cluster stopped\n');
          process.exit(code);
        }
      });
      c.kill('SIGTERM');
    }
    setTimeout(() => process.exit(code), 6000).unref();
  };
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));

  // Each peer keeps the cluster secret in its own data dir (the default place `trinca node`
  // looks), so one peer restarts alone with `trinca node --id --http --mqtt --data`. The copy
  // at the root is for tools (`trinca invite --secret-file`).
  const copySecret = (from: string, to: string) => {
    if (fs.existsSync(from) && !fs.existsSync(to)) fs.copyFileSync(from, to);
    if (fs.existsSync(to)) fs.chmodSync(to, 0o600);
  };
  const firstUrl = `http://127.0.0.1:${baseHttp}`;
  for (let i = 0; i < size; i++) {
    const id = `p${i + 1}`;
    const peerDir = path.join(dataRoot, id);
    fs.mkdirSync(peerDir, { recursive: true, mode: 0o700 });
    const ownSecret = path.join(peerDir, 'secret');
    copySecret(secretFile, ownSecret);
    const args = [BIN, 'node', '--id', id, '--http', String(baseHttp + i), '--mqtt', String(baseMqtt + i), '--data', peerDir, '--secret-file', ownSecret];
    if (stockScale) args.push('--stock-scale', String(stockScale));
    if (i > 0) args.push('--join', firstUrl);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const logPath = path.join(dataRoot, `${id}.log`);
    if (fs.existsSync(logPath)) fs.chmodSync(logPath, 0o600);
    const logFile = fs.createWriteStream(logPath, { flags: 'a', mode: 0o600 });
    child.stderr!.pipe(logFile);
    const ready = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const line = buf.split('\n').find((l) => l.startsWith('READY '));
        if (line) resolve(line);
      });
      child.once('exit', (code) => reject(new Error(`peer ${id} exited with code ${code} before it was ready (see ${path.join(dataRoot, id + '.log')})`)));
    }).catch((err: Error) => {
      process.stderr.write(`trinca: ${err.message}\n`);
      stopAll(1);
      return null;
    });
    if (!ready) return;
    copySecret(ownSecret, secretFile);
    process.stdout.write(`${ready}\n  ${id}: play at http://127.0.0.1:${baseHttp + i}/  (MQTT tcp://127.0.0.1:${baseMqtt + i})\n`);
    process.stdout.write(`  restart it alone: node ${path.relative(process.cwd(), BIN) || BIN} node --id ${id} --http ${baseHttp + i} --mqtt ${baseMqtt + i} --data ${peerDir}\n`);
    child.once('exit', (code, signal) => {
      if (!stopping) process.stderr.write(`trinca: peer ${id} exited (${signal ?? code}); the others keep running\n`);
    });
  }
  process.stdout.write(`trinca: ${size}-peer cluster running; data in ${dataRoot}; Ctrl-C stops all peers\n`);
}
