import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { answeredBy, answersByPhase } from '../support/answers.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { captureLogs } from './support/log-capture.js';
import { parsePrometheus, sampleValue } from './support/prometheus.js';

const TOKEN_STATUS = 'query TokenStatus($appId: ID) { tokenStatus(appId: $appId) { state accessToken } }';
const CALLBACK_IPS = 'query CallbackIps($appId: ID) { callbackIps(appId: $appId) { ips } }';

/**
 * Logs and metrics of the whole gateway over HTTP, against the sandbox. A document is Yoga's the first
 * time and the compiled phase's (or the answer cache's) from then on: the tests count which phase
 * answered (`wxgw_graphql_answers_total`), and what a fast phase logs and counts must read as Yoga's.
 */
describe('gateway logs and metrics over HTTP', () => {
  let sandbox: TestSandbox;
  let gw: TestGateway;
  const logs = captureLogs('info');

  beforeAll(async () => {
    sandbox = await startSandbox({ appCount: 2 });
    gw = await startTestGateway({ sandbox, store: new MemoryStores(), logger: logs.logger });
  });
  afterAll(async () => {
    await gw?.close();
    await sandbox?.close();
  });

  async function scrape() {
    const response = await fetch(`${gw.origin}/metrics`);
    expect(response.status).toBe(200);
    return parsePrometheus(await response.text());
  }

  /** How many requests each phase answered since `before` (a count of `answersByPhase`). */
  async function answeredSince(before: Awaited<ReturnType<typeof answersByPhase>>) {
    const now = await answersByPhase(gw.metrics);
    return { yoga: now.yoga - before.yoga, fast: now.compiled + now.cache - before.compiled - before.cache };
  }

  it('logs each GraphQL request and upstream call with the fields an operator needs, and no secret', async () => {
    const appId = sandbox.apps[0]?.appId as string;
    const before = await answersByPhase(gw.metrics);
    const ips = await gw.graphql(CALLBACK_IPS, { appId }, { 'x-request-id': 'req-ips-1' });
    expect(ips.headers.get('x-request-id')).toBe('req-ips-1');
    expect(
      ((await ips.json()) as { data: { callbackIps: { ips: string[] } } }).data.callbackIps.ips.length,
    ).toBeGreaterThan(0);
    const status = await gw.graphql(TOKEN_STATUS, { appId });
    const accessToken = ((await status.json()) as { data: { tokenStatus: { accessToken: string } } }).data
      .tokenStatus.accessToken;
    expect(accessToken.length).toBeGreaterThan(60);
    const unknown = await gw.graphql(
      TOKEN_STATUS,
      { appId: 'wx0000000000000000' },
      { 'x-request-id': 'req-bad' },
    );
    expect(unknown.headers.get('x-request-id')).toBe('req-bad');
    // The third ran TokenStatus's document again: compiled by then.
    expect(await answeredSince(before)).toEqual({ yoga: 2, fast: 1 });
    // The first two again, now answered by a fast phase, with ids of their own.
    const fastBefore = await answersByPhase(gw.metrics);
    const ipsAgain = await gw.graphql(CALLBACK_IPS, { appId }, { 'x-request-id': 'req-ips-2' });
    expect(ipsAgain.headers.get('x-request-id')).toBe('req-ips-2');
    const unknownAgain = await gw.graphql(
      TOKEN_STATUS,
      { appId: 'wx0000000000000000' },
      { 'x-request-id': 'req-bad-2' },
    );
    expect(unknownAgain.headers.get('x-request-id')).toBe('req-bad-2');
    expect(await answeredSince(fastBefore)).toEqual({ yoga: 0, fast: 2 });

    const requests = logs.lines.filter((line) => line.module === 'http');
    const line = (reqId: string) => requests.find((entry) => entry.reqId === reqId);
    for (const reqId of ['req-ips-1', 'req-ips-2']) {
      expect(line(reqId), reqId).toMatchObject({
        operation: 'CallbackIps',
        code: 'ok',
        status: 200,
        durationMs: expect.any(Number),
      });
    }
    for (const reqId of ['req-bad', 'req-bad-2']) {
      expect(line(reqId), reqId).toMatchObject({ operation: 'TokenStatus', code: 'UNKNOWN_APP' });
    }
    // Whichever phase answered, the line has the same fields.
    expect(Object.keys(line('req-ips-2') ?? {})).toEqual(Object.keys(line('req-ips-1') ?? {}));
    expect(Object.keys(line('req-bad-2') ?? {})).toEqual(Object.keys(line('req-bad') ?? {}));
    const upstream = logs.lines.filter((line) => line.module === 'upstream');
    expect(upstream.map((line) => line.endpoint)).toEqual(
      expect.arrayContaining(['/cgi-bin/stable_token', '/cgi-bin/getcallbackip']),
    );
    expect(upstream[0]).toMatchObject({
      host: new URL(sandbox.url).host,
      outcome: 'ok',
      durationMs: expect.any(Number),
    });

    // A client's UNKNOWN_APP is an answer, not a server error: the request line above reports it,
    // and nothing is logged at error level (Yoga would log every error the mask reshapes).
    expect(logs.lines.filter((line) => (line.level as number) >= 50)).toEqual([]);

    const raw = logs.raw();
    expect(raw).not.toContain(accessToken);
    for (const app of sandbox.apps) expect(raw).not.toContain(app.appSecret);
  });

  it('counts upstream errcodes with their rid in the log', async () => {
    const appId = sandbox.apps[1]?.appId as string;
    await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/getcallbackip', times: 1 });
    // The document is compiled (above): the compiled phase meets WeChat's errcode.
    const { result: response, phase } = await answeredBy(gw.metrics, () =>
      gw.graphql(CALLBACK_IPS, { appId }),
    );
    expect(response.status).toBe(200);
    expect(phase).toBe('compiled');
    const failed = logs.lines.find((line) => line.module === 'upstream' && line.outcome === 'errcode');
    expect(failed).toMatchObject({
      endpoint: '/cgi-bin/getcallbackip',
      errcode: -1,
      rid: expect.any(String),
    });
    const samples = await scrape();
    expect(
      sampleValue(samples, 'wxgw_upstream_calls_total', {
        endpoint: '/cgi-bin/getcallbackip',
        outcome: 'errcode',
      }),
    ).toBe(1);
  });

  it('exposes request, upstream and token series that moved with the traffic', async () => {
    const before = await scrape();
    const appId = sandbox.apps[0]?.appId as string;
    const phasesBefore = await answersByPhase(gw.metrics);
    await gw.graphql(TOKEN_STATUS, { appId });
    await gw.graphql(TOKEN_STATUS, { appId });
    await gw.graphql('{ tokenStatus(appId: "wx0000000000000000") { state } }');
    // TokenStatus ran above (fast phases, counted by the same series); the anonymous document is new.
    expect(await answeredSince(phasesBefore)).toEqual({ yoga: 1, fast: 2 });
    const after = await scrape();

    const ok = (samples: typeof after) =>
      sampleValue(samples, 'wxgw_graphql_requests_total', { operation: 'TokenStatus', code: 'ok' }) ?? 0;
    expect(ok(after) - ok(before)).toBe(2);
    expect(
      sampleValue(after, 'wxgw_graphql_requests_total', { operation: 'anonymous', code: 'UNKNOWN_APP' }),
    ).toBe(1);
    expect(
      sampleValue(after, 'wxgw_graphql_request_duration_seconds_count', {
        operation: 'TokenStatus',
        code: 'ok',
      }),
    ).toBe(ok(after));
    expect(
      sampleValue(after, 'wxgw_upstream_calls_total', { endpoint: '/cgi-bin/stable_token', outcome: 'ok' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(after, 'wxgw_upstream_call_duration_seconds_count', { endpoint: '/cgi-bin/stable_token' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sampleValue(after, 'wxgw_token_refreshes_total', { app: appId, reason: 'cold' })).toBe(1);
    // The first callbackIps waited for the cold fetch; later lookups are served from the cache
    // (callbackIps answers are cached themselves, so ask the manager directly).
    expect(sampleValue(after, 'wxgw_token_cache_lookups_total', { app: appId, result: 'miss' })).toBe(1);
    await gw.manager.getToken(appId);
    const hits = sampleValue(await scrape(), 'wxgw_token_cache_lookups_total', { app: appId, result: 'hit' });
    expect(hits).toBeGreaterThanOrEqual(1);
    const expiresIn = sampleValue(after, 'wxgw_token_expires_in_seconds', { app: appId }) as number;
    expect(expiresIn).toBeGreaterThan(7000);
    expect(expiresIn).toBeLessThanOrEqual(7200);
    expect(sampleValue(after, 'wxgw_upstream_circuit_open', { app: appId })).toBe(0);
    expect(sampleValue(after, 'wxgw_store_degraded')).toBe(0);
    // No label anywhere holds a token or a secret.
    const labelValues = after.flatMap((sample) => Object.values(sample.labels));
    for (const app of sandbox.apps) expect(labelValues).not.toContain(app.appSecret);
    expect(labelValues.every((value) => value.length <= 64)).toBe(true);
  });
});
