// The peer link (docs/architecture/link.md) with real node processes and real sockets:
// authentication at upgrade, token expiry and renewal, framing errors, removal of a member,
// reconnection after kill -9, fallback to REST while a peer serves no link, answers identical
// to REST, and heartbeats unaffected by a saturated link. The test speaks the link itself
// (it holds the cluster secret, as any peer does) and reads the nodes' own link metrics.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { TestCluster, waitFor, type Peer } from '../support/peer.ts';
import { getJson, postJson, jwtKeyFromSecretFile } from '../support/http.ts';
import { StockClient } from '../support/stock.ts';
import { TestPlayer } from '../support/player.ts';
import { FRAME_REPLY, decodeFrames, encodeRequest, encodeToken } from '../../server/link/frames.ts';

/** The nodes' peer JWTs live 3 s here, so their links must renew several times per test. */
const TTL_S = 3;

interface Answer {
  status: number;
  body: unknown;
}
type Refusal = { refused: true; status: number; body: { error: string; message: string } };

/** A link opened by the test, as a peer would open it. */
class TestLink {
  private readonly pending = new Map<number, (a: Answer) => void>();
  private nextId = 1;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => {
      for (const f of decodeFrames(data)) {
        if (f.kind !== FRAME_REPLY) continue;
        const done = this.pending.get(f.id);
        this.pending.delete(f.id);
        done?.({ status: f.status, body: f.body.length ? JSON.parse(f.body.toString()) : undefined });
      }
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Queues one request frame (several queued in one turn can share a message: see sendAll). */
  frame(path: string, body: unknown): { bytes: Buffer[]; answer: Promise<Answer> } {
    return this.rawFrame(path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)));
  }

  rawFrame(path: string, body: Buffer | undefined): { bytes: Buffer[]; answer: Promise<Answer> } {
    const id = this.nextId++;
    const answer = new Promise<Answer>((resolve) => this.pending.set(id, resolve));
    return { bytes: encodeRequest(id, path, body), answer };
  }

  call(path: string, body: unknown): Promise<Answer> {
    const f = this.frame(path, body);
    this.ws.send(Buffer.concat(f.bytes));
    return f.answer;
  }

  /** Many requests in ONE WebSocket message, answered by id (pipelined). */
  callMany(calls: [string, unknown][]): Promise<Answer[]> {
    const frames = calls.map(([p, b]) => this.frame(p, b));
    this.ws.send(Buffer.concat(frames.flatMap((f) => f.bytes)));
    return Promise.all(frames.map((f) => f.answer));
  }

  renew(token: string): void {
    this.ws.send(Buffer.concat(encodeToken(token)));
  }

  close(): void {
    this.ws.terminate();
  }
}

