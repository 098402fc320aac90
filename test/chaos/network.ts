// The campaign's network: where each peer listens, how the nemesis cuts links, and cleanup.
//
// netns  Each peer runs in its own Linux network namespace (`ip netns exec <ns> node …`) with
//        its own address 10.77.S.(10+i) on a veth pair whose root end sits on a bridge
//        (10.77.S.1) in the root namespace, where the clients (bots, checker) run. A link is
//        cut by making every frame from peer a to peer b vanish: a permanent neighbour entry
//        in a's namespace maps b's address to a MAC nobody owns. That is a silent DROP of
//        a→b packets (connections hang and time out, like a real partition), one-way by
//        construction, and needs nothing but iproute2 (this machine has neither iptables nor
//        nft, and its kernel has no tc drop action). Client traffic (from 10.77.S.1) is
//        never cut.
// proxy  Fallback where namespaces are unavailable (not root): peers listen on loopback and
//        advertise a per-peer HTTP proxy; the proxy reads the caller's peer JWT (server_id)
//        and, for a cut a→b, holds a's requests to b unanswered (a→b dropped) or forwards
//        them and swallows the answer (b→a dropped). Inter-peer traffic is all HTTP, so
//        this cuts exactly the peer links; players connect to the real ports.
import { execFile, execFileSync } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { freePorts } from '../support/ports.ts';

const run = promisify(execFile);

export interface PeerEndpoint {
  id: string;
  /** --host for the node. */
  host: string;
  httpPort: number;
  mqttPort: number;
  /** --advertise: how the other peers reach it. */
  advertise: string;
  /** How clients (in the root namespace) reach it. */
  httpUrl: string;
  mqttUrl: string;
}

export interface ChaosNetwork {
  readonly kind: 'netns' | 'proxy';
  readonly endpoints: PeerEndpoint[];
  /** The program and arguments that start `argv` (a node command line) for peer i. */
  command(i: number, argv: string[]): { file: string; args: string[] };
  /** Drops every packet from peer a to peer b, for each [a, b]. */
  cut(pairs: [number, number][]): Promise<void>;
  /** Restores every link. */
  heal(): Promise<void>;
  teardown(): Promise<void>;
  /** Synchronous last-resort cleanup (process exit). */
  teardownSync(): void;
}

const BOGUS_MAC = '02:de:ad:be:ef:00';
const PREFIX = 'trc';
let runCounter = 0;
/** Names carry the owning process: its pid in 5 base-36 digits, then a run digit. */
const PID36 = (pid: number) => pid.toString(36).padStart(5, '0');
const owner = (pid36: string) => parseInt(pid36, 36);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ip(args: string[]): Promise<string> {
  const r = await run('ip', args, { timeout: 10_000 });
  return r.stdout;
}

/** Namespaces and links left by campaigns whose process is gone (a crashed or killed run). */
export async function cleanupStale(log: (s: string) => void = () => undefined): Promise<number> {
  let removed = 0;
  let nsList: string;
  try {
    nsList = await ip(['netns', 'list']);
  } catch {
    return 0;
  }
  for (const line of nsList.split('\n')) {
    const name = line.split(' ')[0];
    const m = new RegExp(`^${PREFIX}([0-9a-z]{5})\\d-(p\\d+|probe)$`).exec(name);
    if (!m || alive(owner(m[1]))) continue;
    // Processes still running inside a stale namespace are that dead run's nodes.
    const pids = (await ip(['netns', 'pids', name]).catch(() => '')).split('\n').map(Number).filter((p) => p > 0);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await ip(['netns', 'del', name]).catch(() => undefined);
    log(`removed stale namespace ${name} (${pids.length} orphan processes killed)`);
    removed++;
  }
  const links = await ip(['-o', 'link']).catch(() => '');
  for (const m of links.matchAll(new RegExp(`^\\d+: (${PREFIX}[bv]([0-9a-z]{5})\\d(?:p\\d+)?)[@:]`, 'gm'))) {
    if (alive(owner(m[2]))) continue;
    await ip(['link', 'del', m[1]]).catch(() => undefined);
    log(`removed stale link ${m[1]}`);
    removed++;
  }
  return removed;
}

