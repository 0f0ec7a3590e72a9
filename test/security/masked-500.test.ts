import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BucketStore } from '../../src/limits/bucket-store.js';
import { MemoryBucketStore } from '../../src/limits/memory-bucket-store.js';
import { parsePrometheus } from '../ops/support/prometheus.js';
import { KEYS, type ProductionGateway, startProductionGateway } from './support/production-gateway.js';

/**
 * Issue 29 item 1, over HTTP against a production-mode gateway: whatever throws inside the pipeline
 * (here the budget store, a collaborator every keyed request meets before execution) is the masked
 * `INTERNAL_SERVER_ERROR` — a JSON body with no stack, class name or file path, the security headers,
 * an `x-request-id`, one request line and one metric sample — never a raw stack. And an
 * `operationName` of the wrong type (an array, `true`) is a clear 400 on every executor, observed like
 * any other request, without throwing in the request line. The malformed `Host` and targets of item
 * 1(a) are test/security/http-entry.test.ts's.
 */

/** What a failing collaborator throws: the kind of text that must never reach a client. */
const INTERNAL = new TypeError(
  "Cannot read properties of undefined (reading 'tokens') at take (/work/wt-edges/src/limits/memory-bucket-store.ts:42:7)",
);

let gw: ProductionGateway;
let failing = false;

beforeAll(async () => {
  const inner: BucketStore = new MemoryBucketStore();
  gw = await startProductionGateway({}, 1, {
    buckets: {
      kind: inner.kind,
      take: (bucket, policy, cost) => {
        if (failing) throw INTERNAL;
        return inner.take(bucket, policy, cost);
      },
      close: () => inner.close(),
    },
  });
});
afterAll(() => gw.close());

async function samples(name: string) {
  const text = await (await fetch(`${gw.origin}/metrics`)).text();
  return parsePrometheus(text).filter((sample) => sample.name === name);
}

const count = async (name: string, labels: Record<string, string>) =>
  (await samples(name))
    .filter((s) => Object.entries(labels).every(([label, value]) => s.labels[label] === value))
    .reduce((sum, s) => sum + s.value, 0);

/** The request line the gateway wrote for request `id`. */
function requestLine(id: string): Record<string, unknown> | undefined {
  return gw.logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .find((line) => line.reqId === id && String(line.msg).startsWith('graphql request'));
}

function expectDecorated(headers: Headers): string {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(headers.get('cache-control')).toContain('no-store');
  const id = headers.get('x-request-id') as string;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  return id;
}

describe('the masked 500', () => {
  it('something internal throws: INTERNAL_SERVER_ERROR with the headers, an id, a request line and a sample; no stack or path', async () => {
    const before = {
      requests: await count('wxgw_graphql_requests_total', { code: 'INTERNAL_SERVER_ERROR' }),
      entry: await count('wxgw_http_entry_errors_total', { code: 'INTERNAL_SERVER_ERROR' }),
    };
    failing = true;
    let answer: Awaited<ReturnType<ProductionGateway['post']>>;
    try {
      answer = await gw.post({ query: 'query Apps { apps { appId } }' }, { key: KEYS.reader });
    } finally {
      failing = false;
    }
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.json.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false } }),
    ]);
    expect(answer.text).not.toMatch(/TypeError|Cannot read|\bat \w|\/work\/|\.ts:\d|node_modules/);
    const id = expectDecorated(answer.headers);

    expect(requestLine(id)).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 500 });
    // The cause is logged (redacted) for the operator, under the same id.
    const failed = gw.logLines.map((line) => JSON.parse(line)).find((line) => line.msg === 'request failed');
    expect(failed).toMatchObject({ reqId: id, code: 'INTERNAL_SERVER_ERROR' });
    expect(String(failed.err)).toContain('Cannot read properties');

    expect(await count('wxgw_graphql_requests_total', { code: 'INTERNAL_SERVER_ERROR' })).toBe(
      before.requests + 1,
    );
    expect(await count('wxgw_http_entry_errors_total', { code: 'INTERNAL_SERVER_ERROR' })).toBe(
      before.entry + 1,
    );

    // The gateway goes on answering.
    const next = await gw.post({ query: 'query Apps { apps { appId } }' }, { key: KEYS.reader });
    expect(next.status).toBe(200);
  });
});

describe('an operationName that is not a string', () => {
  it.each([
    ['an array', ['Apps']],
    ['true', true],
    ['an object', { toString: 'Apps' }],
  ])(
    '%s: a clear 400 BAD_USER_INPUT, first-seen and repeated, observed and counted',
    async (_, operationName) => {
      for (let attempt = 0; attempt < 2; attempt++) {
        const before = await count('wxgw_graphql_requests_total', { code: 'BAD_USER_INPUT' });
        const answer = await gw.post(
          { query: 'query Apps { apps { appId } }', operationName },
          { key: KEYS.reader, headers: { accept: 'application/graphql-response+json' } },
        );
        expect(answer.status).toBe(400);
        expect(answer.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
        expect(answer.json.errors[0].message).toMatch(/operationName/);
        expect(answer.text).not.toMatch(/TypeError|\/work\/|\.ts:\d/);
        const id = expectDecorated(answer.headers);
        expect(requestLine(id)).toMatchObject({ code: 'BAD_USER_INPUT', status: 400 });
        expect(await count('wxgw_graphql_requests_total', { code: 'BAD_USER_INPUT' })).toBe(before + 1);
      }
    },
  );
});
