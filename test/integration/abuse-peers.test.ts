// A process holding the cluster secret but no membership, junk URLs, the served UI's
// headers, and the data dir's file modes, against a real node (docs/security.md).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { TestCluster, tempDir, waitFor, type Peer } from '../support/peer.ts';
import { TestPlayer } from '../support/player.ts';
import { getJson, peerToken } from '../support/http.ts';
import { StockClient } from '../support/stock.ts';

describe('peers, HTTP and files (real processes)', () => {
  let cluster: TestCluster;
  let peer: Peer;
  let stock: StockClient;
  let clusterId: string;
  const uiDir = tempDir('trinca-ui-');
  const players: TestPlayer[] = [];

  beforeAll(async () => {
    fs.mkdirSync(path.join(uiDir, 'assets'));
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'export {};');
    cluster = await TestCluster.start(1, ['--ui', uiDir], { TRINCA_LOG_LEVEL: 'info' });
    peer = cluster.peers[0];
    clusterId = (await getJson<{ clusterId: string }>(`${peer.url}/health`)).body.clusterId;
    stock = new StockClient(cluster, clusterId);
    await waitFor('a leader', () => stock.leader(), 15_000);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(players.map((p) => p.close()));
    await cluster?.stop();
    fs.rmSync(uiDir, { recursive: true, force: true });
  });

  it('a valid JWT whose server_id is no member gets 403 NOT_A_MEMBER on every peer endpoint, and nothing is committed', async () => {
    const [a, b] = [TestPlayer.fresh(), TestPlayer.fresh()];
    players.push(a, b);
    for (const p of [a, b]) {
      await p.connect(peer.mqttUrl);
      expect(await p.request({ type: 'COMPRAR' }, 10_000)).toMatchObject({ type: 'PACOTE_RESULTADO' });
    }
    const [ca, cb] = [await stock.cards(peer, a.playerId), await stock.cards(peer, b.playerId)];
    const before = await stock.digest(peer);
    const intruder = await peerToken(cluster.secretFile, clusterId, 'intruder');
    const steal = { type: 'TRADE', tradeId: 'steal-1', fromPlayerId: a.playerId, toPlayerId: b.playerId, offerCardId: ca[0].id, wantCardId: cb[0].id };
    const calls: [string, string, unknown][] = [
      ['POST', '/raft/propose', { command: steal }],
      ['POST', '/raft/propose', { commands: [steal] }],
      ['POST', '/estoque/comprar_pacote', { requestId: 'x1', playerId: a.playerId }],
      ['GET', '/estoque/status', undefined],
      ['POST', '/game/event', { matchId: 'm', epoch: 1, playerId: a.playerId, type: 'JOGAR', data: {}, signature: 'x' }],
      ['POST', '/game/start', { matchId: 'm', epoch: 1, host: 'intruder', shadow: 'p1', players: [], events: [] }],
      ['POST', '/game/replicate', { matchId: 'm', epoch: 1, fromSeq: 1, events: [], stateHash: 'x' }],
      ['GET', '/game/m/log', undefined],
      ['POST', '/matchmaking/solicitar_oponente', { requestId: 'r', playerId: a.playerId, playerName: 'a', origin: 'intruder' }],
      ['POST', '/matchmaking/confirmar_partida', { requestId: 'r', commit: true }],
      ['POST', '/heartbeat', { id: 'intruder', address: 'http://127.0.0.1:9', term: 0, leader: null }],
      ['POST', '/eleicao/solicitar_voto', { term: 99, candidateId: 'intruder', lastLogIndex: 99, lastLogTerm: 99, preVote: false }],
      ['POST', '/eleicao/declarar_lider', { term: 99, leaderId: 'intruder', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0 }],
      ['POST', '/cluster/remove_member', { id: 'p1' }],
      ['GET', '/ledger/digest', undefined],
      ['GET', '/metrics', undefined],
    ];
    for (const [method, p, body] of calls) {
      const res = await fetch(`${peer.url}${p}`, { method, headers: { authorization: `Bearer ${intruder}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await res.json()) as { error: string; message: string };
      expect([p, res.status, json.error]).toEqual([p, 403, 'NOT_A_MEMBER']);
      expect(json.message).toContain('intruder');
    }
    // /register stays reachable (that is how a peer joins): a bad body is a 400, not a 403.
    const reg = await fetch(`${peer.url}/register`, { method: 'POST', headers: { authorization: `Bearer ${intruder}`, 'content-type': 'application/json' }, body: '{}' });
    expect(reg.status).toBe(400);
    expect(await stock.digest(peer)).toEqual(before);
    expect(await stock.cards(peer, a.playerId)).toEqual(ca);
    // The same token for a member is served (the check is membership, not the route).
    expect((await stock.call(peer, 'GET', '/estoque/status', undefined, 5000, 'p1')).status).toBe(200);
  });

  it('junk URLs get 400 and no error is logged', async () => {
    for (const u of ['/assets/%E0%A4%A', '/assets/%', '/assets/%00x.js']) {
      const res = await fetch(`${peer.url}${u}`);
      expect([u, res.status]).toEqual([u, 400]);
      expect(((await res.json()) as { error: string }).error).toBe('BAD_REQUEST');
    }
    await new Promise((r) => setTimeout(r, 300));
    // (The node logs at info here: an error-level line or a stack trace would show.)
    const out = peer.stdout + peer.stderr;
    expect(out).toContain('"level":30');
    expect(out).not.toContain('"level":50');
    expect(out).not.toContain('unhandled error');
    expect(out).not.toContain('URIError');
  });

  it('the UI is served with CSP frame-ancestors none, nosniff and no-referrer', async () => {
    for (const u of ['/', '/index.html', '/assets/app.js']) {
      const res = await fetch(`${peer.url}${u}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('data dirs are 0700 and files 0600, also when they existed with looser modes', async () => {
    const dir = peer.opts.dataDir;
    const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [path.join(d, e.name), ...walk(path.join(d, e.name))] : [path.join(d, e.name)]));
    const check = () => {
      const mode = (p: string) => fs.statSync(p).mode & 0o777;
      expect(mode(dir)).toBe(0o700);
      const all = walk(dir);
      for (const f of ['identity.json', 'members.json', 'raft']) expect(all).toContain(path.join(dir, f));
      expect(all.some((f) => f.includes(`${path.sep}raft${path.sep}`) && fs.statSync(f).isFile())).toBe(true); // the WAL
      for (const f of all) expect([path.relative(dir, f), mode(f)]).toEqual([path.relative(dir, f), fs.statSync(f).isDirectory() ? 0o700 : 0o600]);
      expect(mode(cluster.secretFile)).toBe(0o600);
    };
    await waitFor('members.json written', () => fs.existsSync(path.join(dir, 'members.json')), 10_000);
    check();
    await peer.stop();
    for (const f of [dir, ...walk(dir)]) fs.chmodSync(f, fs.statSync(f).isDirectory() ? 0o755 : 0o644);
    fs.chmodSync(cluster.secretFile, 0o644);
    await peer.start();
    check();
  });
});
