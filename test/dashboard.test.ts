// The Grafana dashboard (build/grafana/trinca-dashboard.json) against a live node, scraped
// the way build/prometheus/prometheus.yml does (a node started with --metrics-bind, plain
// GET /metrics on loopback, no token): every metric name any panel or variable queries is a
// series the node exposes — process and Node.js metrics included — and every trinca_ family
// the node exposes appears in a panel. The names follow Prometheus's conventions.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Peer, ROOT, tempDir } from './support/peer.ts';
import { freePorts } from './support/ports.ts';

interface Target { expr: string; datasource?: { uid?: string } }
interface Panel { type: string; title: string; datasource?: { uid?: string }; targets?: Target[] }
interface Dashboard { panels: Panel[]; templating: { list: { name: string; type: string; query: unknown; definition?: string }[] } }

const dash = JSON.parse(fs.readFileSync(path.join(ROOT, 'build/grafana/trinca-dashboard.json'), 'utf8')) as Dashboard;
const panels = dash.panels.filter((p) => p.type !== 'row');
const prometheusYml = fs.readFileSync(path.join(ROOT, 'build/prometheus/prometheus.yml'), 'utf8');

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/** The metric names a PromQL expression reads (not functions, keywords, labels or variables). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)) {
    if (m[2] || PROMQL_WORDS.has(m[1])) continue;
    names.add(m[1]);
  }
  return [...names];
}

/** Series names a scrape offers: each family's own name, and _bucket/_sum/_count for histograms. */
function exposedNames(text: string): { names: Set<string>; families: Map<string, string> } {
  const families = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(m[1], m[2]);
  const names = new Set<string>();
  for (const [f, type] of families) {
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(f + s);
    else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(f + s);
    else names.add(f);
  }
  return { names, families };
}

describe('Grafana dashboard against a live node scraped like prometheus.yml', () => {
  const dir = tempDir();
  let peer: Peer;
  let scrape = '';
  let bind = '';

  beforeAll(async () => {
    const [http, mqtt, metricsPort] = await freePorts(3);
    bind = `127.0.0.1:${metricsPort}`;
    peer = new Peer({ id: 'p1', dataDir: path.join(dir, 'p1'), httpPort: http, mqttPort: mqtt, extraArgs: ['--metrics-bind', bind] });
    await peer.start();
    // What Prometheus does: GET <scheme>://<target><metrics_path>, no credentials.
    const res = await fetch(`http://${bind}/metrics`, { headers: { accept: 'text/plain;version=0.0.4' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    scrape = await res.text();
  }, 30_000);

  afterAll(async () => {
    await peer?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('prometheus.yml scrapes /metrics over plain HTTP on a loopback --metrics-bind target', () => {
    expect(prometheusYml).toMatch(/^\s*metrics_path: \/metrics$/m);
    expect(prometheusYml).toMatch(/^\s*scheme: http$/m);
    expect(prometheusYml).not.toMatch(/^\s*(authorization|bearer_token|basic_auth):/m);
    expect(prometheusYml).toMatch(/targets: \['127\.0\.0\.1:\d+'\]/);
    expect(prometheusYml).toContain('--metrics-bind 127.0.0.1:');
  });

  it('every metric a panel or variable names is exposed by the node, process metrics included', () => {
    const { names } = exposedNames(scrape);
    const queried = [
      ...panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr).map((n) => [p.title, n] as const))),
      ...dash.templating.list.filter((v) => v.definition).flatMap((v) => metricNames(v.definition!.replace(/^label_values\(([^,]+),.*$/, '$1')).map((n) => [`variable ${v.name}`, n] as const)),
    ];
    expect(queried.length).toBeGreaterThan(25);
    const missing = queried.filter(([, n]) => !names.has(n)).map(([t, n]) => `${t}: ${n}`);
    expect(missing).toEqual([]);
    for (const n of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(queried.some(([, q]) => q === n), n).toBe(true);
    }
  });

  it('every trinca_ family the node exposes has a panel', () => {
    const { families } = exposedNames(scrape);
    const exprs = panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr)));
    const ours = [...families.keys()].filter((f) => f.startsWith('trinca_'));
    expect(ours.length).toBeGreaterThan(15);
    for (const f of ours) expect(exprs.some((n) => n === f || n.startsWith(`${f}_`)), `no panel for ${f}`).toBe(true);
  });

  it('names follow Prometheus conventions: no doubled prefix, durations in seconds, counters end in _total', () => {
    const { families } = exposedNames(scrape);
    for (const [f, type] of families) {
      expect(f, f).not.toMatch(/(^|_)(\w+_)\2/); // no "process_process_", "trinca_trinca_"
      expect(f, f).not.toMatch(/_(ms|milliseconds)(_|$)/);
      if (type === 'counter') expect(f, f).toMatch(/_total$/);
      if (f.startsWith('trinca_') && type === 'histogram' && /duration|latency/.test(f)) expect(f).toMatch(/_seconds$/);
    }
    expect(families.get('process_cpu_seconds_total')).toBe('counter');
    expect(scrape).toMatch(/^trinca_raft_term\{node="p1"\} \d+$/m);
  });

  it('reads Prometheus through the datasource variable and filters by node', () => {
    const ds = dash.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid).toBe('${datasource}');
        for (const n of metricNames(t.expr)) expect(t.expr, p.title).toMatch(new RegExp(`${n}\\{[^}]*node=~"\\$node"`));
      }
    }
  });
});

describe('metricNames (the PromQL reader the checks rely on)', () => {
  it('finds the metrics and skips functions, keywords, labels and ranges', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(trinca_http_request_duration_seconds_bucket{node=~"$node",status=~"[45].."}[$__rate_interval])))')).toEqual(['trinca_http_request_duration_seconds_bucket']);
    expect(metricNames('sum(rate(a_sum{node=~"$node"}[5m])) / sum(rate(a_count{node=~"$node"}[5m]))')).toEqual(['a_sum', 'a_count']);
    expect(metricNames('max by (node, role) (trinca_raft_role{node=~"$node"}) == 1')).toEqual(['trinca_raft_role']);
  });
});
