// The campaign's cluster: real node processes started through the CLI (bin/trinca.js), one
// per network endpoint, with the knobs the nemesis needs: kill -9, restart, SIGSTOP/SIGCONT,
// and tearing the tail of the Raft WAL while a peer is down.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, RAISED_LIMITS } from '../support/peer.ts';
import { peerToken } from '../support/http.ts';
import type { ChaosNetwork, PeerEndpoint } from './network.ts';

export interface ClusterOptions {
  root: string;
  network: ChaosNetwork;
  turnMs: number;
  forfeitMs: number;
  snapshotEvery: number;
  /** --stock-scale: 2,800 cards per unit (a 10-minute campaign sells ~1,000 packs). */
  stockScale: number;
  logLevel?: string;
}

export class ChaosPeer {
  proc: ChildProcess | null = null;
  paused = false;
  private log: fs.WriteStream;
  private tail = '';

  constructor(
    readonly index: number,
    readonly ep: PeerEndpoint,
    readonly dataDir: string,
    private readonly argv: string[],
    private readonly cluster: ChaosCluster,
    logFile: string,
  ) {
    this.log = fs.createWriteStream(logFile, { flags: 'a' });
  }

  get id(): string {
    return this.ep.id;
  }
  get up(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }
  /** The last lines the node wrote on stderr. */
  get lastOutput(): string {
    return this.tail.slice(-2000);
  }

