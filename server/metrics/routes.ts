// GET /metrics (Prometheus text). Authenticated like every other peer endpoint (DESIGN §3);
// docs/operations.md shows how to scrape it with a token from `trinca token`.
import Router from '@koa/router';
import type { Metrics } from './metrics.ts';
import type { PeerState } from '../http/app.ts';

export function metricsRouter(metrics: Metrics): Router<PeerState> {
  const r = new Router<PeerState>();
  r.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return r;
}
