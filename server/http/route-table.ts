// The node's routers, in the order they are tried, grouped by capability. A capability that
// starts later (Raft and the ledger need the cluster's stock scale, which a joining node
// learns only from its /register answer) reserves its paths first: until it is mounted they
// answer 503 UNAVAILABLE. Mounting replaces a capability's routers in place (the cluster's
// routes serve a "starting" view until Raft runs). The REST app and the peer link serve
// requests through the same table, so they always see the same routes.
import type Koa from 'koa';
import type Router from '@koa/router';
import { HttpError } from './errors.ts';
import type { PeerState } from './app.ts';

/** What a router's middleware sees: Koa's context, or the peer link's subset of it. */
type Mw = (ctx: { path: string }, next: () => Promise<void>) => unknown;

interface Slot {
  name: string;
  /** Exact paths, or prefixes ending in '/', that answer 503 until the capability is mounted. */
  paths: string[];
  mounted: boolean;
  routes: Mw[];
  withAllowed: Mw[];
}

export class RouteTable {
  private readonly slots: Slot[] = [];

  /** Routers served from the start, under `name`. */
  add(name: string, ...routers: Router<PeerState>[]): this {
    this.slots.push(slot(name, [], true, routers));
    return this;
  }

  /**
   * A capability mounted later: its `paths` answer 503 UNAVAILABLE until then. `starting`
   * routers (if any) serve meanwhile, before that refusal.
   */
  reserve(name: string, paths: string[], ...starting: Router<PeerState>[]): this {
    this.slots.push(slot(name, paths, false, starting));
    return this;
  }

  /** Serves `routers` for `name` from now on (in its place in the order), replacing what it served before. */
  mount(name: string, ...routers: Router<PeerState>[]): void {
    const i = this.slots.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no capability "${name}" was reserved in the route table`);
    if (this.slots[i].mounted) throw new Error(`capability "${name}" is mounted already`);
    this.slots[i] = slot(name, this.slots[i].paths, true, routers);
  }

  /** For the Koa app: each router's routes, then its allowedMethods (405 / OPTIONS). */
  middleware(): Koa.Middleware<PeerState> {
    return ((ctx: { path: string }, next: () => Promise<void>) => this.run(ctx, next, true)) as unknown as Koa.Middleware<PeerState>;
  }

  /** For the peer link's dispatch: the routes alone, on its small context. */
  serve(ctx: { path: string }, next: () => Promise<void>): Promise<void> {
    return this.run(ctx, next, false);
  }

  private run(ctx: { path: string }, next: () => Promise<void>, allowed: boolean): Promise<void> {
    // A snapshot of the slots: a mount during a request takes effect for the next one.
    const slots = this.slots.slice();
    const step = (i: number, j: number): Promise<void> => {
      if (i >= slots.length) return next();
      const s = slots[i];
      const mws = allowed ? s.withAllowed : s.routes;
      if (j >= mws.length) {
        if (!s.mounted && s.paths.some((p) => (p.endsWith('/') ? ctx.path.startsWith(p) : ctx.path === p))) {
          return Promise.reject(new HttpError(503, 'UNAVAILABLE', `${s.name} is not running on this node yet`));
        }
        return step(i + 1, 0);
      }
      return Promise.resolve(mws[j](ctx, () => step(i, j + 1))).then(() => undefined);
    };
    return step(0, 0);
  }
}

function slot(name: string, paths: string[], mounted: boolean, routers: Router<PeerState>[]): Slot {
  const routes = routers.map((r) => r.routes() as unknown as Mw);
  const withAllowed = routers.flatMap((r) => [r.routes() as unknown as Mw, r.allowedMethods() as unknown as Mw]);
  return { name, paths, mounted, routes, withAllowed };
}
