import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/pipeline/csrf.js';
import { answeredBy } from '../support/answers.js';
import {
  FAST_PHASES,
  KEYS,
  type PhaseAnswer,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

/**
 * Hostile input against the production gateway: every request gets a clear 4xx or a GraphQL error
 * with a stable `extensions.code`, and the process stays healthy afterwards. The body limit is raised
 * to 2 MiB so the query limits, not only the body limit, are what stop the large documents.
 *
 * Every answer says which execution phase gave it (`wxgw_graphql_answers_total`). The compiled phase
 * answers only well-formed queries within the limits (a huge appId sent again, the final health check);
 * everything hostile is refused by admission or by Yoga, even when the document itself is one the
 * compiled phase knows.
 */

/** Codes of the error contract a hostile request may meet (request-level failures are BAD_USER_INPUT). */
const STABLE_CODES = new Set(['BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED']);

/** Sends raw bytes with exact headers (fetch would fix up what a hostile client does not). */
function rawRequest(url: string, body: Buffer, headers: Record<string, string>) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function expectClearRefusal(answer: { status: number; text: string; phase: PhaseAnswer['phase'] }) {
  // A hostile request is refused by admission or by Yoga, never answered by a fast phase.
  expect(answer.phase, answer.text.slice(0, 300)).toBeOneOf(['none', 'yoga']);
  const json = (() => {
    try {
      return JSON.parse(answer.text);
    } catch {
      return undefined;
    }
  })();
  const codes: string[] = (json?.errors ?? []).map(
    (e: { extensions?: { code?: string } }) => e.extensions?.code,
  );
  const clear4xx = answer.status >= 400 && answer.status < 500;
  const codedError = codes.length > 0 && codes.every((code) => STABLE_CODES.has(code));
  expect(clear4xx || codedError, `${answer.status} ${answer.text.slice(0, 300)}`).toBe(true);
  if (json?.errors) expect(codedError, answer.text.slice(0, 300)).toBe(true);
  expect(json?.data ?? null).toBeNull();
  return { codes, json };
}

describe('hostile input', () => {
  let gw: ProductionGateway;
  const auth = { authorization: `Bearer ${KEYS.reader}` };
  beforeAll(async () => {
    gw = await startProductionGateway(
      {
        MAX_BODY_BYTES: String(2 * 1024 * 1024),
        RATE_LIMIT_REQUESTS_PER_SECOND: '0',
      },
      1,
    );
  });
  afterAll(() => gw.close());

  /** Runs `query` once as a well-formed request, so that the compiled phase knows its document. */
  async function compile(query: string) {
    expect((await gw.post({ query }, { key: KEYS.reader })).status).toBe(200);
  }

  /** Raw bytes to the gateway, `known` compiled first; says which phase answered. */
  async function rawPost(body: Buffer, headers: Record<string, string>, known = '{ tokenStatus { state } }') {
    await compile(known);
    const { result, phase } = await answeredBy(gw.metrics, () => rawRequest(gw.url, body, headers));
    return { ...result, phase };
  }

  it('a 1 MiB query: refused by the token limit before it is parsed whole', async () => {
    const query = `{ tokenStatus { ${'state '.repeat((1024 * 1024) / 6)}} }`;
    const { codes } = expectClearRefusal(await gw.post({ query }, { key: KEYS.reader }));
    expect(codes).toContain('BAD_USER_INPUT');
  });

  it('a 3 MiB body: 413 from the body limit', async () => {
    const answer = await gw.post(
      { query: `{ tokenStatus { state } } #${'x'.repeat(3 * 1024 * 1024)}` },
      {
        key: KEYS.reader,
      },
    );
    expect(answer.status).toBe(413);
    expectClearRefusal(answer);
  });

  it('10,000 aliases: refused with BAD_USER_INPUT', async () => {
    const query = `{ ${Array.from({ length: 10_000 }, (_, i) => `a${i}: tokenStatus { state }`).join(' ')} }`;
    const { codes } = expectClearRefusal(await gw.post({ query }, { key: KEYS.reader }));
    expect(codes).toContain('BAD_USER_INPUT');
  });

  it('depth 50: refused with BAD_USER_INPUT', async () => {
    const query = `{ tokenStatus { ${'lastError { '.repeat(49)}code${' }'.repeat(49)} } }`;
    const { json } = expectClearRefusal(await gw.post({ query }, { key: KEYS.reader }));
    expect(json.errors.some((e: { message: string }) => /depth limit of 8/.test(e.message))).toBe(true);
  });

  it('deeply nested lists in variables: a coercion error, nothing executed', async () => {
    // Built as text: JSON.stringify itself cannot nest this deep.
    const depth = 100_000;
    const body = `{"query":"query ($appId: ID) { tokenStatus(appId: $appId) { state } }","variables":{"appId":${'['.repeat(depth)}"wx1234567890abcdef"${']'.repeat(depth)}}}`;
    const answer = await gw.post(body, { key: KEYS.reader });
    const { codes } = expectClearRefusal(answer);
    expect(codes.length).toBeGreaterThan(0);
    expect(answer.text.length).toBeLessThan(2000);
  });

  it('invalid UTF-8 in and around the JSON body', async () => {
    const inString = Buffer.concat([
      Buffer.from('{"query":"{ tokenStatus { state } }'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    const outside = Buffer.concat([Buffer.from('{"query":'), Buffer.from([0xc3, 0x28]), Buffer.from('}')]);
    for (const body of [inString, outside]) {
      expectClearRefusal(await rawPost(body, { 'content-type': 'application/json', ...auth }));
    }
  });

  it.each([
    ['text/plain', 403, 'FORBIDDEN'],
    ['application/xml', 415, 'BAD_USER_INPUT'],
    ['multipart/form-data; boundary=x', 403, 'FORBIDDEN'],
  ])('wrong content type %s: %i %s as JSON', async (contentType, status, code) => {
    const body = Buffer.from(JSON.stringify({ query: '{ tokenStatus { state } }' }));
    const answer = await rawPost(body, { 'content-type': contentType, ...auth });
    // CSRF is admission's; a type no parser reads is Yoga's to refuse.
    expect(answer.phase).toBe(status === 403 ? 'none' : 'yoga');
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.text).errors[0].extensions).toEqual({ code, retryable: false });
  });

  it('a body type no parser reads, with the CSRF header: 415 BAD_USER_INPUT naming what to send', async () => {
    const body = Buffer.from('<query>{ tokenStatus { state } }</query>');
    const answer = await rawPost(body, {
      'content-type': 'text/plain',
      [CSRF_HEADER]: '1',
      ...auth,
    });
    expect(answer.phase).toBe('yoga');
    expect(answer.status).toBe(415);
    const [error] = JSON.parse(answer.text).errors;
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
    expect(error.message).toContain('application/json');
  });

  it('a huge appId: BAD_USER_INPUT that does not echo it', async () => {
    const appId = `wx${'a'.repeat(100_000)}`;
    const { first: answer, repeated } = await gw.postTwice(
      { query: `{ tokenStatus(appId: "${appId}") { state } }` },
      { key: KEYS.reader },
    );
    expect([answer.phase, repeated.phase]).toEqual(['yoga', 'compiled']);
    expect(answer.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(answer.text.length).toBeLessThan(2000);
  });

  it('batched requests (batching is off): refused with a code', async () => {
    const answer = await gw.post(
      [{ query: '{ tokenStatus { state } }' }, { query: '{ tokenStatus { state } }' }],
      {
        key: KEYS.reader,
      },
    );
    const { codes } = expectClearRefusal(answer);
    expect(codes).toContain('BAD_USER_INPUT');
  });

  it('a body that is not JSON, and JSON that is not an object', async () => {
    for (const body of [
      '{"query":',
      'null',
      '"{ tokenStatus { state } }"',
      '{"query": 42}',
      '{"query": "{ a }", "variables": "x"}',
    ]) {
      expectClearRefusal(await rawPost(Buffer.from(body), { 'content-type': 'application/json', ...auth }));
    }
  });

  it('variables or extensions that are not JSON, over GET and in a form post: 400 BAD_USER_INPUT, no error logged', async () => {
    const errorsLoggedBefore = gw.logLines.filter((line) => line.includes('"level":50')).length;
    const csrf = { [CSRF_HEADER]: '1', ...auth };
    // GET and forms are Yoga's by design; the compiled phase knows the document all the same.
    await compile('{ __typename }');
    const answers = [
      await gw.fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}&variables=not-json`, {
        headers: csrf,
      }),
      await gw.fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}&extensions=%5B`, {
        headers: csrf,
      }),
      await gw.fetch(gw.url, {
        method: 'POST',
        headers: { ...csrf, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'query=%7B__typename%7D&variables=not-json',
      }),
    ];
    for (const answer of answers) {
      expect(answer.phase).toBe('yoga');
      expect(answer.status).toBe(400);
      expect(answer.json.errors[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        retryable: false,
      });
    }
    expect(gw.logLines.filter((line) => line.includes('"level":50'))).toHaveLength(errorsLoggedBefore);
  });

  it('an Accept header the gateway cannot answer: 406 with a coded JSON error, the mutation not run', async () => {
    const refresh = JSON.stringify({ query: 'mutation { refreshToken(force: true) { obtainedAt } }' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${KEYS.refresher}` };
    const refused = await gw.fetch(gw.url, {
      method: 'POST',
      headers: { ...headers, accept: 'application/xml' },
      body: refresh,
    });
    expect(refused.status).toBe(406);
    expect(refused.json.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
    // A query the compiled phase knows, with the same Accept header: admission's 406 as well.
    const statusQuery = { query: '{ tokenStatus { obtainedAt } }' };
    await compile(statusQuery.query);
    const refusedQuery = await gw.post(statusQuery, {
      key: KEYS.reader,
      headers: { accept: 'application/xml' },
    });
    expect(refusedQuery.status).toBe(406);
    expect(refusedQuery.json.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
    const status = await gw.post(statusQuery, { key: KEYS.reader });
    expect(status.phase).toBeOneOf([...FAST_PHASES]);
    const before = status.json.data.tokenStatus.obtainedAt;
    const accepted = await gw.fetch(gw.url, {
      method: 'POST',
      headers: { ...headers, accept: 'application/graphql-response+json;q=0.9, text/html' },
      body: refresh,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.json.data.refreshToken.obtainedAt).not.toBe(before);
    expect([refused.phase, refusedQuery.phase, accepted.phase]).toEqual(['none', 'none', 'yoga']);
  });

  it('a subscription field the schema does not have: a coded refusal', async () => {
    const answer = await gw.post({ query: 'subscription { tokenStatus }' }, { key: KEYS.reader });
    expect(answer.phase).toBe('yoga');
    expect(answer.json.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
      retryable: false,
    });
  });

  it.each([
    ['an array', ['Q']],
    ['true', true],
    ['a number', 42],
    ['an object', { name: 'Q' }],
  ])(
    'operationName %s: 400 BAD_USER_INPUT with headers, request id, log line and metric',
    async (_, name) => {
      const reqId = `bad-operation-name-${String(typeof name)}`;
      const linesBefore = gw.logLines.length;
      const answer = await gw.post(
        { query: 'query Q { tokenStatus { state } }', operationName: name },
        { key: KEYS.reader, headers: { 'x-request-id': reqId } },
      );
      expect(answer.phase).toBe('yoga');
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.errors[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        reason: 'BAD_REQUEST',
        retryable: false,
      });
      expect(answer.json.errors[0].message).toContain('"operationName" must be');
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
      expect(answer.headers.get('x-request-id')).toBe(reqId);
      const lines = gw.logLines.slice(linesBefore).map((line) => JSON.parse(line));
      const line = lines.find((l) => l.reqId === reqId);
      expect(line).toMatchObject({
        msg: 'graphql request failed',
        code: 'BAD_USER_INPUT',
        reason: 'BAD_REQUEST',
        status: 400,
      });
      expect(line).not.toHaveProperty('operation');
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
      expect(metrics).toMatch(
        /wxgw_graphql_requests_total\{operation="not_run",code="BAD_USER_INPUT",reason="BAD_REQUEST"\} [1-9]/,
      );
    },
  );

  it('stays healthy: /health answers 200 and a normal query works', async () => {
    expect((await fetch(`${gw.origin}/health`)).status).toBe(200);
    const { first: answer, repeated } = await gw.postTwice(
      { query: '{ tokenStatus { appId state } }' },
      { key: KEYS.reader },
    );
    expect([answer.phase, repeated.phase]).toEqual(['yoga', expect.toBeOneOf([...FAST_PHASES])]);
    expect(answer.json.errors).toBeUndefined();
    expect(answer.json.data.tokenStatus.appId).toBe(gw.sandbox.app.appId);
  });
});
