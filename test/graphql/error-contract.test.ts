import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answeredBy } from '../support/answers.js';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * One error contract whatever executes a request (issue 25): every request below is sent first-seen
 * (Yoga runs it) and then repeated (the compiled phase or its answer cache runs it, where it may), and
 * the status, the headers a client sees, the body (`code`, `retryable`, `retryAfterSeconds`…), the
 * request line and the metric series must be the same. The repeated request's phase is checked from
 * `wxgw_graphql_answers_total`, so each case proves which executors it compared.
 */

const FULL = 'contract-full-0123456789';
const GRAPHQL_RESPONSE = 'application/graphql-response+json';
const STATUS_ONLY = 'contract-status-0123456789';

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: unknown;
  headers?: Record<string, string>;
  /** The phases the repeated requests are answered by, in turn (a cached answer is made by a compiled run). */
  repeated: readonly ('compiled' | 'cache' | 'yoga' | 'none')[];
  /** Extensions that differ per request by nature (a WeChat rid), left out of the comparison. */
  perRequest?: readonly string[];
  before?: () => Promise<void>;
}

let stack: TestGateway;
let appId: string;
const lines: Record<string, unknown>[] = [];
/** The collaborator that fails unexpectedly, for the internal-error case. */
let unexpectedFailure = false;

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  stack = await startTestGateway({
    env: {
      ...PRODUCTION_ENV,
      GATEWAY_API_KEYS: `${FULL}:token:read+wechat:read,${STATUS_ONLY}:wechat:admin`,
      RATE_LIMIT_REQUESTS_PER_SECOND: '10000',
      CALLBACK_IPS_TTL_SECONDS: '0',
    },
    logger,
    api: (client) => ({
      getCallbackIp: async (token, platform) => {
        if (unexpectedFailure) throw new TypeError('Cannot read properties of undefined (reading "ip_list")');
        return client.getCallbackIp(token, platform);
      },
    }),
  });
  appId = stack.sandbox.app.appId;
  await stack.manager.getToken(appId);
});
afterAll(() => stack?.close());

const cases = (): Case[] => [
  {
    name: 'a tokenStatus (its answer is cached)',
    query: 'query S($a: ID) { tokenStatus(appId: $a) { appId state } }',
    variables: { a: appId },
    headers: { authorization: `Bearer ${STATUS_ONLY}` },
    repeated: ['compiled', 'cache'],
  },
  {
    name: 'a missing scope: accessToken without token:read is FORBIDDEN, data null',
    query: `{ tokenStatus(appId: "${appId}") { accessToken } }`,
    headers: { authorization: `Bearer ${STATUS_ONLY}` },
    repeated: ['compiled'],
  },
  {
    name: 'a missing scope inside a partial result',
    query: `{ app(appId: "${appId}") { appId name callbackIps { ips } } }`,
    headers: { authorization: `Bearer ${STATUS_ONLY}` },
    repeated: ['compiled'],
  },
  {
    name: 'an unknown app: UNKNOWN_APP',
    query: '{ tokenStatus(appId: "wx0000000000000000") { state } }',
    headers: { authorization: `Bearer ${FULL}` },
    repeated: ['compiled'],
  },
  {
    name: 'bad input: a malformed appId is BAD_USER_INPUT',
    query: '{ tokenStatus(appId: "nope") { state } }',
    headers: { authorization: `Bearer ${FULL}` },
    repeated: ['compiled'],
  },
  {
    name: 'a WeChat errcode: 40164 is WECHAT_IP_NOT_WHITELISTED',
    query: `query Ips { callbackIps(appId: "${appId}") { ips } }`,
    headers: { authorization: `Bearer ${FULL}` },
    repeated: ['compiled'],
    perRequest: ['errmsg', 'rid'],
    before: () =>
      stack.sandbox
        .setFault({ kind: 'ip-not-whitelisted', endpoint: '/cgi-bin/getcallbackip', times: 1 })
        .then(() => {}),
  },
  {
    name: 'an internal error: masked INTERNAL_SERVER_ERROR',
    query: `query Broken { callbackIps(appId: "${appId}") { ips } }`,
    headers: { authorization: `Bearer ${FULL}` },
    repeated: ['compiled'],
  },
  {
    name: 'variables that do not coerce: a request error, Yoga’s to answer',
    query: 'query S($a: ID) { tokenStatus(appId: $a) { state } }',
    variables: { a: { not: 'an id' } },
    headers: { authorization: `Bearer ${FULL}` },
    repeated: ['yoga'],
  },
  {
    name: 'application/json asked for',
    query: '{ apps { appId name } }',
    headers: { authorization: `Bearer ${FULL}`, accept: 'application/json' },
    repeated: ['compiled', 'cache'],
  },
  {
    name: 'one of two operations by name, with the caller’s request id',
    query: 'query A { apps { appId } } query B { apps { name } }',
    operationName: 'B',
    headers: { authorization: `Bearer ${FULL}`, 'x-request-id': 'contract-1' },
    repeated: ['compiled', 'cache'],
  },
  {
    name: 'an empty operationName: 400',
    query: '{ apps { appId } }',
    operationName: '',
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    repeated: ['yoga'],
  },
  {
    name: 'an operationName that is not a string: 400',
    query: '{ apps { appId } }',
    operationName: 7,
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    repeated: ['yoga'],
  },
  {
    name: 'a document that does not parse: coded 400',
    query: '{ apps { appId ',
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    repeated: ['yoga'],
  },
  {
    name: 'a document over the token limit: 400',
    query: `{ apps { ${'appId '.repeat(1100)}} }`,
    headers: { authorization: `Bearer ${FULL}`, accept: GRAPHQL_RESPONSE },
    repeated: ['yoga'],
  },
  {
    name: 'no key: 401 before any executor',
    query: '{ apps { appId } }',
    repeated: ['none'],
  },
  {
    name: 'an unknown key: 401 before any executor',
    query: '{ apps { appId } }',
    headers: { authorization: 'Bearer not-a-configured-key-000' },
    repeated: ['none'],
  },
];

