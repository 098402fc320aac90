// Dispatch through real Koa routers: the link's answer is what the REST app answers.
import { describe, it, expect } from 'vitest';
import http from 'node:http';
import Router from '@koa/router';
import pino from 'pino';
import { createApp, type PeerState } from '../http/app.ts';
import { HttpError, parseBody } from '../http/errors.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { signPeerToken } from '../security/jwt.ts';
import { createDispatch } from './dispatch.ts';
import { RouteTable } from '../http/route-table.ts';
import { z } from 'zod';

function routers(): Router<PeerState>[] {
  const a = new Router<PeerState>();
  a.post('/a/echo', (ctx) => {
    const b = parseBody(z.object({ n: z.number() }), ctx.request.body);
    ctx.body = { n: b.n, peer: ctx.state.peer };
  });
  a.post('/a/refuse', () => {
    throw new HttpError(409, 'TAKEN', 'already taken');
  });
  a.post('/a/crash', () => {
    throw new Error('boom');
  });
  const b = new Router<PeerState>();
  b.post('/b/:id/created', async (ctx) => {
    await new Promise((r) => setImmediate(r));
    ctx.status = 201;
    ctx.body = { id: ctx.params.id };
  });
  return [a, b];
}

describe('link dispatch', () => {
  const log = pino({ level: 'silent' });
  const dispatch = createDispatch(new RouteTable().add('test', ...routers()), log);

  it('answers every case with the status and body the REST app gives', async () => {
    const key = new Uint8Array(32).fill(7);
    const app = createApp({ log, metrics: createMetrics('t'), selfId: 't', jwtKey: key, clusterId: () => 'c', publicPaths: [] }, new RouteTable().add('test', ...routers()));
    const server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const token = await signPeerToken(key, 'c', 'p9');
    const cases: [string, unknown][] = [
      ['/a/echo', { n: 5 }],
      ['/a/echo', { n: 'x' }],
      ['/a/refuse', {}],
      ['/a/crash', {}],
      ['/b/m1/created', {}],
      ['/nowhere', {}],
    ];
    try {
      for (const [path, body] of cases) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const rest = { status: res.status, body: await res.json() };
        expect(await dispatch(path, body, 'p9'), path).toEqual(rest);
      }
    } finally {
      server.close();
    }
  });
});
