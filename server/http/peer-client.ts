// Outgoing peer calls: the peer link when it is up (server/link, docs/architecture/link.md),
// else keep-alive HTTP with a cached JWT; a deadline per call, and errors classified the
// same way on both paths so callers can tell "the peer said no" from "the peer is unreachable".
import http from 'node:http';
import type { PeerTokenSource } from '../security/jwt.ts';
import { PROTOCOL_VERSION, VERSION_HEADER } from '../../protocol/version.ts';
import type { PeerLinks } from '../link/links.ts';

export class PeerUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: string,
  ) {
    super(`${url}: ${cause}`);
  }
}

export class PeerRefusedError extends Error {
  constructor(
    readonly url: string,
    readonly status: number,
    readonly code: string,
    /** The peer's own message (without url, status and code). */
    readonly detail: string,
    /** The whole error body, for refusals that carry data (e.g. a shadow's LOG_AHEAD log). */
    readonly body?: unknown,
  ) {
    super(`${url}: ${status} ${code}: ${detail}`);
  }
}

export interface CallOptions {
  timeoutMs?: number;
  /** Send without a JWT (public routes, or before the cluster id is known). */
  anonymous?: boolean;
  /**
   * `control`: liveness traffic (heartbeats). It has its own sockets, so a burst of data
   * calls queued on the data agent (replication, matchmaking, forwarding) can never delay
   * it past the failure detector's threshold and make a busy peer look dead.
   */
  lane?: 'data' | 'control';
}

/** Paths that always travel on the control lane. */
const CONTROL_PATHS = new Set(['/heartbeat', '/health']);

export class PeerClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32, keepAliveMsecs: 1000 });
  private readonly controlAgent = new http.Agent({ keepAlive: true, maxSockets: 4, keepAliveMsecs: 1000 });

  /** Told the base URL of a peer whose control-lane connection closed (it may have died). */
  onControlConnectionLost: ((baseUrl: string) => void) | null = null;
  private readonly watched = new WeakSet<object>();
  private closing = false;

  /** `links`: the peer links to prefer for the calls they serve (null: HTTP only). */
  constructor(
    private readonly tokens: PeerTokenSource,
    readonly links: PeerLinks | null = null,
  ) {}

  /** True while the peer link to `baseUrl` is up: calls to it cost a frame, not an HTTP request. */
  linkUp(baseUrl: string): boolean {
    return this.links?.state(baseUrl) === 'up';
  }

  post<T>(baseUrl: string, path: string, body: unknown, opts: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', baseUrl, path, body, opts);
  }

  /** POST an already serialised JSON body (batches are assembled from serialised items). */
  postRaw<T>(baseUrl: string, path: string, json: string | Buffer, opts: CallOptions = {}): Promise<T> {
    return this.send<T>('POST', baseUrl, path, typeof json === 'string' ? Buffer.from(json) : json, opts);
  }

  get<T>(baseUrl: string, path: string, opts: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', baseUrl, path, undefined, opts);
  }

  call<T>(method: string, baseUrl: string, path: string, body: unknown, opts: CallOptions): Promise<T> {
    return this.send<T>(method, baseUrl, path, body === undefined ? undefined : Buffer.from(JSON.stringify(body)), opts);
  }

  private async send<T>(method: string, baseUrl: string, path: string, payload: Buffer | undefined, opts: CallOptions): Promise<T> {
    const control = opts.lane === 'control' || (opts.lane === undefined && CONTROL_PATHS.has(path));
    const timeoutMs = opts.timeoutMs ?? 2000;
    if (method === 'POST' && !control && !opts.anonymous && this.links) {
      const viaLink = this.viaLink<T>(baseUrl, path, payload, timeoutMs);
      if (viaLink) return viaLink;
    }
    const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    const headers: Record<string, string> = { accept: 'application/json', [VERSION_HEADER]: PROTOCOL_VERSION };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (!opts.anonymous) headers.authorization = `Bearer ${await this.tokens.get()}`;
    return new Promise<T>((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: control ? this.controlAgent : this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new PeerUnreachableError(url.href, e.message)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            return reject(new PeerRefusedError(url.href, res.statusCode ?? 0, 'BAD_RESPONSE', 'response is not JSON'));
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed as T);
          const err = (parsed ?? {}) as { error?: string; message?: string };
          reject(new PeerRefusedError(url.href, status, err.error ?? 'HTTP_' + status, err.message ?? text.slice(0, 200), parsed));
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      if (control) {
        req.once('socket', (socket) => {
          if (this.watched.has(socket)) return;
          this.watched.add(socket);
          const origin = url.origin;
          socket.once('close', () => {
            if (!this.closing) this.onControlConnectionLost?.(origin);
          });
        });
      }
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(new PeerUnreachableError(url.href, e.message));
      });
      req.end(payload);
    });
  }

  /** The call over the peer link, or null when the link does not take it (then HTTP does). */
  private viaLink<T>(baseUrl: string, path: string, payload: Buffer | undefined, timeoutMs: number): Promise<T> | null {
    let sent = false;
    const p = new Promise<T>((resolve, reject) => {
      sent = this.links!.tryRequest(baseUrl, path, payload, timeoutMs, (o) => {
        const href = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href;
        if (!o.ok) return reject(new PeerUnreachableError(href, o.unreachable));
        if (o.status >= 200 && o.status < 300) return resolve(o.body as T);
        const err = (o.body ?? {}) as { error?: string; message?: string };
        reject(new PeerRefusedError(href, o.status, err.error ?? 'HTTP_' + o.status, err.message ?? ''));
      });
    });
    return sent ? p : null;
  }

  close(): void {
    this.closing = true;
    this.links?.close();
    this.agent.destroy();
    this.controlAgent.destroy();
  }
}
