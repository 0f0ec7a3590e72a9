import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGraphQLError, createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { createObserver, useOutcome } from '../../src/pipeline/observe.js';
import { useMetricsEndpoint } from '../../src/plugins/use-metrics.js';
import { Redactor } from '../../src/redact.js';
import { standInPipeline } from '../support/stand-in-pipeline.js';
import { captureLogs } from './support/log-capture.js';
import { parsePrometheus, sampleValue } from './support/prometheus.js';

/**
 * The request line and the request metric (the pipeline's observation, src/pipeline/observe.ts), the
 * request id and the method rule, in front of a real Yoga over real HTTP, with a two-field schema
 * standing in for the gateway's (the over-HTTP tests of the whole gateway live in gateway-*.test.ts).
 * Every request is Yoga's here (no compiled phase).
 */

const SECRET = 'b'.repeat(32);

const schema = createSchema<Record<string, unknown>>({
  typeDefs: 'type Query { hello: String!  fail: String }',
  resolvers: {
    Query: {
      hello: () => 'world',
      fail: () => {
        throw createGraphQLError(`no app (secret ${SECRET})`, { extensions: { code: 'UNKNOWN_APP' } });
      },
    },
  },
});

let server: Server;
let base: string;
const logs = captureLogs();
const metrics = new GatewayMetrics();

beforeAll(async () => {
  const redactor = new Redactor();
  const httpLogger = logs.logger.child({ module: 'http' });
  const observe = createObserver({ logger: httpLogger, redactor, metrics });
  const yoga = createYoga<Record<string, unknown>>({
    schema,
    logging: false,
    maskedErrors: false,
    plugins: [
      useOutcome(observe),
      useMetricsEndpoint({ metrics }),
      {
        onRequest({ url, endResponse, fetchAPI }) {
          if (url.searchParams.has('refuse')) endResponse(new fetchAPI.Response('no', { status: 429 }));
        },
      },
    ],
  });
  const pipeline = standInPipeline({
    yoga,
    logger: httpLogger,
    metrics,
    observe,
    methods: { '/graphql': ['GET', 'POST'], '/metrics': ['GET', 'HEAD'] },
  });
  server = createServer(pipeline.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function graphql(body: unknown, headers: Record<string, string> = {}, query = '') {
  return fetch(`${base}/graphql${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function requestLines() {
  return logs.lines.filter((line) => String(line.msg).startsWith('graphql request'));
}

describe('the request line and the request metric (pipeline observation)', () => {
  it('logs one line per GraphQL request with id, operation, duration and code, and echoes the id', async () => {
    const before = requestLines().length;
    const ok = await graphql({ query: 'query Greeting { hello }' }, { 'x-request-id': 'trace-abc.1' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-request-id')).toBe('trace-abc.1');
    const failed = await graphql(
      { query: 'query Broken { fail }', operationName: 'Broken' },
      { 'x-request-id': 'bad id with spaces' },
    );
    const generated = failed.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const lines = requestLines().slice(before);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      module: 'http',
      reqId: 'trace-abc.1',
      operation: 'Greeting',
      code: 'ok',
      status: 200,
    });
    expect(lines[0]?.durationMs).toEqual(expect.any(Number));
    expect(lines[1]).toMatchObject({ reqId: generated, operation: 'Broken', code: 'UNKNOWN_APP' });
    expect(logs.raw()).not.toContain(SECRET);
  });

  it('logs refusals before execution with a code: parse errors, validation errors, early responses', async () => {
    const before = requestLines().length;
    await graphql({ query: '{ hello' });
    await graphql({ query: '{ nope }' });
    const refused = await graphql({ query: '{ hello }' }, { 'x-request-id': 'refused-1' }, '?refuse');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-request-id')).toBe('refused-1');
    const codes = requestLines()
      .slice(before)
      .map((line) => line.code);
    expect(codes).toEqual(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'RATE_LIMITED']);
  });

  it('does not count the GraphiQL page or other paths as GraphQL requests, but still tags them', async () => {
    const before = requestLines().length;
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const health = await fetch(`${base}/health`, { headers: { 'x-request-id': 'probe-1' } });
    expect(health.headers.get('x-request-id')).toBe('probe-1');
    expect(requestLines().length).toBe(before);
  });

  it('serves /metrics whose counters and histograms moved with the traffic', async () => {
    const scrape = async () => {
      const response = await fetch(`${base}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return parsePrometheus(await response.text());
    };
    const count = (samples: ReturnType<typeof parsePrometheus>) =>
      sampleValue(samples, 'wxgw_graphql_requests_total', { operation: 'Greeting', code: 'ok' }) ?? 0;
    const before = await scrape();
    await graphql({ query: 'query Greeting { hello }' });
    await graphql({ query: 'query Greeting { hello }' });
    const after = await scrape();
    expect(count(after) - count(before)).toBe(2);
    expect(
      sampleValue(after, 'wxgw_graphql_request_duration_seconds_count', {
        operation: 'Greeting',
        code: 'ok',
      }),
    ).toBe(count(after));
    expect(
      sampleValue(after, 'wxgw_graphql_requests_total', { operation: 'Broken', code: 'UNKNOWN_APP' }),
    ).toBe(1);
    expect(
      sampleValue(after, 'wxgw_graphql_requests_total', { operation: 'not_run', code: 'RATE_LIMITED' }),
    ).toBe(1);
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});
