// `--metrics-bind 127.0.0.1:PORT`: /metrics for a Prometheus on the same machine, without
// the peer JWT the main port asks for. Loopback only (parseMetricsBind refuses anything
// else), so nothing beyond this machine can read it; the main port's /metrics stays as it is.
import http from 'node:http';
import type { Metrics } from './metrics.ts';

export function metricsListener(metrics: Metrics): http.Server {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics is served here\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  server.keepAliveTimeout = 30_000;
  return server;
}
