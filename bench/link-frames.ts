// Peer-link framing and transport costs (docs/architecture/link.md), on loopback between this
// process (the calling peer) and a child process (the called peer), for two typical bodies:
// a Raft AppendEntries with 10 small entries and a /game/replicate with one signed event of
// ~400 bytes.
//
//   npx tsx bench/link-frames.ts [--requests 20000] [--lockstep 2000] [--window 256] [--rounds 3]
//
// framing: raw WebSocket echo, binary length-delimited frames vs JSON frames, each either
//   coalesced per event-loop turn or one frame per message; both sides parse the body and
//   build the reply, no handler.
// path: the real stack — PeerClient over the peer link (LinkServer dispatching through the
//   Koa routers, zod validation) vs PeerClient over keep-alive HTTP to the same Koa app.
// dispatch: the link's router dispatch alone, in process.
// Figures per case: frames_per_s (pipelined, `window` calls in flight), rtt_us_p50/p99
// (lockstep, one call at a time), cpu_us_per_req (caller + called peer, and each side).
// Prints ONE JSON object on stdout.
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { createApp, type PeerState } from '../server/http/app.ts';
import { parseBody as parseRest } from '../server/http/errors.ts';
import { createMetrics } from '../server/metrics/metrics.ts';
import { PeerTokenSource } from '../server/security/jwt.ts';
import { PeerClient } from '../server/http/peer-client.ts';
import { PeerLinks } from '../server/link/links.ts';
import { LinkServer, LINK_PATH } from '../server/link/server.ts';
import { createDispatch } from '../server/link/dispatch.ts';
import { RouteTable } from '../server/http/route-table.ts';
import { routeUpgrade } from '../server/link/upgrade.ts';
import { FRAME_REPLY, decodeFrames, encodeReply, encodeRequest } from '../server/link/frames.ts';
import { FrameWriter } from '../server/link/writer.ts';
import { AppendBody, GameReplicateBody } from '../protocol/rest.ts';
import { percentile, round } from './support.ts';

const CLUSTER = 'bench-cluster';
const silent = pino({ level: 'silent' });

const BODIES = {
  append10: {
    path: '/eleicao/declarar_lider',
    body: {
      term: 7,
      leaderId: 'p1',
      prevLogIndex: 120_000,
      prevLogTerm: 7,
      entries: Array.from({ length: 10 }, (_, i) => ({ term: 7, index: 120_001 + i, kind: 'command', data: { type: 'BUY_PACK', requestId: `r-${i}-6f1c`, playerId: 'a1b2c3d4-0000-4000-8000-00000000000' + i } })),
      leaderCommit: 119_998,
    },
  },
  replicate400: {
    path: '/game/replicate',
    body: {
      matchId: 'm-3f9a2c71-5b8e-4d6a-9c1f-0e2d4b6a8c90',
      epoch: 1,
      fromSeq: 14,
      events: [
        {
          matchId: 'm-3f9a2c71-5b8e-4d6a-9c1f-0e2d4b6a8c90',
          epoch: 1,
          eventSeq: 14,
          type: 'CARD_PLAYED',
          at: 1764860000123,
          playerId: 'a1b2c3d4-0000-4000-8000-000000000001',
          requestId: 'req-0f6e3b2a-77c1',
          data: { card: { id: 'c-0042', name: 'Sete de Ouros', suit: 'ouros', value: 7, rarity: 'R' }, trick: 3 },
          prevHash: 'b5d4045c3f466fa91fe2cc6abe79232a1a57cdf104f7a26e716e0a1e2789df78',
          signature: 'hmac-sha256:3f0b5c1ad9e24f7a8c6b1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a',
        },
      ],
      stateHash: '9c56cc51b374c3ba189210d5b6d4bf57790d351c96c47c02190ecf1e430635ab',
    },
  },
} as const;
type BodyName = keyof typeof BODIES;

