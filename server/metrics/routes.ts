// GET /metrics (Prometheus text). Authenticated like every other peer endpoint (docs/design.md
// §3); for a stock Prometheus, `--metrics-bind` serves the same text on loopback without a
// token (loopback.ts). docs/operations.md, "Monitoring", shows both.
import Router from '@koa/router';
import type { Metrics } from './metrics.ts';
import type { PeerState } from '../http/app.ts';

export function metricsRestRouter(metrics: Metrics): Router<PeerState> {
  const r = new Router<PeerState>();
  r.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return r;
}
