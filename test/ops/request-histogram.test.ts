import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestHistogram } from '../../src/metrics/request-histogram.js';

/**
 * RequestHistogram (src/metrics/request-histogram.ts) stands in for a prom-client Histogram and
 * Counter fed the same observations: a scrape must read exactly as theirs would.
 */
const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: [Record<'operation' | 'code', string>, number][] = [
  [{ operation: 'TokenStatus', code: 'ok' }, 0.0004],
  [{ operation: 'TokenStatus', code: 'ok' }, 0.001],
  [{ operation: 'TokenStatus', code: 'ok' }, 0.05],
  [{ operation: 'Ips', code: 'RATE_LIMITED' }, 2.5],
  [{ operation: 'TokenStatus', code: 'ok' }, 0.1],
];

function withPromClient(): Registry {
  const registry = new Registry();
  const histogram = new Histogram({
    name: 'x_duration_seconds',
    help: 'How long.',
    labelNames: ['operation', 'code'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const counter = new Counter({
    name: 'x_total',
    help: 'How many.',
    labelNames: ['operation', 'code'],
    registers: [registry],
  });
  for (const [labels, value] of OBSERVATIONS) {
    histogram.observe(labels, value);
    counter.inc(labels);
  }
  return registry;
}

function withRequestHistogram(): { registry: Registry; histogram: RequestHistogram<'operation' | 'code'> } {
  const registry = new Registry();
  const histogram = new RequestHistogram({
    name: 'x_duration_seconds',
    help: 'How long.',
    labelNames: ['operation', 'code'],
    buckets: BUCKETS,
    registers: [registry],
    counter: { name: 'x_total', help: 'How many.' },
  });
  for (const [labels, value] of OBSERVATIONS) histogram.series(labels).observe(value);
  return { registry, histogram };
}

describe('RequestHistogram', () => {
  it("reads as prom-client's histogram and counter fed the same observations", async () => {
    const ours = withRequestHistogram().registry;
    const theirs = withPromClient();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('gives one series per label set, and starts again from nothing on reset', async () => {
    const { registry, histogram } = withRequestHistogram();
    const series = histogram.series({ operation: 'TokenStatus', code: 'ok' });
    expect(histogram.series({ operation: 'TokenStatus', code: 'ok' })).toBe(series);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('TokenStatus');
    histogram.series({ operation: 'TokenStatus', code: 'ok' }).observe(0.002);
    expect(await registry.metrics()).toContain('x_total{operation="TokenStatus",code="ok"} 1');
  });
});
