import { describe, expect, it } from 'vitest';
import type { TokenStatus } from '../../src/credentials/types.js';
import { GatewayMetrics, type TokenStateSource } from '../../src/metrics/gateway-metrics.js';
import { parsePrometheus, sampleValue } from './support/prometheus.js';

const APP_A = 'wx00000000000000aa';
const APP_B = 'wx00000000000000bb';
const SECRET_TOKEN = 'T'.repeat(120);

function source(statuses: TokenStatus[], degraded = false): TokenStateSource & { reads: number } {
  const fake = {
    reads: 0,
    tokens: {
      listApps: () => statuses.map(({ appId, name }) => ({ appId, name, tokenMode: 'stable' as const })),
      statuses: async (appIds: readonly string[]) => {
        fake.reads++;
        return appIds.map((appId) => {
          const found = statuses.find((s) => s.appId === appId);
          if (!found) throw new Error('unknown');
          return found;
        });
      },
    },
    store: { health: async () => ({ ok: true, degraded }) },
  };
  return fake;
}

describe('GatewayMetrics', () => {
  it('counts in wxgw_graphql_requests_total exactly the requests the duration histogram observed, after a reset too', async () => {
    const metrics = new GatewayMetrics({ knownOperations: ['TokenStatus'] });
    const observe = () => {
      metrics.observeGraphQLRequest({ ran: { operationName: 'TokenStatus' } }, 'ok', 0.0004);
      metrics.observeGraphQLRequest({ ran: { operationName: 'TokenStatus' } }, 'ok', 0.2);
      metrics.observeGraphQLRequest({}, 'BAD_USER_INPUT', 0.001, 'GRAPHQL_VALIDATION_FAILED');
    };
    observe();
    const countsAgree = async () => {
      const samples = parsePrometheus(await metrics.text());
      const counts = samples.filter((s) => s.name === 'wxgw_graphql_request_duration_seconds_count');
      const totals = samples.filter((s) => s.name === 'wxgw_graphql_requests_total');
      expect(totals).toEqual(counts.map((count) => ({ ...count, name: 'wxgw_graphql_requests_total' })));
      return totals.map((total) => [total.labels, total.value]);
    };
    expect(await countsAgree()).toEqual([
      [{ operation: 'TokenStatus', code: 'ok', reason: '' }, 2],
      [{ operation: 'not_run', code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' }, 1],
    ]);
    metrics.registry.resetMetrics();
    expect(await countsAgree()).toEqual([]);
    observe();
    expect((await countsAgree()).map(([, value]) => value)).toEqual([2, 1]);
  });

  it('a read sees every request observed before it, in the same event-loop turn or after it', async () => {
    const metrics = new GatewayMetrics({ knownOperations: ['TokenStatus'] });
    const count = async () =>
      sampleValue(parsePrometheus(await metrics.text()), 'wxgw_graphql_request_duration_seconds_count', {
        operation: 'TokenStatus',
        code: 'ok',
        reason: '',
      });
    metrics.observeGraphQLRequest({ ran: { operationName: 'TokenStatus' } }, 'ok', 0.001);
    expect(await count()).toBe(1);
    metrics.observeGraphQLRequest({ ran: { operationName: 'TokenStatus' } }, 'ok', 0.001);
    metrics.observeGraphQLRequest({ ran: { operationName: 'TokenStatus' } }, 'ok', 0.001);
    // Recorded at the end of the turn, then read: each request once.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await count()).toBe(3);
    expect(await count()).toBe(3);
  });

  it('exposes the GraphQL, upstream, token and reload series with bounded labels', async () => {
    const metrics = new GatewayMetrics({ knownOperations: ['TokenStatus'], maxOperationNames: 1 });
    metrics.observeGraphQLRequest({ ran: { operationName: 'TokenStatus' } }, 'ok', 0.003);
    metrics.observeGraphQLRequest({ ran: { operationName: 'TokenStatus' } }, 'ok', 0.004);
    metrics.observeGraphQLRequest({ ran: { operationName: 'Learned' } }, 'UNKNOWN_APP', 0.002);
    metrics.observeGraphQLRequest({ ran: { operationName: 'Overflow' } }, 'ok', 0.002);
    metrics.observeGraphQLRequest({}, 'GRAPHQL_PARSE_FAILED', 0.001);
    metrics.observeGraphQLRequest({ ran: { operationName: undefined } }, 'ok', 0.001);
    metrics.observeGraphQLRequest({ ran: { operationName: 'Learned' } }, 'not a code', 0.001);
    metrics.observeUpstreamCall({
      endpoint: '/cgi-bin/stable_token',
      baseUrl: 'http://127.0.0.1:1',
      durationMs: 30,
      outcome: 'ok',
    });
    metrics.observeUpstreamCall({
      endpoint: '/cgi-bin/stable_token',
      baseUrl: 'http://127.0.0.1:1',
      durationMs: 5000,
      outcome: 'timeout',
    });
    metrics.observeTokenEvent({
      type: 'updated',
      kind: 'token',
      appId: APP_A,
      fingerprint: 'f',
      expiresAt: 0,
      reason: 'cold',
    });
    metrics.observeTokenEvent({
      type: 'updated',
      kind: 'token',
      appId: APP_A,
      fingerprint: 'f',
      expiresAt: 0,
      reason: 'forced',
    });
    metrics.observeTokenEvent({ type: 'invalidated', kind: 'token', appId: APP_A, fingerprint: 'f' });
    metrics.observeTokenEvent({
      type: 'error',
      kind: 'token',
      appId: APP_B,
      code: 'WECHAT_INVALID_SECRET',
      message: SECRET_TOKEN,
      background: true,
    });
    metrics.observeTokenLookup(APP_A, 'hit');
    metrics.observeTokenLookup(APP_A, 'miss');
    metrics.observeConfigReload('error');

    const text = await metrics.text();
    const samples = parsePrometheus(text);
    const requests = (labels: Record<string, string>) =>
      sampleValue(samples, 'wxgw_graphql_requests_total', labels);
    expect(requests({ operation: 'TokenStatus', code: 'ok' })).toBe(2);
    expect(requests({ operation: 'Learned', code: 'UNKNOWN_APP' })).toBe(1);
    expect(requests({ operation: 'other', code: 'ok' })).toBe(1);
    expect(requests({ operation: 'not_run', code: 'GRAPHQL_PARSE_FAILED' })).toBe(1);
    expect(requests({ operation: 'anonymous', code: 'ok' })).toBe(1);
    expect(requests({ operation: 'Learned', code: 'other' })).toBe(1);
    expect(
      sampleValue(samples, 'wxgw_graphql_request_duration_seconds_count', {
        operation: 'TokenStatus',
        code: 'ok',
      }),
    ).toBe(2);
    expect(
      sampleValue(samples, 'wxgw_graphql_request_duration_seconds_bucket', {
        operation: 'TokenStatus',
        code: 'ok',
        le: '0.0025',
      }),
    ).toBe(0);
    expect(
      sampleValue(samples, 'wxgw_upstream_calls_total', {
        endpoint: '/cgi-bin/stable_token',
        outcome: 'timeout',
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, 'wxgw_upstream_call_duration_seconds_sum', { endpoint: '/cgi-bin/stable_token' }),
    ).toBeCloseTo(5.03);
    expect(sampleValue(samples, 'wxgw_token_refreshes_total', { app: APP_A, reason: 'forced' })).toBe(1);
    expect(sampleValue(samples, 'wxgw_token_invalidations_total', { app: APP_A })).toBe(1);
    expect(
      sampleValue(samples, 'wxgw_token_fetch_errors_total', { app: APP_B, code: 'WECHAT_INVALID_SECRET' }),
    ).toBe(1);
    expect(sampleValue(samples, 'wxgw_token_cache_lookups_total', { app: APP_A, result: 'miss' })).toBe(1);
    expect(sampleValue(samples, 'wxgw_config_reloads_total', { outcome: 'error' })).toBe(1);

    // Only the declared label names appear, and no free text leaks into the exposition.
    const allowed = new Set(['operation', 'code', 'endpoint', 'outcome', 'app', 'reason', 'result', 'le']);
    for (const sample of samples) {
      for (const name of Object.keys(sample.labels)) expect(allowed).toContain(name);
    }
    expect(text).not.toContain(SECRET_TOKEN);
    expect(text).not.toContain('Overflow');
  });

  it('reads token expiry, circuits and store health from the source at scrape time only', async () => {
    const metrics = new GatewayMetrics();
    const statuses: TokenStatus[] = [
      { appId: APP_A, name: 'a', state: 'FRESH', expiresInSeconds: 7000, degraded: false },
      {
        appId: APP_B,
        name: 'b',
        state: 'MISSING',
        degraded: false,
        circuitOpenUntil: new Date(Date.now() + 60_000),
      },
    ];
    const fake = source(statuses, true);
    metrics.readTokenStateFrom(fake);
    expect(fake.reads).toBe(0);

    const samples = parsePrometheus(await metrics.text());
    // One batched status read per scrape (every app at once), shared by both per-app gauges.
    expect(fake.reads).toBe(1);
    expect(sampleValue(samples, 'wxgw_token_expires_in_seconds', { app: APP_A })).toBe(7000);
    expect(sampleValue(samples, 'wxgw_token_expires_in_seconds', { app: APP_B })).toBe(0);
    expect(sampleValue(samples, 'wxgw_upstream_circuit_open', { app: APP_A })).toBe(0);
    expect(sampleValue(samples, 'wxgw_upstream_circuit_open', { app: APP_B })).toBe(1);
    expect(sampleValue(samples, 'wxgw_store_degraded')).toBe(1);
    // A degraded store (and an app without a token) is what /ready answers 503 for.
    expect(sampleValue(samples, 'wxgw_ready')).toBe(0);

    // An app removed from the configuration disappears from the gauges at the next scrape.
    statuses.pop();
    const after = parsePrometheus(await metrics.text());
    expect(fake.reads).toBe(2);
    expect(sampleValue(after, 'wxgw_token_expires_in_seconds', { app: APP_B })).toBeUndefined();
  });

  it('reports readiness as /ready decides it: 1 with usable tokens and a healthy store', async () => {
    const metrics = new GatewayMetrics();
    const statuses: TokenStatus[] = [
      { appId: APP_A, name: 'a', state: 'FRESH', expiresInSeconds: 7000, degraded: false },
      {
        appId: APP_B,
        name: 'b',
        state: 'MISSING',
        degraded: false,
        lastError: { code: 'WECHAT_INVALID_SECRET', message: 'x', at: new Date() },
      },
    ];
    metrics.readTokenStateFrom(source(statuses));
    // A configuration error does not hold readiness back (restarting cannot fix it).
    expect(sampleValue(parsePrometheus(await metrics.text()), 'wxgw_ready')).toBe(1);
    statuses[1] = { appId: APP_B, name: 'b', state: 'MISSING', degraded: false };
    expect(sampleValue(parsePrometheus(await metrics.text()), 'wxgw_ready')).toBe(0);
  });

  it('gives each gateway its own registry, so two in one process do not collide', async () => {
    const one = new GatewayMetrics();
    const two = new GatewayMetrics();
    one.observeConfigReload('ok');
    expect(
      sampleValue(parsePrometheus(await one.text()), 'wxgw_config_reloads_total', { outcome: 'ok' }),
    ).toBe(1);
    expect(
      sampleValue(parsePrometheus(await two.text()), 'wxgw_config_reloads_total', { outcome: 'ok' }),
    ).toBeUndefined();
    expect(await one.text()).not.toMatch(/^process_|^nodejs_/m);
  });
});