/** The series of `wxgw_graphql_requests_total` and how many each has counted. */
async function series(): Promise<Map<string, number>> {
  const metric = stack.metrics.registry.getSingleMetric('wxgw_graphql_requests_total');
  const counts = new Map<string, number>();
  for (const value of (await metric?.get())?.values ?? [])
    counts.set(JSON.stringify(value.labels), value.value);
  return counts;
}

/** What a client sees, what the request line says and the series it counted in; less what differs per request by nature. */
async function send(c: Case) {
  await c.before?.();
  const linesBefore = lines.length;
  const seriesBefore = await series();
  const { result: response, phase } = await answeredBy(stack.metrics, () =>
    fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...c.headers },
      body: JSON.stringify({
        query: c.query,
        ...(c.variables ? { variables: c.variables } : {}),
        ...(c.operationName === undefined ? {} : { operationName: c.operationName }),
      }),
    }),
  );
  const headers = Object.fromEntries(
    [...response.headers].filter(
      ([name]) => !['date', 'connection', 'keep-alive', 'content-length'].includes(name),
    ),
  );
  const requestId = headers['x-request-id'];
  if (!c.headers?.['x-request-id']) delete headers['x-request-id'];
  const body = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
  for (const error of body.errors ?? [])
    for (const name of c.perRequest ?? []) delete error.extensions?.[name];
  const requestLines = lines
    .slice(linesBefore)
    .filter((line) => line.reqId === requestId && String(line.msg).startsWith('graphql request'))
    .map(({ time: _time, durationMs: _duration, pid: _pid, hostname: _host, reqId: _id, ...line }) => line);
  const seriesAfter = await series();
  const counted = [...seriesAfter]
    .filter(([labels, count]) => count > (seriesBefore.get(labels) ?? 0))
    .map(([labels]) => labels);
  return { phase, seen: { status: response.status, headers, body, requestLines, counted } };
}

describe('one error contract, first-seen and repeated', () => {
  it.each(cases().map((c) => [c.name] as const))('%s', async (name) => {
    const c = cases().find((candidate) => candidate.name === name) as Case;
    unexpectedFailure = name.startsWith('an internal error');
    try {
      const first = await send(c);
      expect(first.phase).toBe(c.repeated[0] === 'none' ? 'none' : 'yoga');
      for (const phase of c.repeated) {
        const repeated = await send(c);
        expect(repeated.phase).toBe(phase);
        expect(repeated.seen).toEqual(first.seen);
      }
      expect(first.seen.requestLines).toHaveLength(1);
      expect(first.seen.counted).toHaveLength(1);
    } finally {
      unexpectedFailure = false;
    }
  });

  it('an internal error answers with retryable: false from every executor', async () => {
    unexpectedFailure = true;
    try {
      const c = cases().find((candidate) => candidate.name.startsWith('an internal error')) as Case;
      const { seen } = await send({ ...c, query: c.query.replace('Broken', 'BrokenAgain') });
      expect(seen.body.errors?.[0]?.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', retryable: false });
      const again = await send({ ...c, query: c.query.replace('Broken', 'BrokenAgain') });
      expect(again.phase).toBe('compiled');
      expect(again.seen.body.errors?.[0]?.extensions).toEqual({
        code: 'INTERNAL_SERVER_ERROR',
        retryable: false,
      });
    } finally {
      unexpectedFailure = false;
    }
  });
});
