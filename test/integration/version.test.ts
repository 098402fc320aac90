// Protocol versions between peers (docs/operations.md, "Upgrading a cluster"), against real
// node processes: /health names the version; /register and /heartbeat from a peer of another
// major version are refused with the documented message and change nothing; a node asked to
// join a cluster of another major version (its /health, or the invite) stops with that one
// line. The "newer peer" is this test speaking HTTP with the cluster secret, as any tool can;
// the "newer cluster" is a stand-in that answers /health as a 2.x node would.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Peer, runCli, tempDir } from '../support/peer.ts';
import { freePorts } from '../support/ports.ts';
import { getJson, peerToken, postJson } from '../support/http.ts';
import { PROTOCOL_VERSION, versionProblem } from '../../protocol/version.ts';
import { encodeInvite } from '../../server/cluster/invite.ts';
import type { HealthBody, ServerInfo } from '../../protocol/rest.ts';

const root = tempDir();
let p1: Peer;
let health: HealthBody;
afterAll(async () => {
  await p1?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});
beforeAll(async () => {
  const [h, m] = await freePorts(2);
  p1 = new Peer({ id: 'p1', dataDir: path.join(root, 'p1'), httpPort: h, mqttPort: m, secretFile: path.join(root, 'secret') });
  await p1.start();
  health = (await getJson<HealthBody>(`${p1.url}/health`)).body;
}, 30_000);

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((l) => l.startsWith('trinca:'));
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('protocol version', () => {
  it('/health carries the wire protocol version', () => {
    expect(health).toMatchObject({ ok: true, id: 'p1', version: PROTOCOL_VERSION });
    expect(PROTOCOL_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('a peer announcing another major version is refused on /register and /heartbeat, and nothing changes', async () => {
    const newer = '2.0.0';
    const token = await peerToken(p1.opts.secretFile!, health.clusterId, 'p9');
    const reg = await postJson(`${p1.url}/register`, { id: 'p9', address: 'http://127.0.0.1:9', mqttPort: 9, version: newer }, token);
    expect(reg.status).toBe(409);
    expect(reg.body).toEqual({ error: 'INCOMPATIBLE_VERSION', message: versionProblem(newer, 'peer p9', 'node p1') });
    expect((reg.body as { message: string }).message).toBe(
      'incompatible protocol version: node p1 speaks Trinca protocol 1.0.0, peer p9 speaks 2.0.0; upgrade node p1 so both have the same major version (docs/operations.md, "Upgrading a cluster")',
    );
    const selfToken = await peerToken(p1.opts.secretFile!, health.clusterId, 'p1');
    const beat = await postJson(`${p1.url}/heartbeat`, { id: 'p1', address: p1.url, mqttPort: p1.opts.mqttPort, term: 99, leader: null, version: '0.9.0' }, selfToken);
    expect(beat.status).toBe(409);
    expect(beat.body).toMatchObject({ error: 'INCOMPATIBLE_VERSION', message: expect.stringContaining('peer p1 speaks 0.9.0; upgrade peer p1') });
    // Every other peer endpoint refuses by the header every peer request carries (Raft here).
    const vote = await fetch(`${p1.url}/eleicao/solicitar_voto`, {
      method: 'POST',
      headers: { authorization: `Bearer ${selfToken}`, 'content-type': 'application/json', 'x-trinca-protocol': '2.3.0' },
      body: JSON.stringify({ term: 1000, candidateId: 'p1', lastLogIndex: 0, lastLogTerm: 0, preVote: false }),
    });
    expect(vote.status).toBe(409);
    expect(await vote.json()).toEqual({ error: 'INCOMPATIBLE_VERSION', message: versionProblem('2.3.0', 'peer p1', 'node p1') });
    expect((await getJson<HealthBody>(`${p1.url}/health`)).body.raftRole).toBe(health.raftRole);
    const servers = (await getJson<ServerInfo[]>(`${p1.url}/servers`)).body;
    expect(servers.map((s) => s.id)).toEqual(['p1']);
    // A compatible minor version is welcome (answers carry this node's version).
    const ok = await postJson<{ version?: string }>(`${p1.url}/heartbeat`, { id: 'p1', address: p1.url, mqttPort: p1.opts.mqttPort, term: 0, leader: null, version: '1.7.2' }, selfToken);
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(PROTOCOL_VERSION);
  });

  it('trinca node --join against a cluster of another major version exits 1 with the one-line message', async () => {
    const [fake, h, m] = await freePorts(3);
    const newer = http.createServer((req, res) => {
      res.writeHead(req.url === '/health' ? 200 : 409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, id: 'z1', clusterId: health.clusterId, raftRole: 'leader', version: '2.1.0' }));
    });
    await new Promise<void>((r) => newer.listen(fake, '127.0.0.1', r));
    try {
      const r = await runCli(['node', '--id', 'j1', '--http', String(h), '--mqtt', String(m), '--data', path.join(root, 'j1'), '--join', `http://127.0.0.1:${fake}`, '--secret-file', p1.opts.secretFile!]);
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toBe(
        `trinca: incompatible protocol version: this node speaks Trinca protocol ${PROTOCOL_VERSION}, the cluster at http://127.0.0.1:${fake} speaks 2.1.0; upgrade this node so both have the same major version (docs/operations.md, "Upgrading a cluster")`,
      );
      expect(r.stdout).not.toContain('READY');
      expect(fs.existsSync(path.join(root, 'j1', 'identity.json'))).toBe(false);
    } finally {
      newer.close();
    }
  });

  it('an invite made by a peer of another major version is refused before anything starts (exit 2)', async () => {
    const [h, m] = await freePorts(2);
    const secret = fs.readFileSync(p1.opts.secretFile!, 'utf8').trim();
    const code = encodeInvite({ clusterId: health.clusterId, secret, peers: [p1.url], version: '3.0.0' });
    const r = await runCli(['node', '--id', 'j2', '--http', String(h), '--mqtt', String(m), '--data', path.join(root, 'j2'), '--invite', code]);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^trinca: --invite is not usable: incompatible protocol version: this node speaks Trinca protocol 1\.0\.0, the cluster of this invite speaks 3\.0\.0; upgrade this node/);
  });
});
