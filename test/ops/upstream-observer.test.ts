import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { observeUpstreamCalls } from '../../src/metrics/upstream-observer.js';
import { captureLogs } from './support/log-capture.js';
import { parsePrometheus, sampleValue } from './support/prometheus.js';

describe('observeUpstreamCalls', () => {
  it('logs each attempt with endpoint, host, duration, outcome, errcode and rid, and counts it', async () => {
    const logs = captureLogs();
    const metrics = new GatewayMetrics();
    const observe = observeUpstreamCalls({ logger: logs.logger, metrics });
    observe({
      endpoint: '/cgi-bin/stable_token',
      baseUrl: 'https://api.weixin.qq.com',
      durationMs: 41.7,
      outcome: 'ok',
      status: 200,
    });
    observe({
      endpoint: '/cgi-bin/getcallbackip',
      baseUrl: 'https://api2.weixin.qq.com',
      durationMs: 12,
      outcome: 'errcode',
      status: 200,
      errcode: 40001,
      rid: '6523b7f1-0c1a2b3c-4d5e6f70',
    });

    const [ok, failed] = logs.lines;
    expect(ok).toMatchObject({
      level: 30,
      module: 'upstream',
      msg: 'upstream call',
      endpoint: '/cgi-bin/stable_token',
      host: 'api.weixin.qq.com',
      durationMs: 42,
      outcome: 'ok',
      status: 200,
    });
    expect(failed).toMatchObject({
      level: 40,
      host: 'api2.weixin.qq.com',
      outcome: 'errcode',
      errcode: 40001,
      rid: '6523b7f1-0c1a2b3c-4d5e6f70',
    });
    const samples = parsePrometheus(await metrics.text());
    expect(
      sampleValue(samples, 'wxgw_upstream_calls_total', {
        endpoint: '/cgi-bin/getcallbackip',
        outcome: 'errcode',
      }),
    ).toBe(1);
  });

  it('logs only the host of a base URL, never a path or query that could carry a credential', () => {
    const logs = captureLogs();
    const observe = observeUpstreamCalls({ logger: logs.logger });
    const secret = 'c'.repeat(32);
    observe({
      endpoint: '/cgi-bin/token',
      baseUrl: `https://user:${secret}@proxy.example:8443/wx?secret=${secret}`,
      durationMs: 5,
      outcome: 'network_error',
    });
    expect(logs.lines[0]).toMatchObject({ host: 'proxy.example:8443', outcome: 'network_error' });
    expect(logs.raw()).not.toContain(secret);
  });
});
