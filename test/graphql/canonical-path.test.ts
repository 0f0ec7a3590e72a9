import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from '../security/support/production-gateway.js';
import { rawRequest } from '../support/raw-http.js';

/** A POST with the path exactly as written. */
async function post(origin: string, path: string): Promise<{ status: number; body: string }> {
  const answer = await rawRequest(origin, {
    path,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.reader}` },
    body: JSON.stringify({ query: 'query Probe { __typename }' }),
  });
  return { status: answer.status, body: answer.text };
}

const requestsCounted = async (origin: string) => {
  const text = await (await fetch(`${origin}/metrics`)).text();
  return [...text.matchAll(/^wxgw_graphql_requests_total\{[^}]*operation="Probe"[^}]*\} (\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
};

/**
 * The pipeline answers the probe's document only at the exact spelling /graphql (with or without a
 * query string); every variant is a 404, even once the document is compiled.
 */
describe('one spelling of the GraphQL endpoint', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({}, 1);
    // Run once, so the compiled phase knows the document before the variants are tried.
    expect((await post(gw.origin, '/graphql')).status).toBe(200);
  });
  afterAll(() => gw.close());

  it.each([
    '/graphql/',
    '//graphql',
    '/graphql//',
    '/./graphql',
    '/x/../graphql',
    '/%67raphql',
    '//graphql/',
  ])('%s is a 404 naming /graphql, never run unlogged', async (spelling) => {
    const lines = gw.logLines.length;
    const counted = await requestsCounted(gw.origin);
    const answer = await post(gw.origin, spelling);
    expect(answer.status).toBe(404);
    expect(answer.body).toContain('The GraphQL endpoint is /graphql');
    expect(answer.body).not.toContain('__typename');
    expect(await requestsCounted(gw.origin)).toBe(counted);
    expect(gw.logLines.slice(lines).join('')).not.toContain('"operation":"Probe"');
  });

  it.each(['/x/graphql', '/nope?q=/graphql', '/graphql/graphql'])(
    '%s, which Yoga would take for its endpoint, is a 404 and runs nothing',
    async (target) => {
      const lines = gw.logLines.length;
      const answer = await post(gw.origin, target);
      expect(answer.status).toBe(404);
      expect(answer.body).toContain('The GraphQL endpoint is /graphql');
      expect(answer.body).not.toContain('__typename');
      expect(gw.logLines.slice(lines).join('')).not.toContain('"operation":"Probe"');
    },
  );

  it('/graphql (with or without a query string) runs, is logged and counted', async () => {
    const counted = await requestsCounted(gw.origin);
    const lines = gw.logLines.length;
    for (const spelling of ['/graphql', '/graphql?x=1']) {
      const answer = await post(gw.origin, spelling);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ data: { __typename: 'Query' } });
    }
    expect(await requestsCounted(gw.origin)).toBe(counted + 2);
    expect(gw.logLines.slice(lines).filter((line) => line.includes('"operation":"Probe"'))).toHaveLength(2);
  });
});
