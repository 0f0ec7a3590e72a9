import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthenticatedCaller, OPEN_CALLER } from '../../src/auth/resolve-caller.js';
import { loadConfig } from '../../src/config/index.js';
import { GRAPHIQL_CSP } from '../../src/graphql/graphiql.js';
import { CSRF_HEADER } from '../../src/pipeline/csrf.js';
import { useGraphiQL } from '../../src/plugins/use-graphiql.js';
import { useQueryLimits } from '../../src/plugins/use-query-limits.js';
import { useRequestErrorCodes } from '../../src/plugins/use-request-error-codes.js';
import { useTrustedDocuments } from '../../src/plugins/use-trusted-documents.js';
import { postGraphql } from '../support/fetch-answer.js';
import { standInPipeline } from '../support/stand-in-pipeline.js';

/**
 * The security rules on a small Yoga over real HTTP: the rules are under test, the schema is a
 * stand-in that reports who the caller was (the gateway's own schema is tested in gateway suites).
 * Admission (the caller, its budget, CSRF) and decoration (the security headers) are the request
 * pipeline's (src/pipeline/pipeline.ts): `serve` puts the pipeline in front of the small Yoga as the
 * gateway does, with every request executed by Yoga (no compiled phase). The Yoga plugins (query
 * limits, trusted documents, error codes) are Yoga's to run. The same rules over the whole gateway, its
 * compiled phase included, run in production.test.ts, hostile.test.ts and production-trusted.test.ts.
 */
const schema = createSchema<Record<string, unknown> & { caller?: AuthenticatedCaller }>({
  typeDefs: /* GraphQL */ `
    type Node { id: ID! child: Node }
    type Query { whoami: String! node: Node! }
    type Mutation { bump: Int! }
  `,
  resolvers: {
    Query: {
      whoami: (_p, _a, context) => context.caller?.name ?? 'nobody',
      node: () => ({ id: '1' }),
    },
    Node: { child: (parent: { id: string }) => ({ id: `${parent.id}.1` }) },
    Mutation: { bump: () => 1 },
  },
});

const READER = 'reader-key-0123456789abcdef';
/** Who the stand-in schema reports on an open gateway: the pipeline's one anonymous caller. */
const NOBODY = OPEN_CALLER.name;
const WHOAMI = '{ whoami }';

/** Settings of the pipeline in front of the small Yoga (keys, rate limits). @default none */
interface Admission {
  env?: Record<string, string>;
}

async function serve(plugins: Plugin[], admission: Admission = {}) {
  const yoga = createYoga<Record<string, unknown>, { caller?: AuthenticatedCaller }>({
    schema,
    plugins,
    graphiql: false,
    landingPage: false,
    logging: false,
    maskedErrors: true,
  });
  const pipeline = standInPipeline({ yoga, ...(admission.env && { env: admission.env }) });
  const server: Server = createServer(pipeline.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const post = postGraphql;

describe('the caller and its request budget (pipeline admission)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve([], {
      env: {
        GATEWAY_API_KEYS: `${READER}:token:read`,
        RATE_LIMIT_REQUESTS_PER_SECOND: '1',
        RATE_LIMIT_REQUEST_BURST: '3',
      },
    });
  });
  afterAll(() => server.close());

  it('refuses a request without a key as a whole: 401 UNAUTHENTICATED with WWW-Authenticate', async () => {
    const answer = await post(server.url, { query: WHOAMI });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', retryable: false });
  });

  it('refuses an unknown key without echoing it', async () => {
    const answer = await post(server.url, { query: WHOAMI }, { 'x-api-key': 'wrong-key-0123456789abcdef' });
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain('wrong-key');
  });

  it('puts the recognised caller into the context, then spends its budget: 429 with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 4; i++)
      answers.push(await post(server.url, { query: WHOAMI }, { authorization: `Bearer ${READER}` }));
    expect(answers.slice(0, 3).map((a) => a.json.data?.whoami)).toEqual(
      Array(3).fill(expect.stringMatching(/^key-/)),
    );
    const limited = answers[3];
    expect(limited?.status).toBe(429);
    expect(limited?.headers.get('retry-after')).toBe('1');
    expect(limited?.json.errors[0].extensions).toEqual({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterSeconds: 1,
    });
  });
});

describe('CSRF prevention (pipeline admission)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve([]);
  });
  afterAll(() => server.close());

  it('lets JSON POSTs through (browsers preflight them)', async () => {
    expect((await post(server.url, { query: WHOAMI })).json.data).toEqual({ whoami: NOBODY });
  });

  it('refuses a GET without the header, and accepts it with the header', async () => {
    const url = `${server.url}?query=${encodeURIComponent(WHOAMI)}`;
    const refused = await fetch(url);
    expect(refused.status).toBe(403);
    expect((await refused.json()).errors[0].extensions.code).toBe('FORBIDDEN');
    const accepted = await fetch(url, { headers: { [CSRF_HEADER]: '1' } });
    expect((await accepted.json()).data).toEqual({ whoami: NOBODY });
  });

  it('refuses form posts (what a hostile page can send cross-site)', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('mutation { bump }')}`,
    });
    expect(response.status).toBe(403);
  });

  it('still refuses mutations over GET (Yoga), even with the header', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('mutation { bump }')}`, {
      headers: { [CSRF_HEADER]: '1' },
    });
    expect(response.status).toBe(405);
  });
});

