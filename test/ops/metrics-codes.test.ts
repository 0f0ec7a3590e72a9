import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATHS } from '../graphql/support/paths.js';
import {
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from '../security/support/production-gateway.js';
import { parsePrometheus } from './support/prometheus.js';

/**
 * The request metric and log line label a refusal with the code the response carries, and Yoga's name
 * apart. On both paths (test/graphql/support/paths.ts): the refusals are Yoga's on both, the success and
 * the gateway code are counted and logged by the compiled path itself on the compiled variant.
 */
describe.each(PATHS)('request codes in metrics and logs (%s path)', (path) => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({}, 1, { path });
  });
  afterAll(() => gw.close());

  it.each([
    ['a validation failure', { query: 'query Nope { nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a parse failure', { query: 'query Broken {' }, 'GRAPHQL_PARSE_FAILED'],
    ['a body that is not JSON', '{"query":', 'BAD_REQUEST'],
  ])('%s: code BAD_USER_INPUT as answered, reason %s', async (_what, body, reason) => {
    const answer = await gw.post(body, { key: KEYS.reader });
    expect(answer.servedBy).toBe('yoga');
    expect(answer.json.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason });

    const samples = parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text()).filter(
      (sample) => sample.name === 'wxgw_graphql_requests_total',
    );
    expect(samples.some((s) => s.labels.code === 'BAD_USER_INPUT' && s.labels.reason === reason)).toBe(true);
    expect(samples.some((s) => s.labels.code === reason)).toBe(false);
    const line = gw.logLines.map((l) => JSON.parse(l)).findLast((l) => l.msg === 'graphql request failed');
    expect(line).toMatchObject({ code: 'BAD_USER_INPUT', reason });
  });

  it('a success and a gateway code carry an empty reason', async () => {
    const lines = gw.logLines.length;
    const fine = await gw.post({ query: 'query Fine { __typename }' }, { key: KEYS.reader });
    const missing = await gw.post(
      { query: 'query Missing { tokenStatus(appId: "wx0000000000000000") { state } }' },
      { key: KEYS.reader },
    );
    expect([fine.servedBy, missing.servedBy]).toEqual([path, path]);
    const logged = gw.logLines
      .slice(lines)
      .map((l) => JSON.parse(l))
      .filter((l) => l.module === 'http');
    expect(logged).toEqual([
      expect.objectContaining({ msg: 'graphql request', operation: 'Fine', code: 'ok', status: 200 }),
      expect.objectContaining({
        msg: 'graphql request failed',
        operation: 'Missing',
        code: 'UNKNOWN_APP',
        status: 200,
      }),
    ]);
    expect(logged.some((l) => 'reason' in l)).toBe(false);
    const samples = parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text());
    const of = (operation: string) =>
      samples.find((s) => s.name === 'wxgw_graphql_requests_total' && s.labels.operation === operation)
        ?.labels;
    expect(of('Fine')).toEqual({ operation: 'Fine', code: 'ok', reason: '' });
    expect(of('Missing')).toEqual({ operation: 'Missing', code: 'UNKNOWN_APP', reason: '' });
  });
});
