import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER } from '../../src/pipeline/csrf.js';
import {
  answerOf,
  FAST_PHASES,
  KEYS,
  type ProductionGateway,
  startProductionGateway,
} from './support/production-gateway.js';

/**
 * The security rules (docs/security.md) over HTTP against the whole gateway in production mode (NODE_ENV=production, API keys,
 * GraphiQL and introspection at their production defaults), backed by the WeChat sandbox.
 *
 * Each answer says which execution phase gave it (`wxgw_graphql_answers_total`): admission refuses
 * before any phase runs (no key, a wrong key, a spent budget, a body over the limit: 'none'); a query
 * sent twice is run by Yoga first and then by the compiled phase (or the answer cache), and both
 * answers keep one contract (scopes, apps, security headers). Validation refusals and mutations are
 * always Yoga's.
 */

const STATUS = '{ tokenStatus { appId state expiresAt } }';
const REFRESH = 'mutation { refreshToken { appId state } }';

describe('production gateway: keys and scopes', () => {
  let gw: ProductionGateway;
  let appA: string;
  let appB: string;
  beforeAll(async () => {
    gw = await startProductionGateway({}, 2);
    appA = gw.sandbox.apps[0]?.appId ?? '';
    appB = gw.sandbox.apps[1]?.appId ?? '';
  });
  afterAll(() => gw.close());

  it('refuses a request without a key as a whole: 401 UNAUTHENTICATED, nothing executed', async () => {
    for (const query of [REFRESH, `{ tokenStatus(appId: "${appA}") { state } }`]) {
      const answer = await gw.post({ query });
      // Refused by admission: no execution phase ran.
      expect(answer.phase).toBe('none');
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(answer.json).toEqual({
        errors: [expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED', retryable: false } })],
      });
    }
    expect((await gw.sandbox.counters())['/cgi-bin/stable_token']).toBe(0);
  });

  it('refuses a wrong key and a non-Bearer scheme with 401', async () => {
    const wrong = await gw.post({ query: STATUS }, { key: `${KEYS.reader}x` });
    expect(wrong.status).toBe(401);
    const basic = await gw.post({ query: STATUS }, { headers: { authorization: `Basic ${KEYS.reader}` } });
    expect(basic.status).toBe(401);
    expect(basic.text).not.toContain(KEYS.reader);
    expect([wrong.phase, basic.phase]).toEqual(['none', 'none']);
  });

  it('answers tokenStatus to any valid key, but not the token without token:read', async () => {
    const { first: answer, repeated } = await gw.postTwice(
      { query: `{ tokenStatus(appId: "${appA}") { appId state accessToken } }` },
      {
        headers: { 'x-api-key': KEYS.statusOnly, 'x-request-id': 'scopes-1' },
      },
    );
    expect([answer.phase, repeated.phase]).toEqual(['yoga', 'compiled']);
    expect(answer.status).toBe(200);
    expect(answer.json.data.tokenStatus).toMatchObject({ appId: appA, accessToken: null });
    expect(answer.json.errors).toEqual([
      expect.objectContaining({
        path: ['tokenStatus', 'accessToken'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
  });

  it('lets token:refresh refresh and token:read read the token; each is FORBIDDEN the other', async () => {
    const refreshed = await gw.post(
      { query: `mutation { refreshToken(appId: "${appA}") { state } }` },
      {
        key: KEYS.refresher,
      },
    );
    expect(refreshed.json).toEqual({ data: { refreshToken: { state: 'FRESH' } } });
    const { first: read, repeated: readAgain } = await gw.postTwice(
      { query: `{ tokenStatus(appId: "${appA}") { accessToken } }` },
      {
        key: KEYS.reader,
      },
    );
    expect([read.phase, readAgain.phase]).toEqual(['yoga', expect.toBeOneOf([...FAST_PHASES])]);
    expect(read.json.data.tokenStatus.accessToken).toMatch(/^\S{20,}$/);
    const readerRefresh = await gw.post(
      { query: `mutation { refreshToken(appId: "${appA}") { state } }` },
      {
        key: KEYS.reader,
      },
    );
    expect(readerRefresh.json.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(readerRefresh.json.errors[0].message).toMatch(/token:refresh/);
    expect([refreshed.phase, readerRefresh.phase]).toEqual(['yoga', 'yoga']);
  });

  it('needs wechat:read for WeChat data queries', async () => {
    const refused = await gw.postTwice(
      { query: `{ callbackIps(appId: "${appA}") { ips } }` },
      {
        key: KEYS.refresher,
      },
    );
    expect([refused.first.phase, refused.repeated.phase]).toEqual(['yoga', 'compiled']);
    expect(refused.first.json.errors[0].extensions.code).toBe('FORBIDDEN');
    const allowed = await gw.post(
      { query: `{ callbackIps(appId: "${appA}") { ips } }` },
      { key: KEYS.reader },
    );
    // The document is compiled: another caller's request runs it compiled from the first.
    expect(allowed.phase).toBe('compiled');
    expect(allowed.json.data.callbackIps.ips.length).toBeGreaterThan(0);
  });

  it('keeps a key limited to some apps away from the others', async () => {
    const own = await gw.postTwice(
      { query: `{ callbackIps(appId: "${appB}") { ips } }` },
      { key: KEYS.wechat },
    );
    expect([own.first.phase, own.repeated.phase]).toEqual(['yoga', expect.toBeOneOf([...FAST_PHASES])]);
    expect(own.first.json.errors).toBeUndefined();
    const { first: other, repeated } = await gw.postTwice(
      { query: `{ callbackIps(appId: "${appA}") { ips } }` },
      { key: KEYS.wechat },
    );
    // The document is compiled (the reader ran it above): both answers are the compiled phase's.
    expect([other.phase, repeated.phase]).toEqual(['compiled', 'compiled']);
    expect(other.json.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(other.json.errors[0].message).toMatch(/may not act on app/);
  });
});

describe('production gateway: hardening', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({}, 1);
  });
  afterAll(() => gw.close());

  it('refuses introspection', async () => {
    const { first: answer, repeated } = await gw.postTwice(
      { query: '{ __schema { types { name } } }' },
      { key: KEYS.reader },
    );
    // Refused by validation, so never compiled: Yoga answers it each time, in the same words.
    expect([answer.phase, repeated.phase]).toEqual(['yoga', 'yoga']);
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
    });
  });

  it('suggests no field names', async () => {
    const answer = await gw.post({ query: '{ tokenStatu { state } }' }, { key: KEYS.reader });
    expect(answer.phase).toBe('yoga');
    expect(answer.json.errors[0].message).not.toMatch(/Did you mean|tokenStatus/);
  });

  it('answers 413 over the body limit and 411 for a POST without Content-Length', async () => {
    const big = await gw.post(
      { query: `{ tokenStatus { state } } #${'x'.repeat(70_000)}` },
      {
        key: KEYS.reader,
      },
    );
    expect(big.phase).toBe('none');
    expect(big.status).toBe(413);
    expect(big.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    // A document the compiled phase knows: without Content-Length it is still refused by admission.
    expect((await gw.post({ query: STATUS }, { key: KEYS.reader })).status).toBe(200);
    const chunked = await gw.fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.reader}` },
      body: Readable.toWeb(Readable.from([Buffer.from(JSON.stringify({ query: STATUS }))])) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.phase).toBe('none');
    expect(chunked.status).toBe(411);
    expect(chunked.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses documents over the query limits before execution', async () => {
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: tokenStatus { state }`).join(' ')} }`;
    const deep = `{ tokenStatus { ${'lastError { '.repeat(9)}code${' }'.repeat(9)} } }`;
    const long = `{ tokenStatus { ${'state '.repeat(1200)}} }`;
    for (const [query, message] of [
      [aliases, /Aliases limit of 15 exceeded/],
      [deep, /depth limit of 8 exceeded/],
      [long, /Token limit of 1000 exceeded/],
    ] as const) {
      const answer = await gw.post({ query }, { key: KEYS.reader });
      expect(answer.phase).toBe('yoga');
      expect(answer.json.data).toBeUndefined();
      const limit = answer.json.errors.find(
        (e: { extensions: { code: string } }) => e.extensions.code === 'BAD_USER_INPUT',
      );
      expect(limit?.message).toMatch(message);
    }
  });

  it('sends the security headers on GraphQL answers and on /health', async () => {
    const { first, repeated } = await gw.postTwice(
      { query: '{ tokenStatus { appId } }' },
      { key: KEYS.reader },
    );
    expect([first.phase, repeated.phase]).toEqual(['yoga', expect.toBeOneOf([...FAST_PHASES])]);
    const health = (await fetch(`${gw.origin}/health`)).headers;
    for (const headers of [first.headers, repeated.headers, health]) {
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('x-frame-options')).toBe('DENY');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    }
  });
});

/** GRAPHIQL=true in production, introspection left off: the page and its refusals say which setting to add. */
describe('production gateway: GraphiQL on, introspection off', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway({ GRAPHIQL: 'true' });
  });
  afterAll(() => gw.close());

  it('names GRAPHQL_INTROSPECTION=true in the starting document and in the refusal of its schema query', async () => {
    const page = await fetch(gw.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const options = JSON.parse(
      /<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}',
    ) as { defaultQuery?: string };
    expect(options.defaultQuery).toContain('set GRAPHQL_INTROSPECTION=true on this gateway');

    // GraphiQL's docs pane asks for the schema this way; the error lands in its result pane.
    const answer = await gw.post(
      { query: '{ __schema { queryType { name } } __type(name: "Query") { name } }' },
      { key: KEYS.reader },
    );
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors[0].extensions).toMatchObject({ reason: 'GRAPHQL_VALIDATION_FAILED' });
    expect(answer.json.errors[0].message).toContain('set GRAPHQL_INTROSPECTION=true to allow it');
    // __typename is no introspection of the schema: still answered.
    const typename = await gw.post({ query: '{ __typename }' }, { key: KEYS.reader });
    expect(typename.json.data).toEqual({ __typename: 'Query' });
  });
});

/** GET, forms and the GraphiQL page: Yoga executes them after the pipeline's admission. */
describe('production gateway: GET, forms and the GraphiQL page (Yoga only)', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway();
  });
  afterAll(() => gw.close());

  it('tells a browser GraphiQL is off, instead of a CSRF refusal', async () => {
    const page = await fetch(gw.url, {
      headers: { accept: 'text/html', authorization: `Bearer ${KEYS.reader}` },
    });
    const html = await page.text();
    expect(page.status).toBe(404);
    expect(html).toContain('GraphiQL is off here (GRAPHIQL=true turns it on).');
    expect(html).not.toMatch(/<script|forged|CSRF/i);
    // Without a key too: the page is no answer of the API.
    const anonymous = await fetch(gw.url, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(await anonymous.text()).toContain('GraphiQL is off here');
  });

  it('needs the CSRF header for GET, runs queries over GET with it, and refuses mutations over GET', async () => {
    const get = (query: string, headers: Record<string, string>) =>
      fetch(`${gw.url}?query=${encodeURIComponent(query)}`, {
        headers: { authorization: `Bearer ${KEYS.refresher}`, ...headers },
      }).then(answerOf);
    const noHeader = await get(STATUS, {});
    expect(noHeader.status).toBe(403);
    expect(noHeader.json.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(noHeader.json.errors[0].message).toContain(CSRF_HEADER);
    const query = await get(STATUS, { [CSRF_HEADER]: '1' });
    expect(query.json.data.tokenStatus.state).toBeDefined();
    const mutation = await get(REFRESH, { [CSRF_HEADER]: '1' });
    expect(mutation.status).toBe(405);
    expect(mutation.headers.get('allow')).toBe('POST');
  });

  it('refuses a form post that a hostile page could send', async () => {
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${KEYS.refresher}`,
      },
      body: `query=${encodeURIComponent(REFRESH)}`,
    });
    expect(response.status).toBe(403);
  });
});

