import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRAPHIQL_QUERY, GRAPHIQL_TITLE } from '../../src/graphql/graphiql.js';
import { createGateway } from '../../src/server.js';
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

describe('HTTP surface', () => {
  let stack: TestGateway;
  const base = () => stack.url.replace(/\/graphql$/, '');
  beforeAll(async () => {
    stack = await startTestGateway({ env: { MAX_BODY_BYTES: '4096' } });
  });
  afterAll(() => stack.close());

  it('/health answers 200 {"status":"ok"}', async () => {
    const response = await fetch(`${base()}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('/ready answers 200 with the store and per-app checks once the app has a token', async () => {
    const { appId } = stack.sandbox.app;
    expect((await fetch(`${base()}/ready`)).status).toBe(503);
    await stack.manager.getToken(appId);
    const response = await fetch(`${base()}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      store: { kind: 'memory', ok: true, degraded: false },
      apps: [{ appId, name: 'Test app 1', state: 'FRESH', ready: true, reason: 'token' }],
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

  it('an invalid query is 400 with errors', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: '{ tokenStatus { nope } }' }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].message).toContain('nope');
  });

  it("protocol errors are BAD_USER_INPUT (Yoga's name in reason) with retryable: false, and a body that is not JSON is not quoted back", async () => {
    const post = (body: string) =>
      fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body,
      });
    const notJson = await post('{"query": "{ tokenStatus { state } }", whisper-this-back}');
    expect(notJson.status).toBe(400);
    const notJsonForJsonClients = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{not json',
    });
    expect(notJsonForJsonClients.status).toBe(400);
    expect((await notJsonForJsonClients.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const notJsonText = await notJson.text();
    expect(JSON.parse(notJsonText).errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'BAD_REQUEST',
      retryable: false,
    });
    expect(notJsonText).not.toContain('whisper');
    const unparsable = await (await post(JSON.stringify({ query: '{ tokenStatus { state ' }))).json();
    expect(unparsable.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_PARSE_FAILED',
      retryable: false,
    });
    const invalid = await (await post(JSON.stringify({ query: '{ nope }' }))).json();
    expect(invalid.errors[0].extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
      retryable: false,
    });
  });

  it('a method other than GET and POST is 405 with Allow, not a 415 that blames a JSON body', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(stack.url, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ apps { appId } }' }),
      });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, POST');
      expect((await response.json()).errors[0].extensions).toEqual({
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
    const answer = await fetch(stack.url, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ apps { appId } }' }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('a body over MAX_BODY_BYTES is 413 with a JSON error (Content-Length)', async () => {
    const response = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ apps { appId } }', variables: { pad: 'x'.repeat(5000) } }),
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('json');
    expect((await response.json()).errors[0].message).toContain('4096 bytes');
  });

  it('a chunked body over the limit is 413 too; one under it passes', async () => {
    const query = JSON.stringify({ query: '{ apps { appId } }', variables: { pad: 'y'.repeat(5000) } });
    const big = await postChunked(stack.url, [query.slice(0, 2000), query.slice(2000)]);
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).errors[0].message).toContain('4096 bytes');

    const small = await postChunked(stack.url, ['{"query":"{ apps ', '{ appId } }"}']);
    expect(small.status).toBe(200);
    expect(JSON.parse(small.body).data.apps).toHaveLength(1);
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

  it('close() lets an in-flight request finish before the server stops', async () => {
    const slow = await startTestGateway({ env: { CALLBACK_IPS_TTL_SECONDS: '0' } });
    await slow.sandbox.setFault({ kind: 'latency', ms: 300, endpoint: '/cgi-bin/getcallbackip', times: 1 });
    const inFlight = fetch(slow.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ callbackIps { ips } }' }),
    });
    await new Promise((r) => setTimeout(r, 100));
    await slow.close();
    const answer = await (await inFlight).json();
    expect(answer.data.callbackIps.ips.length).toBeGreaterThan(0);
    await expect(fetch(`${slow.url.replace('/graphql', '')}/health`)).rejects.toThrow();
  });
});

describe('/ready when not ready', () => {
  it('answers 503 with the reason when the store does not answer', async () => {
    const stack = await startTestGateway();
    // A store whose health check fails: what /ready reports is under test, not the store.
    const gateway = createGateway({
      config: stack.config,
      tokens: stack.manager,
      api: stack.client,
      store: {
        kind: 'redis',
        health: async () => {
          throw new Error('connect ECONNREFUSED redis://:hunter2hunter2@10.0.0.1:6379');
        },
      },
    });
    try {
      const response = await gateway.yoga.fetch('http://gateway.test/ready');
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body).toMatchObject({ status: 'not_ready', store: { kind: 'redis', ok: false } });
      expect(JSON.stringify(body)).toContain('ECONNREFUSED');
    } finally {
      await gateway.close();
      await stack.close();
    }
  });
});

describe('GRAPHQL_INTROSPECTION', () => {
  it('false refuses __schema queries; the default answers them', async () => {
    const closed = await startTestGateway({ env: { GRAPHQL_INTROSPECTION: 'false' } });
    const open = await startTestGateway();
    try {
      const ask = (url: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
        }).then(async (r) => ({ status: r.status, body: await r.json() }));
      const refused = await ask(closed.url);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors[0].message).toMatch(/introspection/i);
      expect((await ask(open.url)).body.data.__schema.queryType.name).toBe('Query');
    } finally {
      await closed.close();
      await open.close();
    }
  });
});
