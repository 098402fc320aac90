// The route table: a reserved capability answers 503 UNAVAILABLE on its paths until it is
// mounted (on REST and the peer link alike), starting routers serve meanwhile, and other
// paths are not affected.
import { describe, it, expect } from 'vitest';
import http from 'node:http';
import Router from '@koa/router';
import pino from 'pino';
import { createApp, type PeerState } from './app.ts';
import { RouteTable } from './route-table.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { signPeerToken } from '../security/jwt.ts';
import { createDispatch } from '../link/dispatch.ts';

const router = (path: string, body: unknown) => new Router<PeerState>().post(path, (ctx) => void (ctx.body = body));

describe('RouteTable', () => {
  it('serves a reserved capability only once it is mounted, on REST and the link', async () => {
    const log = pino({ level: 'silent' });
    const routes = new RouteTable()
      .reserve('cluster', ['/register'], router('/heartbeat', { starting: true }))
      .add('always', router('/always', { ok: true }))
      .reserve('the ledger', ['/estoque/']);
    const key = new Uint8Array(32).fill(3);
    const app = createApp({ log, metrics: createMetrics('rt'), selfId: 'rt', jwtKey: key, clusterId: () => 'c', publicPaths: [] }, routes);
    const dispatch = createDispatch(routes, log);
    const server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const token = await signPeerToken(key, 'c', 'p1');
    const both = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      const rest = { status: res.status, body: await res.json() };
      expect(await dispatch(path, {}, 'p1'), path).toEqual(rest);
      return rest;
    };
    try {
      expect(await both('/estoque/status')).toEqual({ status: 503, body: { error: 'UNAVAILABLE', message: 'the ledger is not running on this node yet' } });
      expect((await both('/register')).status).toBe(503);
      expect(await both('/heartbeat')).toEqual({ status: 200, body: { starting: true } });
      expect(await both('/always')).toEqual({ status: 200, body: { ok: true } });
      expect((await both('/elsewhere')).status).toBe(404);

      routes.mount('the ledger', router('/estoque/status', { total: 1 }));
      routes.mount('cluster', router('/heartbeat', { starting: false }), router('/register', { admitted: true }));
      expect(await both('/estoque/status')).toEqual({ status: 200, body: { total: 1 } });
      expect(await both('/heartbeat')).toEqual({ status: 200, body: { starting: false } });
      expect(await both('/register')).toEqual({ status: 200, body: { admitted: true } });
      // A path of the capability it does not serve is an ordinary 404 once it runs.
      expect((await both('/estoque/other')).status).toBe(404);
      expect(() => routes.mount('the ledger', router('/x', {}))).toThrow(/mounted already/);
      expect(() => routes.mount('nobody', router('/x', {}))).toThrow(/no capability/);
    } finally {
      server.close();
    }
  });
});