/** Whether this process may create network namespaces (root, iproute2 present). */
export async function netnsAvailable(): Promise<boolean> {
  if (process.platform !== 'linux') return false;
  const name = `${PREFIX}${PID36(process.pid)}9-probe`;
  try {
    await ip(['netns', 'add', name]);
    await ip(['netns', 'del', name]);
    return true;
  } catch {
    return false;
  }
}

export class NetnsNetwork implements ChaosNetwork {
  readonly kind = 'netns' as const;
  endpoints: PeerEndpoint[] = [];
  private readonly tag: string;
  private subnet = 0;
  private cuts = new Set<string>();

  constructor(private readonly size: number) {
    this.tag = `${PID36(process.pid)}${runCounter++ % 9}`;
  }

  ns(i: number): string {
    return `${PREFIX}${this.tag}-p${i + 1}`;
  }
  private bridge(): string {
    return `${PREFIX}b${this.tag}`;
  }
  private veth(i: number): string {
    return `${PREFIX}v${this.tag}p${i + 1}`;
  }
  private addr(i: number): string {
    return `10.77.${this.subnet}.${11 + i}`;
  }

  async setup(): Promise<void> {
    await cleanupStale();
    // A /24 nobody on this machine uses (other campaigns may run at the same time).
    const used = await ip(['-o', '-4', 'addr']);
    const start = (process.pid % 200) + 20;
    for (let k = 0; k < 230 && !this.subnet; k++) {
      const s = ((start + k) % 230) + 20;
      if (!used.includes(`10.77.${s}.`)) this.subnet = s;
    }
    if (!this.subnet) throw new Error('no free 10.77.x.0/24 subnet for the campaign bridge');
    const br = this.bridge();
    await ip(['link', 'add', br, 'type', 'bridge']);
    await ip(['addr', 'add', `10.77.${this.subnet}.1/24`, 'dev', br]);
    await ip(['link', 'set', br, 'up']);
    for (let i = 0; i < this.size; i++) {
      const ns = this.ns(i);
      await ip(['netns', 'add', ns]);
      await ip(['link', 'add', this.veth(i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await ip(['link', 'set', this.veth(i), 'master', br]);
      await ip(['link', 'set', this.veth(i), 'up']);
      await ip(['-n', ns, 'addr', 'add', `${this.addr(i)}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      const host = this.addr(i);
      this.endpoints.push({
        id: `p${i + 1}`,
        host,
        httpPort: 7080,
        mqttPort: 7883,
        advertise: `http://${host}:7080`,
        httpUrl: `http://${host}:7080`,
        mqttUrl: `mqtt://${host}:7883`,
      });
    }
  }

  command(i: number, argv: string[]): { file: string; args: string[] } {
    return { file: 'ip', args: ['netns', 'exec', this.ns(i), ...argv] };
  }

  async cut(pairs: [number, number][]): Promise<void> {
    for (const [a, b] of pairs) {
      if (a === b) continue;
      await ip(['-n', this.ns(a), 'neigh', 'replace', this.addr(b), 'lladdr', BOGUS_MAC, 'dev', 'eth0', 'nud', 'permanent']);
      this.cuts.add(`${a},${b}`);
    }
  }

  async heal(): Promise<void> {
    for (const c of this.cuts) {
      const [a, b] = c.split(',').map(Number);
      await ip(['-n', this.ns(a), 'neigh', 'del', this.addr(b), 'dev', 'eth0']).catch(() => undefined);
    }
    this.cuts.clear();
  }

  async teardown(): Promise<void> {
    for (let i = 0; i < this.size; i++) await ip(['netns', 'del', this.ns(i)]).catch(() => undefined);
    await ip(['link', 'del', this.bridge()]).catch(() => undefined);
  }

  teardownSync(): void {
    for (let i = 0; i < this.size; i++) {
      try {
        execFileSync('ip', ['netns', 'del', this.ns(i)], { stdio: 'ignore' });
      } catch {
        // gone already
      }
    }
    try {
      execFileSync('ip', ['link', 'del', this.bridge()], { stdio: 'ignore' });
    } catch {
      // gone already
    }
  }
}

/** The caller's server_id, read (not verified: the node verifies) from its peer JWT. */
function callerOf(req: http.IncomingMessage): string | null {
  const m = /^Bearer [^.]+\.([^.]+)\./.exec(req.headers.authorization ?? '');
  if (!m) return null;
  try {
    const claims = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as { server_id?: unknown };
    return typeof claims.server_id === 'string' ? claims.server_id : null;
  } catch {
    return null;
  }
}

export class ProxyNetwork implements ChaosNetwork {
  readonly kind = 'proxy' as const;
  endpoints: PeerEndpoint[] = [];
  private servers: http.Server[] = [];
  private cuts = new Set<string>();
  private held = new Set<http.ServerResponse>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly size: number) {}

  async setup(): Promise<void> {
    const ports = await freePorts(this.size * 3);
    for (let i = 0; i < this.size; i++) {
      const [httpPort, mqttPort, proxyPort] = ports.slice(3 * i, 3 * i + 3);
      this.endpoints.push({
        id: `p${i + 1}`,
        host: '127.0.0.1',
        httpPort,
        mqttPort,
        advertise: `http://127.0.0.1:${proxyPort}`,
        httpUrl: `http://127.0.0.1:${httpPort}`,
        mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
      });
      const server = http.createServer((req, res) => this.forward(i, req, res));
      server.keepAliveTimeout = 30_000;
      await new Promise<void>((resolve) => server.listen(proxyPort, '127.0.0.1', resolve));
      this.servers.push(server);
    }
  }

  private index(id: string | null): number {
    return id ? this.endpoints.findIndex((e) => e.id === id) : -1;
  }

  private forward(to: number, req: http.IncomingMessage, res: http.ServerResponse): void {
    const from = this.index(callerOf(req));
    if (from >= 0 && this.cuts.has(`${from},${to}`)) {
      // a → b dropped: the request never arrives; the caller times out.
      this.held.add(res);
      req.resume();
      res.on('close', () => this.held.delete(res));
      return;
    }
    const swallow = from >= 0 && this.cuts.has(`${to},${from}`);
    const up = http.request(
      { host: '127.0.0.1', port: this.endpoints[to].httpPort, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
      (ur) => {
        if (swallow) {
          // b → a dropped: the request was served, its answer never comes back.
          ur.resume();
          this.held.add(res);
          res.on('close', () => this.held.delete(res));
          return;
        }
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  }

  command(_i: number, argv: string[]): { file: string; args: string[] } {
    return { file: argv[0], args: argv.slice(1) };
  }

  async cut(pairs: [number, number][]): Promise<void> {
    for (const [a, b] of pairs) if (a !== b) this.cuts.add(`${a},${b}`);
  }

  async heal(): Promise<void> {
    this.cuts.clear();
  }

  async teardown(): Promise<void> {
    for (const r of this.held) r.destroy();
    this.held.clear();
    for (const s of this.servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
    this.agent.destroy();
  }

  teardownSync(): void {
    for (const s of this.servers) s.closeAllConnections();
  }
}

export async function createNetwork(size: number, want: 'auto' | 'netns' | 'proxy' = 'auto'): Promise<ChaosNetwork> {
  const useNetns = want === 'netns' || (want === 'auto' && (await netnsAvailable()));
  const net = useNetns ? new NetnsNetwork(size) : new ProxyNetwork(size);
  try {
    await net.setup();
  } catch (err) {
    await net.teardown().catch(() => undefined);
    throw err;
  }
  return net;
}