function replyFor(path: string, body: Record<string, unknown>): unknown {
  if (path === '/eleicao/declarar_lider') {
    const entries = body.entries as { index: number }[];
    return { term: body.term, success: true, matchIndex: entries.length ? entries[entries.length - 1].index : body.prevLogIndex };
  }
  return { status: 'replicated', eventSeq: (body.events as { eventSeq: number }[])[0].eventSeq };
}

function routers(): Router<PeerState>[] {
  const r = new Router<PeerState>();
  r.post('/eleicao/declarar_lider', (ctx) => {
    const b = parseRest(AppendBody, ctx.request.body);
    ctx.body = replyFor('/eleicao/declarar_lider', b as unknown as Record<string, unknown>);
  });
  r.post('/game/replicate', (ctx) => {
    const b = parseRest(GameReplicateBody, ctx.request.body);
    ctx.body = replyFor('/game/replicate', b as unknown as Record<string, unknown>);
  });
  return [r];
}

// ---- the called peer (child process) -------------------------------------------------------
async function serve(): Promise<void> {
  const key = Buffer.from(process.env.BENCH_KEY!, 'hex');
  const rs = new RouteTable().add('bench', ...routers());
  const app = createApp({ log: silent, metrics: createMetrics('bench'), selfId: 'bench', jwtKey: key, clusterId: () => CLUSTER, publicPaths: [] }, rs);
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 30_000;
  const link = new LinkServer({ log: silent, metrics: createMetrics('bench-link').link, jwtKey: key, clusterId: () => CLUSTER, isMember: () => true, dispatch: createDispatch(rs, silent) });
  // Raw framing echo servers: /raw/binary and /raw/json, ?coalesce=turn|frame.
  const raw = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 4 << 20 });
  server.on('upgrade', (req, socket, head) => {
    const u = new URL(req.url ?? '/', 'http://x');
    raw.handleUpgrade(req, socket, head, (ws) => (u.pathname === '/raw/json' ? rawJson(ws, u.searchParams.get('coalesce') === 'turn') : rawBinary(ws, u.searchParams.get('coalesce') === 'turn')));
  });
  routeUpgrade(server, LINK_PATH, (req, socket, head) => link.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.on('message', (m: { cpu?: boolean }) => {
    if (m.cpu) process.send!({ cpu: process.cpuUsage() });
  });
  process.send!({ port: (server.address() as { port: number }).port });
}

function rawBinary(ws: WebSocket, coalesce: boolean): void {
  const writer = new FrameWriter(ws, () => undefined);
  ws.on('message', (data: Buffer) => {
    for (const f of decodeFrames(data)) {
      if (f.kind !== 1) continue;
      const reply = encodeReply(f.id, 200, Buffer.from(JSON.stringify(replyFor(f.path, JSON.parse(f.body.toString('utf8'))))));
      if (coalesce) writer.push(reply);
      else ws.send(Buffer.concat(reply));
    }
  });
}

type JsonFrame = { i: number; p?: string; s?: number; b: unknown };
function rawJson(ws: WebSocket, coalesce: boolean): void {
  let queue: JsonFrame[] = [];
  let scheduled = false;
  ws.on('message', (data: Buffer) => {
    for (const f of JSON.parse(data.toString('utf8')) as JsonFrame[]) {
      const reply: JsonFrame = { i: f.i, s: 200, b: replyFor(f.p!, f.b as Record<string, unknown>) };
      if (!coalesce) {
        ws.send(JSON.stringify([reply]));
        continue;
      }
      queue.push(reply);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          const q = queue;
          queue = [];
          ws.send(JSON.stringify(q));
        });
      }
    }
  });
}

// ---- the calling peer ---------------------------------------------------------------------------
type Call = () => Promise<unknown>;

class Child {
  private waiting: ((cpu: NodeJS.CpuUsage) => void) | null = null;
  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: { cpu?: NodeJS.CpuUsage }) => {
      if (m.cpu && this.waiting) {
        this.waiting(m.cpu);
        this.waiting = null;
      }
    });
  }
  cpu(): Promise<NodeJS.CpuUsage> {
    return new Promise((r) => {
      this.waiting = r;
      this.proc.send({ cpu: true });
    });
  }
}

