// A real Trinca node process started through the CLI, for integration tests.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin/trinca.js');

/** The abuse limits (docs/security.md) raised for tests, benchmarks and the chaos campaign. */
export const RAISED_LIMITS = ['--max-new-players-per-ip', '1000000', '--max-players', '1000000', '--rate-limit-scale', '1000', '--max-connections-per-ip', '100000'];

export interface PeerOptions {
  id: string;
  dataDir: string;
  httpPort: number;
  mqttPort: number;
  secretFile?: string;
  join?: string[];
  extraArgs?: string[];
  env?: Record<string, string>;
}

export class Peer {
  proc: ChildProcess | null = null;
  stderr = '';
  stdout = '';
  constructor(readonly opts: PeerOptions) {}

  get id(): string {
    return this.opts.id;
  }
  get url(): string {
    return `http://127.0.0.1:${this.opts.httpPort}`;
  }
  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.opts.mqttPort}`;
  }
  get wsUrl(): string {
    return `ws://127.0.0.1:${this.opts.httpPort}/mqtt`;
  }

  args(): string[] {
    const o = this.opts;
    const a = ['node', '--id', o.id, '--http', String(o.httpPort), '--mqtt', String(o.mqttPort), '--data', o.dataDir];
    if (o.secretFile) a.push('--secret-file', o.secretFile);
    if (o.join?.length) a.push('--join', o.join.join(','));
    // Tests open many players and connections from 127.0.0.1 and send commands fast: the
    // abuse limits are raised here, explicitly; a test of a limit passes its own value
    // in extraArgs (the last value of a flag wins).
    return [...a, ...RAISED_LIMITS, ...(o.extraArgs ?? [])];
  }

  /** Starts the process and resolves on its READY line. */
  async start(timeoutMs = 20_000): Promise<void> {
    this.stdout = '';
    this.stderr = '';
    // TRINCA_NODE_ARGS: extra node flags for every peer (profiling a benchmark run).
    const proc = spawn(process.execPath, [...(process.env.TRINCA_NODE_ARGS?.split(" ").filter(Boolean) ?? []), BIN, ...this.args()], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRINCA_LOG_LEVEL: process.env.TRINCA_LOG_LEVEL ?? 'warn', ...this.opts.env },
    });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id} not READY after ${timeoutMs} ms\n${this.stderr.slice(-2000)}`)), timeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        this.stdout += d.toString();
        if (this.stdout.includes('READY ')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.id} exited with ${code} before READY: ${this.stderr.slice(-2000)}`));
      });
    });
  }

  kill9(): void {
    this.proc?.kill('SIGKILL');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return p?.exitCode ?? null;
    return new Promise((resolve) => {
      p.once('exit', (code) => resolve(code));
      p.kill(signal);
    });
  }

  async waitExit(): Promise<number | null> {
    const p = this.proc;
    if (!p) return null;
    if (p.exitCode !== null || p.signalCode !== null) return p.exitCode;
    return new Promise((resolve) => p.once('exit', (code) => resolve(code)));
  }
}

/** Runs the CLI to completion and returns its exit code and output (for bad-flag tests). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRINCA_LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix = 'trinca-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A test cluster of real node processes: p1 bootstraps, the others join it. */
export class TestCluster {
  readonly peers: Peer[] = [];
  readonly root: string;
  readonly secretFile: string;

  private constructor(root: string) {
    this.root = root;
    this.secretFile = path.join(root, 'secret');
  }

  static async start(size = 3, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<TestCluster> {
    const c = new TestCluster(tempDir());
    const ports = await freePorts(size * 2);
    for (let i = 0; i < size; i++) {
      const id = `p${i + 1}`;
      c.peers.push(
        new Peer({
          id,
          dataDir: path.join(c.root, id),
          httpPort: ports[2 * i],
          mqttPort: ports[2 * i + 1],
          secretFile: c.secretFile,
          join: i === 0 ? undefined : [`http://127.0.0.1:${ports[0]}`],
          extraArgs,
          env,
        }),
      );
    }
    await c.peers[0].start();
    await Promise.all(c.peers.slice(1).map((p) => p.start()));
    return c;
  }

  peer(id: string): Peer {
    const p = this.peers.find((x) => x.id === id);
    if (!p) throw new Error(`no peer ${id}`);
    return p;
  }

  async stop(): Promise<void> {
    // With TRINCA_NODE_ARGS (e.g. --cpu-prof for a benchmark) the peers stop cleanly, so
    // node can write its profiles on exit.
    await Promise.all(this.peers.map((p) => p.stop(process.env.TRINCA_NODE_ARGS ? 'SIGTERM' : 'SIGKILL')));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
