// Serving a link request with the REST handlers themselves: the routers' Koa middleware runs
// on a small duck-typed context (method POST, path, request.body, state.peer, params, and
// body/status as outputs), so the link and REST answer the same call with the same status
// and body, errors included (HttpError → {error, message}).
import { HttpError } from '../http/errors.ts';
import type { PeerState } from '../http/app.ts';
import type { RouteTable } from '../http/route-table.ts';
import type { Logger } from '../log.ts';

export interface LinkAnswer {
  status: number;
  body: unknown;
}

/** What the routers' handlers read and write: a subset of Koa's context. */
class LinkContext {
  readonly method = 'POST';
  readonly host = '';
  readonly state: PeerState;
  readonly request: { body: unknown; params?: Record<string, string> };
  params: Record<string, string> = {};
  private code = 404;
  private out: unknown = undefined;
  private explicitStatus = false;

  constructor(
    readonly path: string,
    body: unknown,
    peer: string,
  ) {
    this.state = { peer };
    this.request = { body };
  }

  get status(): number {
    return this.code;
  }
  set status(v: number) {
    this.code = v;
    this.explicitStatus = true;
  }
  get body(): unknown {
    return this.out;
  }
  set body(v: unknown) {
    this.out = v;
    if (!this.explicitStatus) this.code = v === undefined || v === null ? 204 : 200;
  }
  get(): string {
    return '';
  }
  set(): void {}
}

export type Dispatch = (path: string, body: unknown, peer: string) => Promise<LinkAnswer>;

/** Serves link requests with the node's route table (the REST app's routes, mounted or not). */
export function createDispatch(routes: RouteTable, log: Logger): Dispatch {
  return async (path, body, peer) => {
    const ctx = new LinkContext(path, body, peer);
    try {
      await routes.serve(ctx, () => Promise.resolve());
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, body: { error: err.code, message: err.message } };
      log.error({ err, path }, 'unhandled error on the peer link');
      return { status: 500, body: { error: 'INTERNAL', message: 'internal error' } };
    }
    if (ctx.status === 404 && ctx.body === undefined) {
      return { status: 404, body: { error: 'NOT_FOUND', message: `no route POST ${path}` } };
    }
    return { status: ctx.status, body: ctx.body };
  };
}
