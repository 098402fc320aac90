// Outgoing peer calls: keep-alive HTTP with a cached JWT, a deadline per call, and errors
// classified so callers can tell "the peer said no" from "the peer is unreachable".
import http from 'node:http';
import type { PeerTokenSource } from '../security/jwt.ts';

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
    message: string,
  ) {
    super(`${url}: ${status} ${code}: ${message}`);
  }
}

export interface CallOptions {
  timeoutMs?: number;
  /** Send without a JWT (public routes, or before the cluster id is known). */
  anonymous?: boolean;
}

export class PeerClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32, keepAliveMsecs: 1000 });

  constructor(private readonly tokens: PeerTokenSource) {}

  post<T>(baseUrl: string, path: string, body: unknown, opts: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', baseUrl, path, body, opts);
  }

  get<T>(baseUrl: string, path: string, opts: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', baseUrl, path, undefined, opts);
  }

  async call<T>(method: string, baseUrl: string, path: string, body: unknown, opts: CallOptions): Promise<T> {
    const url = new URL(path, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (!opts.anonymous) headers.authorization = `Bearer ${await this.tokens.get()}`;
    const timeoutMs = opts.timeoutMs ?? 2000;
    return new Promise<T>((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
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
          reject(new PeerRefusedError(url.href, status, err.error ?? 'HTTP_' + status, err.message ?? text.slice(0, 200)));
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(new PeerUnreachableError(url.href, e.message));
      });
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