const cpuUs = (u: NodeJS.CpuUsage) => u.user + u.system;

type Result = Awaited<ReturnType<typeof measure>>;

function medianOf(list: Result[]): Result {
  const med = (k: keyof Result) => {
    const v = list.map((x) => x[k]).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  return Object.fromEntries(Object.keys(list[0]).map((k) => [k, med(k as keyof Result)])) as Result;
}

function setPath(o: Record<string, unknown>, dotted: string, v: unknown): void {
  const [section, ...rest] = dotted.split('.');
  const sec = (o[section] ??= {}) as Record<string, unknown>;
  sec[rest.join('.')] = v;
}

async function measure(child: Child, call: Call, requests: number, lockstep: number, window: number) {
  for (let i = 0; i < Math.min(500, requests); i++) await call(); // warm up
  // Pipelined: `window` calls in flight.
  const c0 = process.cpuUsage();
  const s0 = await child.cpu();
  const t0 = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (sent < requests) {
        sent++;
        await call();
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const own = cpuUs(process.cpuUsage(c0));
  const s1 = await child.cpu();
  const peer = cpuUs(s1) - cpuUs(s0);
  // Lockstep: one call at a time.
  const rtts: number[] = [];
  for (let i = 0; i < lockstep; i++) {
    const t = performance.now();
    await call();
    rtts.push((performance.now() - t) * 1000);
  }
  rtts.sort((a, b) => a - b);
  return {
    frames_per_s: Math.round(requests / (elapsed / 1000)),
    rtt_us_p50: round(percentile(rtts, 0.5), 1),
    rtt_us_p99: round(percentile(rtts, 0.99), 1),
    cpu_us_per_req: round((own + peer) / requests, 1),
    cpu_us_caller: round(own / requests, 1),
    cpu_us_called: round(peer / requests, 1),
  };
}

/** A raw WebSocket caller with its own framing (the echo servers above). */
async function rawCaller(port: number, codec: 'binary' | 'json', coalesce: boolean, name: BodyName): Promise<{ call: Call; close: () => void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/raw/${codec}?coalesce=${coalesce ? 'turn' : 'frame'}`, { perMessageDeflate: false });
  await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
  const pending = new Map<number, (v: unknown) => void>();
  let id = 1;
  const { path, body } = BODIES[name];
  if (codec === 'binary') {
    const writer = new FrameWriter(ws, () => undefined);
    ws.on('message', (data: Buffer) => {
      for (const f of decodeFrames(data)) {
        if (f.kind !== FRAME_REPLY) continue;
        const done = pending.get(f.id);
        pending.delete(f.id);
        done?.(JSON.parse(f.body.toString('utf8')));
      }
    });
    return {
      call: () =>
        new Promise((resolve) => {
          const i = id++;
          pending.set(i, resolve);
          const frame = encodeRequest(i, path, Buffer.from(JSON.stringify(body)));
          if (coalesce) writer.push(frame);
          else ws.send(Buffer.concat(frame));
        }),
      close: () => ws.terminate(),
    };
  }
  let queue: JsonFrame[] = [];
  let scheduled = false;
  ws.on('message', (data: Buffer) => {
    for (const f of JSON.parse(data.toString('utf8')) as JsonFrame[]) {
      const done = pending.get(f.i);
      pending.delete(f.i);
      done?.(f.b);
    }
  });
  return {
    call: () =>
      new Promise((resolve) => {
        const i = id++;
        pending.set(i, resolve);
        const f: JsonFrame = { i, p: path, b: body };
        if (!coalesce) return ws.send(JSON.stringify([f]));
        queue.push(f);
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => {
            scheduled = false;
            const q = queue;
            queue = [];
            ws.send(JSON.stringify(q));
          });
        }
      }),
    close: () => ws.terminate(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '20000' }, lockstep: { type: 'string', default: '2000' }, window: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' } },
  });
  const rounds = Number(values.rounds);
  const requests = Number(values.requests);
  const lockstep = Number(values.lockstep);
  const window = Number(values.window);
  const key = randomBytes(32);
  const proc = fork(fileURLToPath(import.meta.url), ['--serve'], { execArgv: process.execArgv, env: { ...process.env, BENCH_KEY: key.toString('hex') } });
  const child = new Child(proc);
  const port = await new Promise<number>((r) => proc.once('message', (m: { port: number }) => r(m.port)));
  const out: Record<string, unknown> = { requests, lockstep, window, rounds, node: process.version, cores: (await import('node:os')).cpus().length };
  try {
    // Every case runs once per round, rounds interleaved, and each figure is the median over
    // rounds: the machine is shared, so a single pass mostly measures the neighbours.
    const cases: [string, () => Promise<Result>][] = [];
    for (const name of Object.keys(BODIES) as BodyName[]) {
      for (const codec of ['binary', 'json'] as const) {
        for (const coalesce of [true, false]) {
          cases.push([`framing.${name}.${codec}.${coalesce ? 'coalesced' : 'one_per_message'}`, async () => {
            const c = await rawCaller(port, codec, coalesce, name);
            try {
              return await measure(child, c.call, requests, lockstep, window);
            } finally {
              c.close();
            }
          }]);
        }
      }
    }
    const base = `http://127.0.0.1:${port}`;
    const tokens = new PeerTokenSource(key, () => CLUSTER, 'p1');
    for (const name of Object.keys(BODIES) as BodyName[]) {
      const { path: p, body } = BODIES[name];
      cases.push([`path.${name}.link`, async () => {
        const links = new PeerLinks({ tokens });
        const viaLink = new PeerClient(tokens, links);
        try {
          await viaLink.post(base, p, body); // opens the link (this first call takes HTTP)
          while (links.state(base) !== 'up') await new Promise((r) => setTimeout(r, 10));
          return await measure(child, () => viaLink.post(base, p, body, { timeoutMs: 10_000 }), requests, lockstep, window);
        } finally {
          viaLink.close();
        }
      }]);
      cases.push([`path.${name}.http`, async () => {
        const viaHttp = new PeerClient(tokens, null);
        try {
          return await measure(child, () => viaHttp.post(base, p, body, { timeoutMs: 10_000 }), Math.round(requests / 4), lockstep, 32);
        } finally {
          viaHttp.close();
        }
      }]);
    }
    const results = new Map<string, Result[]>();
    for (let r = 0; r < rounds; r++) {
      for (const [name, run] of cases) {
        const list = results.get(name) ?? [];
        list.push(await run());
        results.set(name, list);
      }
    }
    for (const [name, list] of results) setPath(out, name, medianOf(list));

    const dispatch = createDispatch(new RouteTable().add('bench', ...routers()), silent);
    const d: Record<string, number> = {};
    for (const name of Object.keys(BODIES) as BodyName[]) {
      const { path: p, body } = BODIES[name];
      const json = JSON.stringify(body);
      for (let i = 0; i < 2000; i++) await dispatch(p, JSON.parse(json), 'p1');
      const n = requests;
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) await dispatch(p, JSON.parse(json), 'p1');
      d[`${name}.us_per_req_with_parse_and_zod`] = round(cpuUs(process.cpuUsage(c0)) / n, 2);
      const empty = createDispatch(new RouteTable().add('bench', new Router<PeerState>().post(p, (ctx) => void (ctx.body = { ok: true }))), silent);
      const c1 = process.cpuUsage();
      for (let i = 0; i < n; i++) await empty(p, undefined, 'p1');
      d[`${name}.us_per_req_router_only`] = round(cpuUs(process.cpuUsage(c1)) / n, 2);
    }
    out.dispatch = d;
  } finally {
    proc.kill();
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

if (process.argv.includes('--serve')) void serve();
else
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
