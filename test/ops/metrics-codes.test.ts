import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from '../security/support/production-gateway.js';
import { parsePrometheus } from './support/prometheus.js';

/**
 * The request metric and log line label a refusal with the code the response carries, and Yoga's name
 * apart. The refusals are Yoga's; the success and the gateway code are sent twice, answered by Yoga
 * and then by the compiled phase, and both get the same line and the same series.
 */
describe('request codes in metrics and logs', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({}, 1);
  });
  afterAll(() => gw.close());

  it.each([
    ['a validation failure', { query: 'query Nope { nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a parse failure', { query: 'query Broken {' }, 'GRAPHQL_PARSE_FAILED'],
    ['a body that is not JSON', '{"query":', 'BAD_REQUEST'],
  ])('%s: code BAD_USER_INPUT as answered, reason %s', async (_what, body, reason) => {
    const answer = await gw.post(body, { key: KEYS.reader });
    expect(answer.phase).toBe('yoga');
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
    const fine = await gw.postTwice({ query: 'query Fine { __typename }' }, { key: KEYS.reader });
    const missing = await gw.postTwice(
      { query: 'query Missing { tokenStatus(appId: "wx0000000000000000") { state } }' },
      { key: KEYS.reader },
    );
    expect([fine.first.phase, fine.repeated.phase, missing.first.phase, missing.repeated.phase]).toEqual([
      'yoga',
      'compiled',
      'yoga',
      'compiled',
    ]);
    const logged = gw.logLines
      .slice(lines)
      .map((l) => JSON.parse(l))
      .filter((l) => l.module === 'http');
    const fineLine = expect.objectContaining({
      msg: 'graphql request',
      operation: 'Fine',
      code: 'ok',
      status: 200,
    });
    const missingLine = expect.objectContaining({
      msg: 'graphql request failed',
      operation: 'Missing',
      code: 'UNKNOWN_APP',
      status: 200,
    });
    expect(logged).toEqual([fineLine, fineLine, missingLine, missingLine]);
    // One line shape whichever phase answered: the same fields, in the same order.
    expect(Object.keys(logged[1])).toEqual(Object.keys(logged[0]));
    expect(Object.keys(logged[3])).toEqual(Object.keys(logged[2]));
    expect(logged.some((l) => 'reason' in l)).toBe(false);
    const samples = parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text());
    const of = (operation: string) =>
      samples.find((s) => s.name === 'wxgw_graphql_requests_total' && s.labels.operation === operation)
        ?.labels;
    const count = (operation: string) =>
      samples
        .filter((s) => s.name === 'wxgw_graphql_requests_total' && s.labels.operation === operation)
        .map((s) => s.value);
    expect(of('Fine')).toEqual({ operation: 'Fine', code: 'ok', reason: '' });
    expect(of('Missing')).toEqual({ operation: 'Missing', code: 'UNKNOWN_APP', reason: '' });
    expect([count('Fine'), count('Missing')]).toEqual([[2], [2]]);
  });
});
