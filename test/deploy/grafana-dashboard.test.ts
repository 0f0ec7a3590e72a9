import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectLiveMetrics, describeExposition, type LiveMetrics } from './support/live-metrics.js';
import { missingFrom, promqlReferences } from './support/promql.js';

/** deploy/grafana/wxtoken-gateway.json against the /metrics of a real gateway process, so the two cannot drift. */

interface Target {
  expr: string;
  refId: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: string | { query: string } }[] };
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../deploy/grafana/wxtoken-gateway.json', import.meta.url), 'utf8'),
) as Dashboard;
const targets = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => ({ panel, ...t })));
const variableQueries = dashboard.templating.list
  .map((v) => (typeof v.query === 'string' ? v.query : v.query.query))
  .filter((query) => query.startsWith('label_values('));

describe('the Grafana dashboard', () => {
  let live: LiveMetrics;
  beforeAll(async () => {
    live = await collectLiveMetrics();
  }, 60_000);

  it('is a well-formed dashboard: unique panel ids, a grid position each, queries on every graph', () => {
    expect(dashboard.uid).toBe('wxtoken-gateway');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.gridPos.w, panel.title).toBeGreaterThan(0);
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type !== 'row') expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('queries only metrics and labels a running gateway exposes', () => {
    expect(targets.length).toBeGreaterThan(10);
    const problems = [
      ...targets.flatMap(({ panel, expr }) => missingFrom(live, expr).map((p) => `${panel.title}: ${p}`)),
      ...variableQueries.flatMap((query) =>
        missingFrom(live, query.replace(/label_values\(([^,]+),\s*(\w+)\)/, 'sum by ($2) ($1)')),
      ),
    ];
    expect(problems).toEqual([]);
  });

  it('shows what operators asked for: requests and latency by operation and code, upstream calls, token life, refreshes, circuits, rate-limit refusals', () => {
    const all = targets.map((t) => t.expr).join('\n');
    const used = new Set(promqlReferences(all).metrics.map((m) => m.name));
    for (const name of [
      'wxgw_graphql_requests_total',
      'wxgw_graphql_request_duration_seconds_bucket',
      'wxgw_upstream_calls_total',
      'wxgw_token_expires_in_seconds',
      'wxgw_token_refreshes_total',
      'wxgw_upstream_circuit_open',
    ]) {
      expect(used, name).toContain(name);
    }
    expect(all).toContain('histogram_quantile(0.5');
    expect(all).toContain('histogram_quantile(0.99');
    expect(all).toContain('code="RATE_LIMITED"');
    // The exercise really produced the refusals the panel counts.
    expect(live.text).toMatch(/wxgw_graphql_requests_total\{[^}]*code="RATE_LIMITED"[^}]*\} [1-9]/);
    expect(live.text).toMatch(/wxgw_upstream_circuit_open\{app="wx[0-9a-f]{16}"\} 1/);
  });
});

describe('the drift check itself', () => {
  it('names a metric, a label matcher or a grouping label the exposition lacks', () => {
    const live = describeExposition(
      '# TYPE wxgw_a_total counter\nwxgw_a_total{app="wx0000000000000001"} 1\n# TYPE wxgw_h histogram\n',
    );
    expect(missingFrom(live, 'sum by (app) (rate(wxgw_a_total{app="x"}[5m]))')).toEqual([]);
    expect(missingFrom(live, 'histogram_quantile(0.9, sum by (le) (rate(wxgw_h_bucket[5m])))')).toEqual([]);
    expect(missingFrom(live, 'wxgw_b_total')).toEqual(['metric wxgw_b_total']);
    expect(missingFrom(live, 'wxgw_a_total{code="ok"}')).toEqual(['label code of wxgw_a_total']);
    expect(missingFrom(live, 'sum by (endpoint) (wxgw_a_total)')).toEqual(['grouping label endpoint']);
  });
});
