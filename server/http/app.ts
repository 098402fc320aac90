// The Koa application: error middleware first, metrics, body parsing (JSON, 1 MiB),
// then JWT authentication for everything except the public routes, then the node's route table.
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { RouteTable } from './route-table.ts';
import { HttpError } from './errors.ts';
import { decodeJwt } from 'jose';
import { TOKEN_TTL_S, verifyAuthorization } from '../security/jwt.ts';
import type { Logger } from '../log.ts';
import { secondsSince, type Metrics } from '../metrics/metrics.ts';
import { INCOMPATIBLE_VERSION, VERSION_HEADER, versionProblem } from '../../protocol/version.ts';

export const BODY_LIMIT = '1mb';
/**
 * The one exception to the 1 MiB rule: a Raft snapshot travels in one InstallSnapshot body
 * and grows with the ledger (≈ 0.5 MiB for a sold-out --stock-scale 10). Peer-only (JWT).
 */
export const SNAPSHOT_BODY_LIMIT = '64mb';
const SNAPSHOT_PATH = '/raft/install_snapshot';

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  /** This node's id, to name it in a version refusal. */
  selfId: string;
  jwtKey: Uint8Array;
  clusterId: () => string;
  /** GET paths (exact; '/' is the root only) or prefixes (like '/assets/') reachable without a peer JWT. */
  publicPaths: string[];
  /**
   * Whether a JWT's server_id is a current member of the cluster. Every JWT route requires
   * it (403 NOT_A_MEMBER); only `POST /register` is open to a verified non-member, since
   * that is how a peer becomes one. Absent: no check (unit tests of the app alone).
   */
  isMember?: (serverId: string) => boolean;
}

/** The one JWT route a verified non-member may call: asking to be admitted. */
const ADMISSION_PATH = '/register';

export interface PeerState {
  /** The authenticated peer's server_id (absent on public routes). */
  peer?: string;
}

export function createApp(deps: AppDeps, routes: RouteTable, fallback?: Koa.Middleware): Koa<PeerState> {
  const app = new Koa<PeerState>();
  app.proxy = false;

  app.use(async (ctx, next) => {
    const started = performance.now();
    ctx.set('X-Content-Type-Options', 'nosniff');
    try {
      await next();
    } catch (err) {
      if (err instanceof HttpError) {
        ctx.status = err.status;
        ctx.body = { error: err.code, message: err.message };
      } else if (err instanceof URIError) {
        // A junk escape in the URL (e.g. /assets/%E0%A4%A): the client's fault, not worth a stack trace.
        deps.log.info({ path: ctx.path }, 'malformed URL');
        ctx.status = 400;
        ctx.body = { error: 'BAD_REQUEST', message: 'malformed URL' };
      } else if (isKoaHttpError(err)) {
        // Thrown by the body parser: too large (413) or unparsable JSON (400).
        ctx.status = err.status;
        ctx.body = err.status === 413
          ? { error: 'PAYLOAD_TOO_LARGE', message: `body exceeds ${BODY_LIMIT}` }
          : { error: 'BAD_REQUEST', message: err.expose ? err.message : 'bad request' };
      } else {
        deps.log.error({ err, path: ctx.path }, 'unhandled error');
        ctx.status = 500;
        ctx.body = { error: 'INTERNAL', message: 'internal error' };
      }
    } finally {
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'other';
      deps.metrics.httpDuration.observe({ method: ctx.method, route: String(route), status: String(ctx.status) }, secondsSince(started));
    }
  });

  const verified = new VerifiedTokens();
  app.use(async (ctx, next) => {
    if (ctx.method === 'GET' && isPublic(ctx.path, deps.publicPaths)) return next();
    const header = ctx.get('authorization') || undefined;
    const clusterId = deps.clusterId();
    let peer = header ? verified.lookup(header, clusterId) : null;
    if (peer === null) {
      const r = await verifyAuthorization(header, deps.jwtKey, clusterId);
      if (!r.ok) throw new HttpError(401, r.code, r.message);
      peer = r.serverId;
      verified.remember(header!, clusterId, peer);
    }
    if (deps.isMember && !(ctx.method === 'POST' && ctx.path === ADMISSION_PATH) && !deps.isMember(peer)) {
      throw new HttpError(403, 'NOT_A_MEMBER', `${peer} is not a member of this cluster`);
    }
    ctx.state.peer = peer;
    // A peer of another protocol major version is refused on every endpoint (Raft and matches
    // included), not only on /register and /heartbeat; no header = a peer from before versions.
    const problem = versionProblem(ctx.get(VERSION_HEADER) || undefined, `peer ${peer}`, `node ${deps.selfId}`);
    if (problem) throw new HttpError(409, INCOMPATIBLE_VERSION, problem);
    return next();
  });

  const parse = bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, encoding: 'utf-8' });
  const parseSnapshot = bodyParser({ enableTypes: ['json'], jsonLimit: SNAPSHOT_BODY_LIMIT, encoding: 'utf-8' });
  app.use((ctx, next) => (ctx.path === SNAPSHOT_PATH ? parseSnapshot(ctx, next) : parse(ctx, next)));
  app.use(routes.middleware());
  if (fallback) app.use(fallback);
  app.use((ctx) => {
    if (ctx.status === 404 && ctx.body === undefined) {
      throw new HttpError(404, 'NOT_FOUND', `no route ${ctx.method} ${ctx.path}`);
    }
  });
  return app;
}

/**
 * Tokens that verified, so a peer's next calls with the same token (it reuses one for
 * ~40 s) skip the HMAC and claim checks: an HS256 verification through WebCrypto costs
 * ~100 µs, more than the rest of a small request. A hit is exactly as strict as a fresh
 * verification: the same header string under the same cluster id, and still inside the
 * token's time limits (exp in the future, iat within the allowed age). Only tokens that
 * passed verification are stored, so only holders of the key can fill it; it is bounded.
 */
export class VerifiedTokens {
  private readonly map = new Map<string, { clusterId: string; serverId: string; exp: number; iat: number }>();
  constructor(private readonly max = 1024) {}

  lookup(header: string, clusterId: string, nowMs = Date.now()): string | null {
    const v = this.map.get(header);
    if (!v) return null;
    const now = Math.floor(nowMs / 1000);
    if (v.clusterId !== clusterId || now >= v.exp || now - v.iat > TOKEN_TTL_S + 5) {
      this.map.delete(header);
      return null;
    }
    return v.serverId;
  }

  remember(header: string, clusterId: string, serverId: string): void {
    const m = /^Bearer (\S+)$/.exec(header.trim());
    if (!m) return;
    let claims: { exp?: unknown; iat?: unknown };
    try {
      claims = decodeJwt(m[1]);
    } catch {
      return;
    }
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return;
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(header, { clusterId, serverId, exp: claims.exp, iat: claims.iat });
  }
}

function isPublic(path: string, publicPaths: string[]): boolean {
  return publicPaths.some((p) => (p.length > 1 && p.endsWith('/') ? path.startsWith(p) : path === p));
}

function isKoaHttpError(err: unknown): err is { status: number; expose: boolean; message: string } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}
