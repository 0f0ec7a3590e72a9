import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * The compiled path answers exactly as the Yoga path does (src/compiled/): every request below is sent
 * to a gateway without the compiled path and to one with its document compiled, and the status, the
 * headers a client sees and the body must match; the second gateway's count says which ones it served.
 */

const FULL = 'parity-full-0123456789';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const STATUS_ONLY = 'parity-status-0123456789';

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** Sent as it is; the document is compiled under it when it is a name, else without one. */
  operationName?: unknown;
  headers?: Record<string, string>;
  /** Whether the compiled path answers it (else it hands it to Yoga). */
  compiled: boolean;
}

let yogaOnly: TestGateway;
let withCompiled: TestGateway;
let appId: string;

const env = {
  ...PRODUCTION_ENV,
  GATEWAY_API_KEYS: `${FULL}:token:read+wechat:read,${STATUS_ONLY}:wechat:admin`,
  RATE_LIMIT_REQUESTS_PER_SECOND: '10000',
};

beforeAll(async () => {
  withCompiled = await startTestGateway({ env });
  appId = withCompiled.sandbox.app.appId;
  yogaOnly = await startTestGateway({
    env,
    sandbox: { apps: withCompiled.sandbox.apps },
    compiledPath: false,
  });
  await withCompiled.manager.getToken(appId);
  await yogaOnly.manager.getToken(appId);
});
afterAll(async () => {
  await withCompiled?.close();
  await yogaOnly?.close();
});

const cases = (): Case[] => [
  {
    name: 'a cached tokenStatus',
    query: 'query S($a: ID) { tokenStatus(appId: $a) { appId state } }',
    variables: { a: appId },
    headers: { authorization: `Bearer ${STATUS_ONLY}` },
    compiled: true,
  },
  {
    name: 'accessToken without token:read: FORBIDDEN, data null',
    query: `{ tokenStatus(appId: "${appId}") { accessToken } }`,
    headers: { authorization: `Bearer ${STATUS_ONLY}` },
    compiled: true,
  },
  {
    name: 'a nullable field refused inside a partial result',
    query: `{ app(appId: "${appId}") { appId name callbackIps { ips } } }`,
    headers: { authorization: `Bearer ${STATUS_ONLY}` },
    compiled: true,
  },
  {
    name: 'an unknown app: UNKNOWN_APP',
    query: '{ tokenStatus(appId: "wx0000000000000000") { state } }',
    headers: { authorization: `Bearer ${FULL}` },
    compiled: true,
  },
  {
    name: 'a malformed appId: BAD_USER_INPUT',
    query: '{ tokenStatus(appId: "nope") { state } }',
    headers: { authorization: `Bearer ${FULL}` },
    compiled: true,
  },
  {
    name: 'variables that do not coerce: a request error, left to Yoga',
    query: 'query S($a: ID) { tokenStatus(appId: $a) { state } }',
    variables: { a: { not: 'an id' } },
    headers: { authorization: `Bearer ${FULL}` },
    compiled: false,
  },
  {
    name: 'application/json asked for',
    query: '{ apps { appId name } }',
    headers: { authorization: `Bearer ${FULL}`, accept: 'application/json' },
    compiled: true,
  },
  {
    name: 'callbackIps without wechat:read: FORBIDDEN',
    query: `{ callbackIps(appId: "${appId}") { ips } }`,
    headers: { authorization: `Bearer ${STATUS_ONLY}` },
    compiled: true,
  },
  {
    name: 'one of two operations by name',
    query: 'query A { apps { appId } } query B { apps { name } }',
    operationName: 'B',
    headers: { authorization: `Bearer ${FULL}`, 'x-request-id': 'parity-1' },
    compiled: true,
  },
  {
    name: 'an empty operationName: Yoga’s 400, though the document is compiled without a name',
    query: '{ apps { appId } }',
    operationName: '',
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    compiled: false,
  },
  {
    name: 'an operationName that is not a string: Yoga’s 400, though the document is compiled without a name',
    query: '{ apps { appId } }',
    operationName: 7,
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    compiled: false,
  },
  {
    name: 'a document that does not parse, which precompile tried: Yoga’s coded 400',
    query: '{ apps { appId ',
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    compiled: false,
  },
  {
    name: 'a document over the token limit, which precompile tried: Yoga’s 400',
    query: `{ apps { ${'appId '.repeat(1100)}} }`,
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    compiled: false,
  },
  {
    name: 'no key: 401 from Yoga',
    query: '{ apps { appId } }',
    compiled: false,
  },
  {
    name: 'an unknown key: 401 from Yoga',
    query: '{ apps { appId } }',
    headers: { authorization: 'Bearer not-a-configured-key-000' },
    compiled: false,
  },
];

/** What a client sees, without what differs per request by nature. */
async function send(gateway: TestGateway, c: Case) {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...c.headers },
    body: JSON.stringify({
      query: c.query,
      ...(c.variables ? { variables: c.variables } : {}),
      ...(c.operationName === undefined ? {} : { operationName: c.operationName }),
    }),
  });
  const headers = Object.fromEntries(
    [...response.headers].filter(
      ([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name),
    ),
  );
  if (!c.headers?.['x-request-id']) delete headers['x-request-id'];
  return { status: response.status, headers, body: (await response.json()) as unknown };
}

describe('the compiled path answers as the Yoga path does', () => {
  it.each(cases().map((c) => [c.name, c] as const))('%s', async (_name, _unused) => {
    const c = cases().find((candidate) => candidate.name === _name) as Case;
    const { operationName } = c;
    withCompiled.gateway.precompile(
      c.query,
      typeof operationName === 'string' && operationName ? { operationName } : {},
    );
    const before = withCompiled.gateway.compiledAnswers();
    const compiled = await send(withCompiled, c);
    const yoga = await send(yogaOnly, c);
    expect(withCompiled.gateway.compiledAnswers() - before).toBe(c.compiled ? 1 : 0);
    expect(yogaOnly.gateway.compiledAnswers()).toBe(0);
    expect(compiled).toEqual(yoga);
  });

  it('learns a document from its first run on the Yoga path and compiles it once', async () => {
    const c: Case = {
      name: 'learned',
      query: 'query Learned { apps { appId } }',
      headers: { authorization: `Bearer ${FULL}` },
      compiled: true,
    };
    const before = withCompiled.gateway.compiledAnswers();
    const first = await send(withCompiled, c);
    expect(withCompiled.gateway.compiledAnswers()).toBe(before);
    const second = await send(withCompiled, c);
    expect(withCompiled.gateway.compiledAnswers()).toBe(before + 1);
    expect(second).toEqual(first);
  });

  it('never compiles a document Yoga refused (query limits, introspection off in production, an id)', () => {
    expect(withCompiled.gateway.precompile('{ __schema { types { name } } }')).toBe(false);
    const deep = `{ apps { ${'appId '.repeat(1)}} ${Array.from({ length: 20 }, (_, i) => `a${i}: apps { appId }`).join(' ')} }`;
    expect(withCompiled.gateway.precompile(deep)).toBe(false);
    expect(withCompiled.gateway.precompile('mutation { refreshToken { state } }')).toBe(false);
    // No trusted documents here: Yoga runs no document by id.
    expect(withCompiled.gateway.precompile('{ apps { appId } }', { documentId: 'a'.repeat(64) })).toBe(false);
  });
});
