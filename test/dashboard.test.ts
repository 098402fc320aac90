// The Grafana dashboard (build/grafana/trinca-dashboard.json, DESIGN §11) stays in step with
// the metrics: every family a node exports appears in at least one panel, every panel reads
// the Prometheus datasource variable, and every query names a real family.
import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createMetrics } from '../server/metrics/metrics.ts';
import { ROOT } from './support/peer.ts';

interface Panel { type: string; title: string; datasource?: { uid?: string }; targets?: { expr: string; datasource?: { uid?: string } }[] }

describe('Grafana dashboard', () => {
  const dash = JSON.parse(fs.readFileSync(path.join(ROOT, 'build/grafana/trinca-dashboard.json'), 'utf8')) as { panels: Panel[]; templating: { list: { name: string; type: string; query: unknown }[] } };
  const panels = dash.panels.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

  it('has one panel or more for every metric family of server/metrics/metrics.ts', async () => {
    const m = createMetrics('x');
    const families = (await m.registry.getMetricsAsJSON()).map((f) => f.name).filter((n) => !n.startsWith('trinca_process_'));
    expect(families.length).toBeGreaterThan(15);
    for (const f of families) expect(exprs.some((e) => e.includes(f)), `no panel for ${f}`).toBe(true);
    expect(exprs.some((e) => e.includes('trinca_process_'))).toBe(true);
  });

  it('reads Prometheus through the datasource variable and filters by node', () => {
    const ds = dash.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) {
      expect(p.datasource?.uid, p.title).toBe('${datasource}');
      for (const t of p.targets ?? []) {
        expect(t.datasource?.uid).toBe('${datasource}');
        expect(t.expr, p.title).toMatch(/node=~"\$node"/);
        expect(t.expr).toMatch(/trinca_[a-z_]+/);
      }
    }
  });
});
