// `trinca cluster`: a local cluster of N peers on loopback, each its own OS process
// (so one can be killed like a friend's computer going away). Ctrl-C stops them all.
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/trinca.js');

function int(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw Object.assign(new Error(`--${name} must be an integer ${min}–${max}, got "${v}"`), { code: 'ERR_PARSE_ARGS_USAGE' });
  return n;
}

export async function runCluster(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      size: { type: 'string' },
      'base-http': { type: 'string' },
      'base-mqtt': { type: 'string' },
      data: { type: 'string' },
      'stock-scale': { type: 'string' },
    },
  });
  const size = int('size', values.size, 3, 1, 9);
  const baseHttp = int('base-http', values['base-http'], 8081, 1, 65535 - size);
  const baseMqtt = int('base-mqtt', values['base-mqtt'], 1884, 1, 65535 - size);
  const dataRoot = path.resolve(values.data ?? '.trinca/cluster');
  fs.mkdirSync(dataRoot, { recursive: true });
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
    fs.mkdirSync(peerDir, { recursive: true });
    const ownSecret = path.join(peerDir, 'secret');
    copySecret(secretFile, ownSecret);
    const args = [BIN, 'node', '--id', id, '--http', String(baseHttp + i), '--mqtt', String(baseMqtt + i), '--data', peerDir, '--secret-file', ownSecret];
    if (values['stock-scale']) args.push('--stock-scale', values['stock-scale']);
    if (i > 0) args.push('--join', firstUrl);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const logFile = fs.createWriteStream(path.join(dataRoot, `${id}.log`), { flags: 'a' });
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