  async start(timeoutMs = 30_000): Promise<void> {
    if (this.up) return;
    const { file, args } = this.cluster.network.command(this.index, [process.execPath, BIN, ...this.argv]);
    const proc = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TRINCA_LOG_LEVEL: this.cluster.opts.logLevel ?? 'warn', TRINCA_SNAPSHOT_EVERY: String(this.cluster.opts.snapshotEvery) },
    });
    this.proc = proc;
    this.paused = false;
    this.log.write(`\n==== start ${new Date().toISOString()} pid ${proc.pid}\n`);
    const onErr = (d: Buffer) => {
      this.log.write(d);
      this.tail = (this.tail + d.toString()).slice(-8000);
    };
    proc.stderr!.on('data', onErr);
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.id} not READY after ${timeoutMs} ms: ${this.lastOutput}`)), timeoutMs);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('READY ')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`${this.id} exited (${code ?? sig}) before READY: ${this.lastOutput}`));
      });
    });
  }

  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p || !this.up) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await exited;
    this.paused = false;
  }

  pause(): void {
    if (this.up && !this.paused) {
      this.proc!.kill('SIGSTOP');
      this.paused = true;
    }
  }

  resume(): void {
    if (this.up && this.paused) this.proc!.kill('SIGCONT');
    this.paused = false;
  }

  /**
   * Tears the last record of the last WAL segment (peer down): cuts `bytes` (at most the
   * record's length − 1) off the end, like a write that was in flight when power went.
   * Never touches the segment's header record. Returns what was done.
   */
  tearWal(bytes: number): { segment: string; size: number; cut: number } | { skipped: string } {
    if (this.up) throw new Error(`${this.id} is running: tear its WAL only while it is down`);
    const dir = path.join(this.dataDir, 'raft', 'wal');
    const segs = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.wal')).sort() : [];
    if (segs.length === 0) return { skipped: 'no WAL segment' };
    const file = path.join(dir, segs[segs.length - 1]);
    const buf = fs.readFileSync(file);
    // Walk the records ([u32 len][u32 crc][payload]) to find where the last one starts.
    let off = 0;
    let last = -1;
    let count = 0;
    while (off + 8 <= buf.length) {
      const len = buf.readUInt32LE(off);
      if (len === 0 || off + 8 + len > buf.length) break;
      last = off;
      count++;
      off += 8 + len;
    }
    if (count < 2 || last < 0) return { skipped: `segment ${segs[segs.length - 1]} holds ${count} record(s): nothing to tear` };
    const recordLen = off - last;
    const cut = Math.max(1, Math.min(bytes, recordLen - 1));
    fs.truncateSync(file, off - cut);
    return { segment: segs[segs.length - 1], size: off, cut };
  }

  async close(): Promise<void> {
    if (this.paused) this.resume();
    await this.kill9();
    await new Promise<void>((r) => this.log.end(() => r()));
  }
}

export class ChaosCluster {
  readonly peers: ChaosPeer[] = [];
  readonly secretFile: string;
  clusterId = '';
  private tokenCache: { token: string; at: number } | null = null;

  constructor(
    readonly network: ChaosNetwork,
    readonly opts: ClusterOptions,
  ) {
    this.secretFile = path.join(opts.root, 'secret');
    network.endpoints.forEach((ep, i) => {
      const argv = [
        'node',
        '--id', ep.id,
        '--host', ep.host,
        '--advertise', ep.advertise,
        '--http', String(ep.httpPort),
        '--mqtt', String(ep.mqttPort),
        '--data', path.join(opts.root, ep.id),
        '--secret-file', this.secretFile,
        '--turn-ms', String(opts.turnMs),
        '--forfeit-ms', String(opts.forfeitMs),
        '--stock-scale', String(opts.stockScale),
        // The bots register players from one address and send fast: limits raised explicitly.
        ...RAISED_LIMITS,
      ];
      if (i > 0) argv.push('--join', network.endpoints[0].advertise);
      this.peers.push(new ChaosPeer(i, ep, path.join(opts.root, ep.id), argv, this, path.join(opts.root, `${ep.id}.log`)));
    });
  }

  /** p1 bootstraps; the others join it. */
  async start(): Promise<void> {
    await this.peers[0].start();
    this.clusterId = ((await (await fetch(`${this.peers[0].ep.httpUrl}/health`)).json()) as { clusterId: string }).clusterId;
    for (const p of this.peers.slice(1)) await p.start();
  }

  async token(): Promise<string> {
    if (!this.tokenCache || Date.now() - this.tokenCache.at > 30_000) {
      this.tokenCache = { token: await peerToken(this.secretFile, this.clusterId, this.peers[0].ep.id) /* a member: peer JWTs must name one */, at: Date.now() };
    }
    return this.tokenCache.token;
  }

  /** An authenticated call to a peer; throws on network errors and timeouts. */
  async call<T = Record<string, unknown>>(i: number, method: 'GET' | 'POST', p: string, body?: unknown, timeoutMs = 5000): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.peers[i].ep.httpUrl}${p}`, {
      method,
      headers: { authorization: `Bearer ${await this.token()}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { raw: text };
    }
    return { status: res.status, body: parsed as T };
  }

  /** Index of the Raft leader most live peers name, or null. */
  async leader(): Promise<number | null> {
    const votes = new Map<string, number>();
    await Promise.all(
      this.peers.map(async (p, i) => {
        if (!p.up || p.paused) return;
        const r = await this.call<{ leader?: string | null }>(i, 'GET', '/estoque/status', undefined, 1500).catch(() => null);
        const l = r?.body.leader;
        if (l) votes.set(l, (votes.get(l) ?? 0) + 1);
      }),
    );
    const best = [...votes].sort((a, b) => b[1] - a[1])[0];
    if (!best) return null;
    const idx = this.peers.findIndex((p) => p.id === best[0]);
    return idx >= 0 ? idx : null;
  }

  /** Every peer answers, names the same leader, sees every other peer alive and as a voter. */
  async healthy(): Promise<boolean> {
    const n = this.peers.length;
    const views = await Promise.all(
      this.peers.map((_, i) =>
        fetch(`${this.peers[i].ep.httpUrl}/servers`, { signal: AbortSignal.timeout(2000) })
          .then((r) => r.json() as Promise<{ id: string; alive: boolean; raftRole: string }[]>)
          .catch(() => null),
      ),
    );
    if (views.some((v) => !v || v.length !== n || v.some((s) => !s.alive || s.raftRole === 'learner' || s.raftRole === 'unknown'))) return false;
    return (await this.leader()) !== null;
  }

  async close(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.close()));
  }

  /** Synchronous last resort (process exit): SIGKILL every node this campaign started. */
  killAllSync(): void {
    for (const p of this.peers) {
      try {
        if (p.up) {
          p.proc!.kill('SIGCONT');
          p.proc!.kill('SIGKILL');
        }
      } catch {
        // gone
      }
    }
  }
}
