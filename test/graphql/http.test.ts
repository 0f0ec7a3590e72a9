import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../src/build-gateway.js';
import { DEFAULT_GRAPHIQL_QUERY, GRAPHIQL_TITLE } from '../../src/graphql/graphiql.js';
import { silentLogger } from '../../src/logger.js';
import type { Stores } from '../../src/store/ports.js';
import { fetchAnswer } from '../support/fetch-answer.js';
import { injectFetch } from '../support/inject.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/** Sends a body without Content-Length (chunked), which only the streamed count can catch. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The GraphQL POSTs through the pipeline: status codes, the security headers and the request id,
 * Accept negotiation, the body limit and the shapes of errors. Documents repeat from test to test, so
 * Yoga answers each first and the compiled phase (or its cache) the repeats, under the same rules.
 */
describe('HTTP surface: GraphQL POSTs', () => {
  let stack: TestGateway;
  beforeAll(async () => {
    stack = await startTestGateway({ env: { MAX_BODY_BYTES: '4096' } });
  });
  afterAll(() => stack.close());

  const send = (body: unknown, headers: Record<string, string> = {}, method = 'POST') =>
    fetchAnswer(stack.url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('a query is 200 with its data, the security headers and a request id of its own', async () => {
    const answer = await send({ query: '{ apps { appId } }' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ data: { apps: [{ appId: stack.sandbox.app.appId }] } });
    expect(Object.fromEntries(answer.headers)).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'content-security-policy': expect.stringMatching(/^default-src 'none'/),
      'x-request-id': expect.stringMatching(UUID),
    });
  });

  it('echoes a sane x-request-id, and replaces one that could forge a log line', async () => {
    const sane = await send({ query: '{ apps { appId } }' }, { 'x-request-id': 'trace-1.a:b_c' });
    expect(sane.headers.get('x-request-id')).toBe('trace-1.a:b_c');
    const forged = await send(
      { query: '{ apps { appId } }' },
      { 'x-request-id': `a"} {"level":60 ${'x'.repeat(80)}` },
    );
    expect(forged.headers.get('x-request-id')).toMatch(UUID);
  });

  it.each([
    ['*/*', 'application/json', true],
    ['application/json', 'application/json', true],
    [GRAPHQL_RESPONSE, GRAPHQL_RESPONSE, true],
    [`${GRAPHQL_RESPONSE}, application/json`, GRAPHQL_RESPONSE, true],
    [`application/json, ${GRAPHQL_RESPONSE}`, 'application/json', true],
    // Parameters and wildcards a JSON answer's type is not read from: Yoga negotiates them.
    [`${GRAPHQL_RESPONSE};q=0.9, application/json`, GRAPHQL_RESPONSE, false],
    ['application/*', 'application/json', false],
    ['application/xml, */*', 'application/json', false],
  ])('Accept: %s is answered as %s', async (accept, mediaType) => {
    const answer = await send({ query: '{ apps { appId } }' }, { accept });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(`${mediaType}; charset=utf-8`);
    expect(answer.json.data.apps).toHaveLength(1);
  });

  it('an Accept header naming no type the gateway answers is 406 with a coded JSON error', async () => {
    const answer = await send({ query: '{ apps { appId } }' }, { accept: 'text/html' });
    expect(answer.status).toBe(406);
    expect(answer.json.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
  });

  it.each(['application/json', GRAPHQL_RESPONSE])(
    'a field error answered as %s: 200, data null, the code and retryable',
    async (accept) => {
      const answer = await send(
        { query: '{ tokenStatus(appId: "wx0000000000000000") { state } }' },
        { accept },
      );
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe(`${accept}; charset=utf-8`);
      expect(answer.json.data).toBeNull();
      expect(answer.json.errors).toEqual([
        {
          message: expect.stringContaining('wx0000000000000000'),
          locations: [{ line: 1, column: 3 }],
          path: ['tokenStatus'],
          extensions: { code: 'UNKNOWN_APP', retryable: false },
        },
      ]);
    },
  );

  it('an invalid query is 400 with errors', async () => {
    const answer = await send({ query: '{ tokenStatus { nope } }' }, { accept: GRAPHQL_RESPONSE });
    expect(answer.status).toBe(400);
    expect(answer.json.errors[0].message).toContain('nope');
  });

  it("protocol errors are BAD_USER_INPUT (Yoga's name in reason) with retryable: false, and a body that is not JSON is not quoted back", async () => {
    const post = (body: string) => send(body, { accept: GRAPHQL_RESPONSE });
    const notJson = await post('{"query": "{ tokenStatus { state } }", whisper-this-back}');
    expect(notJson.status).toBe(400);
    const notJsonForJsonClients = await send('{not json', { accept: 'application/json' });
    expect(notJsonForJsonClients.status).toBe(400);
    expect(notJsonForJsonClients.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(notJson.json.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'BAD_REQUEST',
      retryable: false,
    });
    expect(notJson.text).not.toContain('whisper');
    const unparsable = await post(JSON.stringify({ query: '{ tokenStatus { state ' }));
    expect(unparsable.status).toBe(400);
    expect(unparsable.json.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_PARSE_FAILED',
      retryable: false,
    });
    const invalid = await post(JSON.stringify({ query: '{ nope }' }));
    expect(invalid.json.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
      retryable: false,
    });
    const unnamed = await post(JSON.stringify({ query: '{ apps { appId } }', operationName: '' }));
    expect(unnamed.status).toBe(400);
    expect(unnamed.json.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'OPERATION_RESOLUTION_FAILURE',
      retryable: false,
    });
    for (const _answer of [notJson, notJsonForJsonClients, unparsable, invalid, unnamed]) {
    }
  });

  it('a method other than GET and POST is 405 with Allow, not a 415 that blames a JSON body', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await send({ query: '{ apps { appId } }' }, {}, method);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST');
      expect(response.json.errors[0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        retryable: false,
      });
    }
  });

  it('grants no origin CORS access: a page on another site can neither pass the preflight nor read an answer', async () => {
    const origin = 'https://attacker.example';
    const preflight = await fetch(stack.url, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await send({ query: '{ apps { appId } }' }, { origin });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('a body of exactly MAX_BODY_BYTES is answered; one byte more is 413 with a JSON error (Content-Length)', async () => {
    const padded = (bytes: number) => {
      const body = (pad: number) => JSON.stringify({ query: `{ apps { appId } } #${'x'.repeat(pad)}` });
      return body(bytes - body(0).length);
    };
    const within = await send(padded(4096));
    expect(within.status).toBe(200);
    expect(within.json.data.apps).toHaveLength(1);
    const over = await send(padded(4097));
    expect(over.status).toBe(413);
    expect(over.headers.get('content-type')).toContain('json');
    expect(over.json.errors[0].message).toContain('4096 bytes');
  });

  it('a chunked body over the limit is 413 too; one under it passes (counted while it streams)', async () => {
    const query = JSON.stringify({ query: '{ apps { appId } }', variables: { pad: 'y'.repeat(5000) } });
    const big = await postChunked(stack.url, [query.slice(0, 2000), query.slice(2000)]);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).errors[0].message).toContain('4096 bytes');

    const small = await postChunked(stack.url, ['{"query":"{ apps ', '{ appId } }"}']);
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).data.apps).toHaveLength(1);
  });

  it('close() lets an in-flight request finish before the server stops', async () => {
    const slow = await startTestGateway({ env: { CALLBACK_IPS_TTL_SECONDS: '0' } });
    await slow.sandbox.setFault({ kind: 'latency', ms: 300, endpoint: '/cgi-bin/getcallbackip', times: 1 });
    const inFlight = fetchAnswer(slow.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ callbackIps { ips } }' }),
    });
    await new Promise((r) => setTimeout(r, 100));
    await slow.close();
    const answer = await inFlight;
    expect(answer.json.data.callbackIps.ips.length).toBeGreaterThan(0);
    await expect(fetch(`${slow.url.replace('/graphql', '')}/health`)).rejects.toThrow();
  });

  it('GRAPHQL_INTROSPECTION=false refuses __schema queries; the default answers them', async () => {
    const closed = await startTestGateway({ env: { GRAPHQL_INTROSPECTION: 'false' } });
    try {
      const ask = (gateway: TestGateway) =>
        fetchAnswer(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
        });
      const refused = await ask(closed);
      expect(refused.json.data).toBeUndefined();
      expect(refused.json.errors[0].message).toMatch(/introspection/i);
      const answered = await ask(stack);
      expect(answered.json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    } finally {
      await closed.close();
    }
  });
});

