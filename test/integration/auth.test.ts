// Peer authentication (docs/design.md §3): every bad token is a 401 with a documented code,
// and the refused call changes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { SignJWT, base64url } from 'jose';
import { randomBytes } from 'node:crypto';
import { TestCluster } from '../support/peer.ts';
import { getJson, postJson, jwtKeyFromSecretFile, peerToken } from '../support/http.ts';
import type { ServerInfo } from '../../protocol/rest.ts';

describe('peer JWT authentication', () => {
  let cluster: TestCluster;
  let url: string;
  let clusterId: string;
  let key: Uint8Array;
  beforeAll(async () => {
    cluster = await TestCluster.start(1);
    url = cluster.peers[0].url;
    clusterId = (await getJson<{ clusterId: string }>(`${url}/health`)).body.clusterId;
    key = jwtKeyFromSecretFile(cluster.secretFile);
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  const aud = () => `trinca:${clusterId}`;
  const sign = (k: Uint8Array, opts: { aud?: string; exp?: number; iat?: number } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ server_id: 'intruder' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt(opts.iat ?? now)
      .setExpirationTime(opts.exp ?? now + 30)
      .setIssuer(opts.aud ?? aud())
      .setAudience(opts.aud ?? aud())
      .sign(k);
  };
  const unsigned = () => {
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const now = Math.floor(Date.now() / 1000);
    return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ server_id: 'intruder', iat: now, exp: now + 30, iss: aud(), aud: aud() })}.`;
  };
  const registerBody = { id: 'intruder', address: 'http://127.0.0.1:9', mqttPort: 9 };

  const cases: [string, () => Promise<string | undefined>, string][] = [
    ['missing token', async () => undefined, 'AUTH_MISSING'],
    ['malformed token', async () => 'not-a-jwt', 'AUTH_MALFORMED'],
    ['wrong key', async () => sign(randomBytes(32)), 'AUTH_INVALID'],
    ['alg none', async () => unsigned(), 'AUTH_INVALID'],
    ['expired', async () => sign(key, { iat: Math.floor(Date.now() / 1000) - 120, exp: Math.floor(Date.now() / 1000) - 60 }), 'AUTH_EXPIRED'],
    ['other cluster audience', async () => sign(key, { aud: 'trinca:another-cluster' }), 'AUTH_WRONG_CLUSTER'],
  ];

  for (const [name, make, code] of cases) {
    it(`${name} → 401 ${code}, nothing changes`, async () => {
      const token = await make();
      const before = (await getJson<ServerInfo[]>(`${url}/servers`)).body;
      const r = await postJson<{ error: string; message: string }>(`${url}/register`, registerBody, token);
      expect(r.status).toBe(401);
      expect(r.body.error).toBe(code);
      expect(typeof r.body.message).toBe('string');
      const hb = await postJson<{ error: string }>(`${url}/heartbeat`, { id: 'intruder', address: 'http://127.0.0.1:9', term: 99, leader: 'intruder' }, token);
      expect(hb.status).toBe(401);
      const m = await getJson<{ error: string }>(`${url}/metrics`, token);
      expect(m.status).toBe(401);
      const after = (await getJson<ServerInfo[]>(`${url}/servers`)).body;
      expect(after.map((s) => s.id)).toEqual(before.map((s) => s.id));
    });
  }

  it('a token whose exp is more than 60 s ahead is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await getJson<{ error: string }>(`${url}/metrics`, await sign(key, { iat: now, exp: now + 3600 }));
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('AUTH_INVALID');
  });

  it('a valid token is accepted; bad bodies get 400 and oversized ones 413', async () => {
    const token = await peerToken(cluster.secretFile, clusterId, 'p1');
    const m = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('trinca_http_request_duration_seconds');
    const bad = await postJson<{ error: string }>(`${url}/heartbeat`, { id: 5 }, token);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('BAD_REQUEST');
    const broken = await postJson<{ error: string }>(`${url}/heartbeat`, undefined, token, '{"id": ');
    expect(broken.status).toBe(400);
    const huge = await postJson<{ error: string }>(`${url}/heartbeat`, undefined, token, JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 10) }));
    expect(huge.status).toBe(413);
    // The snapshot route alone takes bodies over 1 MiB (then validates them like any other).
    const bigSnapshot = { term: 0, leaderId: 'tester', lastIncludedIndex: 1, lastIncludedTerm: 1, config: { voters: [], learners: [] }, data: { pad: 'x'.repeat(2 * 1024 * 1024) } };
    // (sent as the node's own id: Raft refuses senders outside the cluster before it reads the data)
    const asMember = await peerToken(cluster.secretFile, clusterId, 'p1');
    const snap = await postJson<{ error: string }>(`${url}/raft/install_snapshot`, { ...bigSnapshot, leaderId: 'p1' }, asMember);
    expect(snap.status).toBe(400);
    expect(snap.body.error).toBe('BAD_REQUEST');
    // A peer may only register itself (a non-member reaches /register, and only that).
    const outsider = await peerToken(cluster.secretFile, clusterId, 'tester');
    const forged = await postJson<{ error: string }>(`${url}/register`, { id: 'someone-else', address: 'http://127.0.0.1:9', mqttPort: 9 }, outsider);
    expect(forged.status).toBe(403);
    const servers = (await getJson<ServerInfo[]>(`${url}/servers`)).body;
    expect(servers.map((s) => s.id)).toEqual(['p1']);
  });
});
