// Joining an existing cluster: learn its id (and protocol version) from a peer's public
// /health, then register with a JWT made from the shared secret. A wrong secret shows up
// here as a 401, a peer of another protocol major version as INCOMPATIBLE_VERSION.
import type { PeerClient } from '../http/peer-client.ts';
import { PeerRefusedError } from '../http/peer-client.ts';
import type { HealthBody, MemberInfo, RegisterResponse } from '../../protocol/rest.ts';
import { INCOMPATIBLE_VERSION, PROTOCOL_VERSION, versionProblem } from '../../protocol/version.ts';

export class JoinError extends Error {}

/** Asks the given peers for the cluster id; the first that answers wins. */
export async function discoverClusterId(client: PeerClient, urls: string[], expected?: string): Promise<string> {
  const problems: string[] = [];
  for (const url of urls) {
    try {
      const h = await client.get<HealthBody>(url, '/health', { anonymous: true, timeoutMs: 3000 });
      if (typeof h?.clusterId !== 'string') throw new Error('not a Trinca node');
      const problem = versionProblem(h.version, `the cluster at ${url}`);
      if (problem) throw new JoinError(problem);
      if (expected && h.clusterId !== expected) {
        throw new JoinError(`${url} belongs to cluster ${h.clusterId}, not the invite's ${expected}`);
      }
      return h.clusterId;
    } catch (err) {
      if (err instanceof JoinError) throw err;
      problems.push((err as Error).message);
    }
  }
  throw new JoinError(`no peer to join answered: ${problems.join('; ')}`);
}

/**
 * Registers with the first peer that accepts; a 401 anywhere means the secret is wrong.
 * Peers that cannot admit anyone yet (no leader elected, unreachable) are retried with
 * backoff for up to `patienceMs`, since friends often start their peers at the same time.
 */
export async function registerWith(client: PeerClient, urls: string[], self: MemberInfo, patienceMs = 30_000): Promise<RegisterResponse> {
  const deadline = performance.now() + patienceMs;
  const problems: string[] = [];
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    problems.length = 0;
    for (const url of urls) {
      try {
        const res = await client.post<RegisterResponse>(url, '/register', { ...self, version: PROTOCOL_VERSION }, { timeoutMs: 10_000 });
        const problem = versionProblem(res.version, `the cluster at ${url}`);
        if (problem) throw new JoinError(problem);
        return res;
      } catch (err) {
        if (err instanceof JoinError) throw err;
        if (err instanceof PeerRefusedError && err.code === INCOMPATIBLE_VERSION) throw new JoinError(err.detail);
        if (err instanceof PeerRefusedError && err.status === 401) {
          throw new JoinError(`wrong cluster secret: ${url} refused this node (${err.code})`);
        }
        if (err instanceof PeerRefusedError && err.status < 500) throw new JoinError(`${url} refused to register this node: ${err.message}`);
        problems.push((err as Error).message);
      }
    }
    if (performance.now() + wait > deadline) break;
    await new Promise((r) => setTimeout(r, wait));
  }
  throw new JoinError(`could not register with any peer: ${problems.join('; ')}`);
}