function dial(peer: Peer, token: string | undefined): Promise<TestLink | Refusal> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${peer.opts.httpPort}/peer/link`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
    });
    ws.once('open', () => resolve(new TestLink(ws)));
    ws.once('unexpected-response', (req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        ws.on('error', () => undefined);
        req.destroy();
        resolve({ refused: true, status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
    });
    ws.once('error', reject);
  });
}

async function mustDial(peer: Peer, token: string): Promise<TestLink> {
  const l = await dial(peer, token);
  if ('refused' in l) throw new Error(`link refused: ${l.status} ${JSON.stringify(l.body)}`);
  return l;
}

describe('peer link (real processes)', () => {
  let cluster: TestCluster;
  let clusterId: string;
  let key: Uint8Array;
  let stock: StockClient;

  const sign = (serverId: string, o: { key?: Uint8Array; aud?: string; iat?: number; exp?: number } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const aud = o.aud ?? `trinca:${clusterId}`;
    return new SignJWT({ server_id: serverId })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(o.iat ?? now)
      .setExpirationTime(o.exp ?? now + 30)
      .setIssuer(aud)
      .setAudience(aud)
      .sign(o.key ?? key);
  };
  const metrics = async (peer: Peer): Promise<string> => {
    const res = await fetch(`${peer.url}/metrics`, { headers: { authorization: `Bearer ${await sign('p1')}` } });
    return res.text();
  };
  /** Sum of a metric's samples whose labels include every `labels` pair. */
  const metric = async (peer: Peer, name: string, labels: Record<string, string> = {}): Promise<number> => {
    let sum = 0;
    for (const line of (await metrics(peer)).split('\n')) {
      if (!line.startsWith(name + '{')) continue;
      if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
  const votes = (candidateId: string) => ({ term: 0, candidateId, lastLogIndex: 0, lastLogTerm: 0, preVote: true });

  beforeAll(async () => {
    cluster = await TestCluster.start(3, [], { TRINCA_PEER_TOKEN_TTL_S: String(TTL_S), TRINCA_LOG_LEVEL: 'info' });
    clusterId = (await getJson<{ clusterId: string }>(`${cluster.peers[0].url}/health`)).body.clusterId;
    key = jwtKeyFromSecretFile(cluster.secretFile);
    stock = new StockClient(cluster, clusterId);
    await waitFor('three live voters', async () => {
      const s = await getJson<{ alive: boolean; raftRole: string }[]>(`${cluster.peers[0].url}/servers`);
      return s.body.length === 3 && s.body.every((x) => x.alive && x.raftRole !== 'learner');
    }, 30_000, 200);
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('refuses an upgrade without a valid member token, with the REST codes', async () => {
    const p1 = cluster.peers[0];
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | undefined, number, string][] = [
      ['no token', undefined, 401, 'AUTH_MISSING'],
      ['malformed', 'not-a-jwt', 401, 'AUTH_MALFORMED'],
      ['wrong key', await sign('p2', { key: randomBytes(32) }), 401, 'AUTH_INVALID'],
      ['expired', await sign('p2', { iat: now - 120, exp: now - 60 }), 401, 'AUTH_EXPIRED'],
      ['other cluster', await sign('p2', { aud: 'trinca:another-cluster' }), 401, 'AUTH_WRONG_CLUSTER'],
      ['not a member', await sign('intruder'), 403, 'NOT_A_MEMBER'],
    ];
    for (const [name, token, status, code] of cases) {
      const r = await dial(p1, token);
      expect('refused' in r, name).toBe(true);
      if (!('refused' in r)) continue;
      expect(r.status, name).toBe(status);
      expect(r.body.error, name).toBe(code);
      expect(r.body.message.length, name).toBeGreaterThan(0);
    }
    expect(await metric(p1, 'trinca_link_refused_total', { code: 'NOT_A_MEMBER' })).toBeGreaterThanOrEqual(1);
    expect(await metric(p1, 'trinca_link_refused_total', { code: 'AUTH_EXPIRED' })).toBeGreaterThanOrEqual(1);
    // MQTT over WebSocket on the same port still works beside the link.
    const player = TestPlayer.fresh();
    await player.connect(p1.wsUrl);
    await player.close();
  });

  it("keeps the nodes' own links up across renewals of their 3-second tokens", async () => {
    // Let the nodes run for several token lifetimes.
    await new Promise((r) => setTimeout(r, 3 * TTL_S * 1000));
    // The leader dials every follower (links open on first use: followers call the leader rarely).
    const leader = await stock.leader();
    for (const f of cluster.peers.filter((p) => p !== leader)) {
      expect(await metric(leader, 'trinca_link_up', { side: 'out', peer: f.url }), `${leader.id} → ${f.id}`).toBe(1);
      expect(await metric(f, 'trinca_link_up', { side: 'in', peer: leader.id }), `${f.id} accepted ${leader.id}`).toBe(1);
      expect(await metric(f, 'trinca_link_closes_total', { side: 'in' }), `${f.id} closed no link`).toBe(0);
    }
    for (const p of cluster.peers) expect(await metric(p, 'trinca_link_reconnects_total'), p.id).toBe(0);
    expect(await metric(leader, 'trinca_link_frames_total', { direction: 'in' })).toBeGreaterThan(100);
  }, 20_000);

  it('answers exactly as the REST endpoints do, pipelined', async () => {
    const p1 = cluster.peers[0];
    const token = await sign('p2');
    const link = await mustDial(p1, token);
    const cases: [string, unknown][] = [
      ['/eleicao/solicitar_voto', votes('p2')], // served: a stale pre-vote, refused
      ['/eleicao/solicitar_voto', votes('p3')], // 403: claims to be someone else
      ['/eleicao/solicitar_voto', { term: 'x' }], // 400: bad body
      ['/no/such/route', {}], // 404
      ['/matchmaking/confirmar_partida', { nonsense: true }], // 400 from another router
    ];
    for (const [path, body] of cases) {
      const viaLink = await link.call(path, body);
      const viaRest = await postJson(`${p1.url}${path}`, body, token);
      expect(viaLink, path).toEqual({ status: viaRest.status, body: viaRest.body });
    }
    const ok = await link.call('/eleicao/solicitar_voto', votes('p2'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ voteGranted: false });
    // 300 requests in one message: every one answered, each matched by its id.
    const many = await link.callMany(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? ['/no/such/route', {}] : ['/eleicao/solicitar_voto', votes('p2')])));
    many.forEach((a, i) => expect(a.status).toBe(i % 3 === 0 ? 404 : 200));
    link.close();
  });

  it('closes a link whose token is not renewed, and keeps one that is', async () => {
    const p1 = cluster.peers[0];
    const short = () => sign('p2', { exp: Math.floor(Date.now() / 1000) + 2 });
    const lapsing = await mustDial(p1, await short());
    const renewed = await mustDial(p1, await short());
    const t0 = Date.now();
    const timer = setInterval(() => void short().then((t) => renewed.open && renewed.renew(t)), 700);
    const lapsed = await lapsing.closed;
    expect(lapsed.code).toBe(4001);
    expect(lapsed.reason).toMatch(/expired/);
    expect(Date.now() - t0).toBeLessThan(3500);
    await new Promise((r) => setTimeout(r, 4500 - (Date.now() - t0)));
    expect(renewed.open).toBe(true);
    expect((await renewed.call('/eleicao/solicitar_voto', votes('p2'))).status).toBe(200);
    // A renewal with a bad token (or another peer's) closes the link at once.
    renewed.renew(await sign('p2', { key: randomBytes(32) }));
    clearInterval(timer);
    const bad = await renewed.closed;
    expect(bad.code).toBe(4001);
    expect(bad.reason).toMatch(/AUTH_INVALID/);
    const other = await mustDial(p1, await sign('p2'));
    other.renew(await sign('p3'));
    expect((await other.closed).reason).toMatch(/names p3/);
  }, 20_000);

  it('closes the link on a frame over 1 MiB or a malformed one, logs why, and serves on', async () => {
    const p1 = cluster.peers[0];
    const token = await sign('p2');
    const send = async (payload: Buffer | string) => {
      const l = await mustDial(p1, token);
      l.ws.send(payload);
      return l.closed;
    };
    // A header declaring a 2 MiB frame.
    const header = Buffer.alloc(11);
    header.writeUInt32BE(2 * 1024 * 1024, 0);
    header.writeUInt8(1, 4);
    expect((await send(header)).code).toBe(1009);
    // A message over the limit (one frame with a 1.5 MiB body).
    const big = Buffer.concat(encodeRequest(1, '/game/replicate', Buffer.from(JSON.stringify({ pad: 'x'.repeat(1536 * 1024) }))));
    expect((await send(big)).code).toBe(1009);
    // Garbage, an unknown frame kind, a length overrunning the message, a text message.
    expect((await send(Buffer.from([1, 2, 3]))).code).toBe(1007);
    const kind = Buffer.alloc(9);
    kind.writeUInt32BE(5, 0);
    kind.writeUInt8(9, 4);
    expect((await send(kind)).code).toBe(1007);
    const overrun = Buffer.concat(encodeRequest(2, '/game/replicate', Buffer.from('{}'))).subarray(0, 14);
    expect((await send(overrun)).code).toBe(1007);
    expect((await send('{"id":1}')).code).toBe(1007);
    await waitFor('reasons logged', () => /frame too large/.test(p1.stderr) && /malformed frame: unknown frame kind 9/.test(p1.stderr) && /overruns the message/.test(p1.stderr), 3000);
    // A body that is not JSON is refused like REST refuses it, and the link stays.
    const l = await mustDial(p1, token);
    const broken = l.rawFrame('/eleicao/solicitar_voto', Buffer.from('{"term": '));
    const fine = l.frame('/eleicao/solicitar_voto', votes('p2'));
    l.ws.send(Buffer.concat([...broken.bytes, ...fine.bytes]));
    expect(await broken.answer).toEqual({ status: 400, body: { error: 'BAD_REQUEST', message: 'body is not JSON' } });
    expect((await fine.answer).status).toBe(200);
    expect(l.open).toBe(true);
    l.close();
    // The node is unaffected: REST, new links and the ledger all serve.
    expect((await getJson<{ ok: boolean }>(`${p1.url}/health`)).body.ok).toBe(true);
    const again = await mustDial(p1, token);
    expect((await again.call('/eleicao/solicitar_voto', votes('p2'))).status).toBe(200);
    again.close();
    const player = TestPlayer.fresh();
    await player.connect(p1.mqttUrl);
    await player.close();
    expect((await stock.buy('after-bad-frames', player.playerId, 0, 20_000)).cards).toHaveLength(5);
  }, 60_000);

  it('a link saturated with data calls does not delay heartbeats past the failure detector', async () => {
    const [p1, p2, p3] = cluster.peers;
    // The test floods p2 with 512 KiB calls as p1 would, keeping ~8 MiB in flight.
    const link = await mustDial(p2, await sign('p1'));
    const pad = 'x'.repeat(512 * 1024);
    let stop = false;
    let answered = 0;
    const pump = async () => {
      while (!stop && link.open) {
        await link.call('/game/presence', { players: [pad] });
        answered++;
      }
    };
    const pumps = Array.from({ length: 16 }, pump);
    const worst = new Map<string, number>();
    const until = Date.now() + 4000;
    while (Date.now() < until) {
      for (const [viewer, target] of [[p2, p1], [p2, p3], [p1, p2], [p3, p2]] as const) {
        const s = (await getJson<{ id: string; alive: boolean; lastSeenMs: number | null }[]>(`${viewer.url}/servers`)).body.find((x) => x.id === target.id)!;
        expect(s.alive, `${viewer.id} sees ${target.id}`).toBe(true);
        const k = `${viewer.id}→${target.id}`;
        worst.set(k, Math.max(worst.get(k) ?? 0, s.lastSeenMs ?? Infinity));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    stop = true;
    await Promise.all(pumps);
    link.close();
    expect(answered).toBeGreaterThan(50); // ≥ 25 MiB went through the link meanwhile
    for (const [k, ms] of worst) expect(ms, k).toBeLessThan(1500);
  }, 30_000);

  it('reconnects after kill -9 of a peer; calls take HTTP meanwhile', async () => {
    const leader = await stock.leader();
    const p2 = cluster.peers.find((p) => p !== leader)!; // a follower
    expect(await metric(leader, 'trinca_link_up', { side: 'out', peer: p2.url })).toBe(1);
    p2.kill9();
    await p2.waitExit();
    await waitFor('the leader sees the link down', async () => (await metric(leader, 'trinca_link_up', { side: 'out', peer: p2.url })) === 0, 5000);
    const fallbacks = await metric(leader, 'trinca_link_http_fallbacks_total', { reason: 'link_down' });
    await p2.start();
    await waitFor('link back up', async () => (await metric(leader, 'trinca_link_up', { side: 'out', peer: p2.url })) === 1, 15_000);
    expect(await metric(leader, 'trinca_link_reconnects_total', { peer: p2.url })).toBeGreaterThanOrEqual(1);
    expect(await metric(leader, 'trinca_link_http_fallbacks_total', { reason: 'link_down' })).toBeGreaterThan(fallbacks);
    // Raft reaches the restarted peer again: a new purchase is applied there.
    const player = TestPlayer.fresh();
    await player.connect(leader.mqttUrl);
    await player.close();
    await stock.buy('after-restart', player.playerId, cluster.peers.indexOf(leader), 20_000);
    const want = (await stock.digest(leader)).lastApplied;
    await waitFor('p2 catches up', async () => (await stock.digest(p2)).lastApplied >= want, 15_000);
  }, 60_000);

  it('falls back to REST while a peer serves no link: the ledger still replicates', async () => {
    const leader = await stock.leader();
    const p3 = [...cluster.peers].reverse().find((p) => p !== leader)!; // a follower
    await p3.stop();
    p3.opts.env = { ...p3.opts.env, TRINCA_PEER_LINK: '0' };
    await p3.start();
    const before = await metric(leader, 'trinca_link_http_fallbacks_total', { reason: 'link_down' });
    const player = TestPlayer.fresh();
    await player.connect(leader.mqttUrl);
    await player.close();
    await stock.buy('over-rest', player.playerId, cluster.peers.indexOf(leader), 20_000);
    const want = (await stock.digest(leader)).lastApplied;
    await waitFor('p3 applies over REST', async () => (await stock.digest(p3)).lastApplied >= want, 15_000);
    expect(await metric(leader, 'trinca_link_up', { side: 'out', peer: p3.url })).toBe(0);
    expect(await metric(leader, 'trinca_link_http_fallbacks_total', { reason: 'link_down' })).toBeGreaterThan(before);
    // With its link back, p3 is reached over it again.
    await p3.stop();
    p3.opts.env = { ...p3.opts.env, TRINCA_PEER_LINK: '1' };
    await p3.start();
    await waitFor('link to p3 up again', async () => (await metric(leader, 'trinca_link_up', { side: 'out', peer: p3.url })) === 1, 15_000);
  }, 60_000);

  it("closes a removed member's link and refuses it afterwards", async () => {
    const target = await stock.leader();
    const gone = cluster.peers.find((p) => p !== target)!;
    const link = await mustDial(target, await sign(gone.id));
    expect((await link.call('/eleicao/solicitar_voto', votes(gone.id))).status).toBe(200);
    gone.kill9();
    await gone.waitExit();
    const r = await postJson<{ removed: string }>(`${target.url}/cluster/remove_member`, { id: gone.id }, await sign('p1'));
    expect(r.status).toBe(200);
    const closed = await link.closed;
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/no longer a member/);
    const again = await dial(target, await sign(gone.id));
    expect('refused' in again && again.status).toBe(403);
    expect(await metric(target, 'trinca_link_closes_total', { side: 'in', reason: 'notMember' })).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