describe('useQueryLimits', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    const { query } = loadConfig({
      GRAPHQL_MAX_DEPTH: '4',
      GRAPHQL_MAX_ALIASES: '2',
      GRAPHQL_MAX_TOKENS: '60',
    }).limits;
    server = await serve([useQueryLimits(query, { blockFieldSuggestions: true })]);
  });
  afterAll(() => server.close());

  const nested = (depth: number) => `{ node { ${'child { '.repeat(depth)}id${' }'.repeat(depth)} } }`;

  it.each([
    ['depth', nested(6), /Query refused before execution: Query depth limit of 4 exceeded, found 8/],
    ['aliases', '{ a: whoami b: whoami c: whoami }', /Aliases limit of 2 exceeded, found 3/],
    ['tokens', `{ ${'whoami '.repeat(70)}}`, /Token limit of 60 exceeded/],
  ])(
    'refuses a document over the %s limit with BAD_USER_INPUT before execution',
    async (_name, query, message) => {
      const answer = await post(server.url, { query }, { accept: 'application/graphql-response+json' });
      expect(answer.status).toBe(400);
      expect(answer.json.data).toBeUndefined();
      expect(answer.json.errors[0].message).toMatch(message);
      expect(answer.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    },
  );

  it('runs documents within the limits', async () => {
    expect((await post(server.url, { query: nested(2) })).json.data.node.child.child).toEqual({
      id: '1.1.1',
    });
  });

  it('does not suggest field names', async () => {
    const answer = await post(server.url, { query: '{ whoamy }' });
    expect(answer.text).not.toMatch(/Did you mean/);
    expect(answer.text).not.toContain('whoami');
  });
});

describe('useTrustedDocuments', () => {
  const HASH = 'a'.repeat(64);
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve([useTrustedDocuments(new Map([[HASH, 'query Who { whoami }']]))]);
  });
  afterAll(() => server.close());

  it('executes a trusted document by documentId or by APQ hash', async () => {
    expect((await post(server.url, { documentId: HASH })).json.data).toEqual({ whoami: NOBODY });
    expect((await post(server.url, { documentId: `sha256:${HASH}` })).json.data).toEqual({
      whoami: NOBODY,
    });
    const apq = await post(server.url, { extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } });
    expect(apq.json.data).toEqual({ whoami: NOBODY });
    // A GET carries the CSRF header, as the pipeline requires of every GET.
    const get = await fetch(`${server.url}?documentId=${HASH}`, { headers: { [CSRF_HEADER]: '1' } });
    expect((await get.json()).data).toEqual({ whoami: NOBODY });
  });

  it('answers PERSISTED_QUERY_NOT_FOUND for an unknown id', async () => {
    const answer = await post(server.url, { documentId: 'b'.repeat(64) });
    expect(answer.status).toBe(400);
    expect(answer.json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses raw query text with FORBIDDEN, also next to a known id', async () => {
    const raw = await post(server.url, { query: WHOAMI });
    expect(raw.status).toBe(403);
    expect(raw.json.errors[0].extensions.code).toBe('FORBIDDEN');
    const smuggled = await post(server.url, { documentId: HASH, query: 'mutation { bump }' });
    expect(smuggled.status).toBe(403);
    // Text is refused whatever it says, the very document the id names included.
    const same = await post(server.url, { documentId: HASH, query: 'query Who { whoami }' });
    expect(same.status).toBe(403);
    expect(same.json.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('refuses a request that names no document with FORBIDDEN', async () => {
    for (const body of [{}, { variables: {} }, { query: '' }]) {
      const answer = await post(server.url, body);
      expect(answer.status, JSON.stringify(body)).toBe(403);
      expect(answer.json.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(answer.json.errors[0].message).toContain('documentId');
    }
  });
});

describe('security headers (pipeline decoration)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve([useGraphiQL({ enabled: true, keysRequired: false })]);
  });
  afterAll(() => server.close());

  it('sends nosniff, frame-deny, no-referrer, no-store and a deny-all CSP on API answers', async () => {
    const answer = await post(server.url, { query: WHOAMI });
    expect(Object.fromEntries(answer.headers)).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
    });
  });

  it('keeps the GraphiQL page’s own policy: scripts and workers from this origin only, no inline script', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toBe(GRAPHIQL_CSP);
    // The only script blocks are external or JSON data, which the policy does not need to allow.
    expect([...html.matchAll(/<script(?![^>]*\b(?:src=|type="application\/json"))[^>]*>/g)]).toEqual([]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("worker-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });
});

describe('useRequestErrorCodes', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve([useRequestErrorCodes()]);
  });
  afterAll(() => server.close());

  it('codes a variable that does not coerce as BAD_USER_INPUT, nothing executed', async () => {
    const answer = await post(server.url, {
      query: 'query ($b: Boolean!) { whoami @skip(if: $b) }',
      variables: { b: [[['x']]] },
    });
    expect(answer.json.data).toBeUndefined();
    expect(answer.json.errors[0].message).toMatch(/\$b/);
    expect(answer.json.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', retryable: false });
  });
});

describe('the request budget on an open gateway (no keys)', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve([], { env: { RATE_LIMIT_REQUESTS_PER_SECOND: '1', RATE_LIMIT_REQUEST_BURST: '1' } });
  });
  afterAll(() => server.close());

  it('does not budget requests: all clients are one anonymous caller, a budget would throttle them all', async () => {
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(server.url, { query: WHOAMI })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });
});