/** GET, the GraphiQL page and the operator endpoints: Yoga serves them after the pipeline's admission. */
describe('HTTP surface: GET, GraphiQL, /health and /ready', () => {
  let stack: TestGateway;
  const base = () => stack.url.replace(/\/graphql$/, '');
  beforeAll(async () => {
    stack = await startTestGateway();
  });
  afterAll(() => stack.close());

  it('/health answers 200 {"status":"ok"}', async () => {
    const response = await fetch(`${base()}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/ready answers 200 with the store and the apps counted once the app has a token', async () => {
    const { appId } = stack.sandbox.app;
    expect((await fetch(`${base()}/ready`)).status).toBe(503);
    await stack.manager.getToken(appId);
    const response = await fetch(`${base()}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      ok: true,
      store: { kind: 'memory', status: 'ok' },
      apps: {
        total: 1,
        ready: 1,
        byState: { FRESH: 1, EXPIRING: 0, EXPIRED: 0, MISSING: 0 },
        byReason: { token: 1, config_error: 0, no_token: 0 },
        byKind: { officialAccount: 1 },
        attention: [],
        attentionNotListed: 0,
      },
    });
  });

  it('GET /graphql runs queries', async () => {
    const query = encodeURIComponent('{ apps { appId } }');
    // A GET needs the CSRF header (docs/security.md): a browser cannot add it cross-site without a preflight.
    const response = await fetch(`${stack.url}?query=${query}`, {
      headers: { accept: 'application/json', 'x-graphql-csrf': '1' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { apps: [{ appId: stack.sandbox.app.appId }] } });
  });

  it('serves GraphiQL with its title and default query, and no asset from an external host', async () => {
    const response = await fetch(stack.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`<title>${GRAPHIQL_TITLE}</title>`);
    expect(html).toContain(JSON.stringify(DEFAULT_GRAPHIQL_QUERY).slice(1, 60));
    const externalAssets = [
      ...html.matchAll(/<(?:script|link|img|iframe)\b[^>]*?(?:src|href)\s*=\s*["']?(?:https?:)?\/\//gi),
    ];
    expect(externalAssets.map((m) => m[0])).toEqual([]);
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr\.net|esm\.sh/);
    expect(html).not.toMatch(/import\s*\(\s*["']https?:/);
  });

  it('GRAPHIQL=false serves no page', async () => {
    const off = await startTestGateway({ env: { GRAPHIQL: 'false' } });
    try {
      const response = await fetch(off.url, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(404);
      const html = await response.text();
      expect(html).toContain('GraphiQL is off here (GRAPHIQL=true turns it on).');
      expect(html).not.toContain(GRAPHIQL_TITLE);
    } finally {
      await off.close();
    }
  });
});

describe('/ready when not ready', () => {
  it('answers 503 with the reason when the store does not answer', async () => {
    const stack = await startTestGateway();
    // A store whose health check fails: what /ready reports is under test, not the store.
    const failing: Stores = Object.assign(Object.create(stack.store) as Stores, {
      kind: 'redis' as const,
      health: async () => {
        throw new Error('connect ECONNREFUSED redis://:hunter2hunter2@10.0.0.1:6379');
      },
    });
    const { gateway, close } = await buildGateway(stack.config, {
      store: failing,
      upstream: { baseUrls: [stack.sandbox.url] },
      logger: silentLogger,
    });
    try {
      const response = await injectFetch(gateway.handle)('http://gateway.test/ready');
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body).toMatchObject({
        status: 'not_ready',
        ok: false,
        store: { kind: 'redis', status: 'down' },
      });
      expect(JSON.stringify(body)).toContain('ECONNREFUSED');
    } finally {
      await close();
      await stack.close();
    }
  });
});
