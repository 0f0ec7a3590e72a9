import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  graphql,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from '../security/support/production-gateway.js';
import { parsePrometheus } from './support/prometheus.js';

/** The request metric and log line label a refusal with the code the response carries, and Yoga's name apart. */
describe('request codes in metrics and logs', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway();
  });
  afterAll(() => gw.close());

  it.each([
    ['a validation failure', { query: 'query Nope { nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
    ['a parse failure', { query: 'query Broken {' }, 'GRAPHQL_PARSE_FAILED'],
    ['a body that is not JSON', '{"query":', 'BAD_REQUEST'],
  ])('%s: code BAD_USER_INPUT as answered, reason %s', async (_what, body, reason) => {
    const answer = await graphql(gw.url, body, { key: KEYS.reader });
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
    await graphql(gw.url, { query: 'query Fine { __typename }' }, { key: KEYS.reader });
    await graphql(
      gw.url,
      { query: 'query Missing { tokenStatus(appId: "wx0000000000000000") { state } }' },
      { key: KEYS.reader },
    );
    const samples = parsePrometheus(await (await fetch(`${gw.origin}/metrics`)).text());
    const of = (operation: string) =>
      samples.find((s) => s.name === 'wxgw_graphql_requests_total' && s.labels.operation === operation)
        ?.labels;
    expect(of('Fine')).toEqual({ operation: 'Fine', code: 'ok', reason: '' });
    expect(of('Missing')).toEqual({ operation: 'Missing', code: 'UNKNOWN_APP', reason: '' });
  });
});