describe('production gateway: rate limits', () => {
  let gw: ProductionGateway;
  beforeAll(async () => {
    gw = await startProductionGateway(
      {
        RATE_LIMIT_REQUESTS_PER_SECOND: '1',
        RATE_LIMIT_REQUEST_BURST: '4',
        REFRESH_LIMIT_PER_KEY_PER_MINUTE: '2',
        REFRESH_LIMIT_PER_APP_PER_MINUTE: '3',
        GATEWAY_API_KEYS: `${KEYS.refresher}:token:refresh,${KEYS.reader}:token:refresh`,
      },
      1,
    );
  });
  afterAll(() => gw.close());

  it('limits refreshToken per key, then per app across keys, as a RATE_LIMITED field error', async () => {
    const refresh = (key: string) => gw.post({ query: REFRESH }, { key });
    expect((await refresh(KEYS.refresher)).json.errors).toBeUndefined();
    expect((await refresh(KEYS.refresher)).json.errors).toBeUndefined();
    const perKey = await refresh(KEYS.refresher);
    expect(perKey.status).toBe(200);
    expect(perKey.json.errors[0]).toMatchObject({
      path: ['refreshToken'],
      extensions: { code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: expect.any(Number) },
    });
    expect(perKey.json.errors[0].message).toMatch(/per API key/);
    expect((await refresh(KEYS.reader)).json.errors).toBeUndefined();
    const perApp = await refresh(KEYS.reader);
    expect(perApp.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(perApp.json.errors[0].message).toMatch(/per app/);
  });

  it('refuses requests over the per-key budget with 429 and Retry-After', async () => {
    // The refresher spent 3 of its 4 requests above; the next one empties the bucket.
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await gw.post({ query: STATUS }, { key: KEYS.refresher }));
    expect(answers[0]?.status).toBe(200);
    expect(answers[0]?.phase).toBe('yoga');
    expect(answers[1]?.phase).toBe(answers[1]?.status === 200 ? 'compiled' : 'none');
    const limited = answers.find((a) => a.status === 429);
    // A spent budget is refused by admission, before any phase runs.
    expect(limited?.phase).toBe('none');
    expect(limited?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(limited?.json.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
  });
});
