import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import {
  type CachedAnswer,
  ResponseCache,
  recordingContext,
  sameReading,
  type TokenReads,
} from '../../src/compiled/response-cache.js';
import type { TokenService } from '../../src/credentials/types.js';
import { answeredBy } from '../support/answers.js';
import { PRODUCTION_ENV, startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * The compiled phase gives an answer again while every token read it was made from gives the same
 * (src/compiled/response-cache.ts). These tests change each input such an answer depends on and
 * expect a new run, and expect the protections that run before it (rate limit, key) on every request.
 */

describe('sameReading', () => {
  const at = new Date(1_000);
  it.each([
    ['equal primitives', 1, 1, true],
    ['different primitives', 'a', 'b', false],
    ['a number and its text', 1, '1', false],
    ['dates at the same time', at, new Date(1_000), true],
    ['dates a millisecond apart', at, new Date(1_001), false],
    ['a date and its time', at, 1_000, false],
    ['equal objects', { a: 1, b: { c: at } }, { b: { c: new Date(1_000) }, a: 1 }, true],
    ['an object with one more member', { a: 1 }, { a: 1, b: undefined }, false],
    ['a nested difference', { a: { b: 1 } }, { a: { b: 2 } }, false],
    ['equal arrays', [1, { a: 2 }], [1, { a: 2 }], true],
    ['arrays in another order', [1, 2], [2, 1], false],
    ['an array and an object with its indexes', [1], { 0: 1 }, false],
    ['null and an object', null, {}, false],
    ['undefined and null', undefined, null, false],
  ])('%s', (_name, a, b, same) => {
    expect(sameReading(a, b)).toBe(same);
    expect(sameReading(b, a)).toBe(same);
  });
});

describe('recordingContext', () => {
  class Tokens {
    // A private field, as the real services have: a proxy must call methods on the service itself.
    readonly #apps = ['wx0123456789abcdef'];
    status(appId: string) {
      return this.#apps.includes(appId)
        ? Promise.resolve({ appId, state: 'FRESH' })
        : Promise.reject(new Error('unknown'));
    }
    hasApp(appId: string) {
      return this.#apps.includes(appId);
    }
    listApps() {
      return this.#apps.map((appId) => ({ appId }));
    }
    refresh() {
      return Promise.resolve({});
    }
  }
  const context = () => ({
    tokens: new Tokens() as unknown as TokenService,
    caller: { id: 'k' },
    openApi: {},
  });

  const cache = Symbol('per-request cache');

  it('lists the token reads of a run that read nothing else but the caller', async () => {
    const recording = recordingContext(context());
    const seen = recording.context as ReturnType<typeof context> & { [cache]?: Map<string, unknown> };
    expect(seen.caller.id).toBe('k');
    // What the run keeps on its context itself (as Pothos does) is no input.
    seen[cache] ??= new Map();
    expect(seen[cache]).toBeInstanceOf(Map);
    expect(seen.tokens.hasApp('wx0123456789abcdef')).toBe(true);
    await seen.tokens.status('wx0123456789abcdef');
    expect(recording.reads()).toEqual([
      { method: 'hasApp', args: ['wx0123456789abcdef'], value: true, key: 'hasApp["wx0123456789abcdef"]' },
      {
        method: 'status',
        args: ['wx0123456789abcdef'],
        value: { appId: 'wx0123456789abcdef', state: 'FRESH' },
        key: 'status["wx0123456789abcdef"]',
      },
    ]);
  });

  it.each([
    ['another service', (c: ReturnType<typeof context>) => c.openApi],
    [
      'another token method',
      (c: ReturnType<typeof context>) => c.tokens.refresh('wx0123456789abcdef', { force: true }),
    ],
    [
      'a read that failed',
      (c: ReturnType<typeof context>) => c.tokens.status('wx00000000000000ff').catch(() => {}),
    ],
  ])('has no reads for a run that read %s', async (_name, read) => {
    const recording = recordingContext(context());
    await read(recording.context as ReturnType<typeof context>);
    await new Promise((resolve) => setImmediate(resolve));
    expect(recording.reads()).toBeUndefined();
  });

  it("lists the address lists a run's loaders load, and has no reads once it used another loader", async () => {
    const list = { appId: 'wx0123456789abcdef', ips: ['101.226.62.77'], fetchedAt: new Date(1_000) };
    const withLoaders = () => ({
      ...context(),
      loaders: {
        callbackIps: { load: (_appId: string) => Promise.resolve(list) },
        other: { load: (_appId: string) => Promise.resolve(1) },
      },
    });
    const listed = recordingContext(withLoaders());
    await (listed.context as ReturnType<typeof withLoaders>).loaders.callbackIps.load('wx0123456789abcdef');
    expect(listed.reads()).toEqual([
      {
        method: 'callbackIps',
        args: ['wx0123456789abcdef'],
        value: list,
        key: 'callbackIps["wx0123456789abcdef"]',
      },
    ]);
    const other = recordingContext(withLoaders());
    await (other.context as ReturnType<typeof withLoaders>).loaders.other.load('wx0123456789abcdef');
    expect(other.reads()).toBeUndefined();
  });

  it('has no reads while a read it started has not finished', async () => {
    const recording = recordingContext(context());
    const pending = (recording.context as ReturnType<typeof context>).tokens.status('wx0123456789abcdef');
    expect(recording.reads()).toBeUndefined();
    await pending;
    expect(recording.reads()).toHaveLength(1);
  });
});

describe('ResponseCache.unchanged', () => {
  const APP = 'wx0123456789abcdef';
  /** A token service whose status is `state` now, counting how often it is asked. */
  function countingTokens(state: { value: string }) {
    const asked = { status: 0 };
    const tokens = {
      status: (appId: string) => {
        asked.status++;
        return Promise.resolve({ appId, state: state.value });
      },
      hasApp: () => true,
      listApps: () => [],
    } as unknown as TokenReads;
    return { tokens, asked };
  }
  const answer = (state: string): CachedAnswer =>
    ({
      reads: [{ method: 'status', args: [APP], value: { appId: APP, state }, key: `status["${APP}"]` }],
    }) as unknown as CachedAnswer;
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('reads a status once per event-loop turn for every answer checked in it', async () => {
    const state = { value: 'FRESH' };
    const { tokens, asked } = countingTokens(state);
    const cache = new ResponseCache({ tokens });
    const checks = await Promise.all([1, 2, 3].map(() => cache.unchanged(answer('FRESH'))));
    expect(checks).toEqual([true, true, true]);
    expect(asked.status).toBe(1);
    await nextTurn();
    expect(await cache.unchanged(answer('FRESH'))).toBe(true);
    expect(asked.status).toBe(2);
  });

  it('answers at once, without a promise, once the turn has its reading', async () => {
    const { tokens, asked } = countingTokens({ value: 'FRESH' });
    const cache = new ResponseCache({ tokens });
    const first = cache.unchanged(answer('FRESH'));
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toBe(true);
    expect(cache.unchanged(answer('FRESH'))).toBe(true);
    expect(cache.unchanged(answer('EXPIRED'))).toBe(false);
    expect(asked.status).toBe(1);
  });

  it('sees a change made in an earlier turn', async () => {
    const state = { value: 'FRESH' };
    const { tokens } = countingTokens(state);
    const cache = new ResponseCache({ tokens });
    expect(await cache.unchanged(answer('FRESH'))).toBe(true);
    state.value = 'EXPIRING';
    await nextTurn();
    expect(await cache.unchanged(answer('FRESH'))).toBe(false);
    expect(await cache.unchanged(answer('EXPIRING'))).toBe(true);
  });

  it('never shares a reading between the caches of two token services', async () => {
    const first = countingTokens({ value: 'FRESH' });
    const second = countingTokens({ value: 'EXPIRED' });
    expect(await new ResponseCache({ tokens: first.tokens }).unchanged(answer('FRESH'))).toBe(true);
    expect(await new ResponseCache({ tokens: second.tokens }).unchanged(answer('FRESH'))).toBe(false);
    expect(second.asked.status).toBe(1);
  });

  it('answers false for every answer checked against a read that failed', async () => {
    const failing = {
      status: () => Promise.reject(new Error('store down')),
      hasApp: () => true,
      listApps: () => [],
    } as unknown as TokenReads;
    const cache = new ResponseCache({ tokens: failing });
    const checks = await Promise.all([1, 2].map(() => cache.unchanged(answer('FRESH'))));
    expect(checks).toEqual([false, false]);
  });
});

describe('cached answers over HTTP', () => {
  const READER = 'cached-reader-0123456789';
  const STATUS_ONLY = 'cached-status-0123456789';
  let stack: TestGateway;
  let now = Date.now();
  const clock = { ...systemClock, now: () => now };

  beforeAll(async () => {
    stack = await startTestGateway({
      env: {
        ...PRODUCTION_ENV,
        GATEWAY_API_KEYS: `${READER}:token:read+token:refresh+wechat:read,${STATUS_ONLY}:wechat:read`,
        RATE_LIMIT_REQUESTS_PER_SECOND: '10000',
      },
      clock,
      manager: { clock, forceRefreshCooldownSeconds: 0 },
    });
    await stack.manager.getToken(stack.sandbox.app.appId);
  });
  afterAll(() => stack?.close());

  const STATUS = (appId: string) =>
    `query Status { tokenStatus(appId: "${appId}") { appId state expiresAt obtainedAt expiresInSeconds accessToken } }`;

  /** Sends the document once first, so Yoga has run it: the test's own request is the compiled phase's. */
  const seen = new Set<string>();
  async function post(key: string, query: string) {
    const send = () =>
      fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, operationName: 'Status' }),
      });
    if (!seen.has(query)) {
      seen.add(query);
      expect((await answeredBy(stack.metrics, send)).phase).toBe('yoga');
    }
    const { result: response, phase } = await answeredBy(stack.metrics, send);
    const json = (await response.json()) as {
      data?: { tokenStatus: Record<string, unknown> | null } | null;
      errors?: { extensions?: { code?: string } }[];
    };
    expect(phase).not.toBe('yoga');
    return {
      status: response.status,
      json,
      requestId: response.headers.get('x-request-id'),
      fromCache: phase === 'cache',
    };
  }

  it('gives an answer again while its statuses read the same, each with its own request id', async () => {
    const query = STATUS(stack.sandbox.app.appId);
    const first = await post(READER, query);
    const again = await post(READER, query);
    expect(first.fromCache).toBe(false);
    expect(again.fromCache).toBe(true);
    expect(again.json).toEqual(first.json);
    expect(again.requestId).not.toBe(first.requestId);
  });

  it('runs again once expiresInSeconds ticks', async () => {
    const query = STATUS(stack.sandbox.app.appId);
    const first = await post(READER, query);
    await post(READER, query);
    now += 1_000;
    const later = await post(READER, query);
    expect(later.fromCache).toBe(false);
    expect(later.json.data?.tokenStatus?.expiresInSeconds).toBe(
      (first.json.data?.tokenStatus?.expiresInSeconds as number) - 1,
    );
  });

  it('answers with the new token at once after a renewal', async () => {
    const query = STATUS(stack.sandbox.app.appId);
    const before = await post(READER, query);
    await post(READER, query);
    const renewed = await stack.manager.refresh(stack.sandbox.app.appId, { force: true });
    const after = await post(READER, query);
    expect(after.fromCache).toBe(false);
    expect(after.json.data?.tokenStatus?.accessToken).toBe(renewed.value);
    expect(after.json.data?.tokenStatus?.accessToken).not.toBe(before.json.data?.tokenStatus?.accessToken);
  });

  it("keeps each caller's answer its own, and never gives an answer with errors again", async () => {
    // A document of its own: the earlier tests' answers are cached.
    const query = STATUS(stack.sandbox.app.appId).replace('appId state', 'appId name state');
    for (let round = 0; round < 2; round++) {
      const reader = await post(READER, query);
      const statusOnly = await post(STATUS_ONLY, query);
      expect(reader.json.errors).toBeUndefined();
      expect(typeof reader.json.data?.tokenStatus?.accessToken).toBe('string');
      expect(statusOnly.json.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      expect(statusOnly.json.data?.tokenStatus?.accessToken).toBeNull();
      expect(statusOnly.fromCache).toBe(false);
      expect(reader.fromCache).toBe(round === 1);
    }
  });

  it('gives an address list answer again while that list is served, and runs again once it is due', async () => {
    const query = `query Status { callbackIps(appId: "${stack.sandbox.app.appId}") { ips } }`;
    const ips = (answer: Awaited<ReturnType<typeof post>>) =>
      (answer.json.data as unknown as { callbackIps: { ips: string[] } }).callbackIps.ips;
    const listCalls = async () => (await stack.sandbox.counters())['/cgi-bin/getcallbackip'] ?? 0;
    const first = await post(READER, query);
    const calls = await listCalls();
    const again = await post(READER, query);
    expect(first.json.errors).toBeUndefined();
    expect(again.fromCache).toBe(true);
    expect(again.json).toEqual(first.json);
    // WeChat publishes a new list; the served one is still within CALLBACK_IPS_TTL_SECONDS.
    await stack.sandbox.setCallbackIps(['101.226.62.77']);
    expect((await post(READER, query)).fromCache).toBe(true);
    now += stack.config.graphql.callbackIpsTtlSeconds * 1000;
    const due = await post(READER, query);
    expect(due.fromCache).toBe(false);
    expect(ips(due)).toEqual(['101.226.62.77']);
    expect(await listCalls()).toBe(calls + 1);
    expect((await post(READER, query)).fromCache).toBe(true);
  });

  it('runs again a document that reads more than tokens and address lists', async () => {
    const query = `query Status { apiQuota(appId: "${stack.sandbox.app.appId}", cgiPath: "/cgi-bin/token") { dailyLimit } }`;
    const first = await post(READER, query);
    const again = await post(READER, query);
    expect(first.json.errors).toBeUndefined();
    expect(again.fromCache).toBe(false);
  });
});

describe('cached answers and the rate limit', () => {
  const KEY = 'cached-limited-0123456789';
  let stack: TestGateway;

  beforeAll(async () => {
    stack = await startTestGateway({
      env: {
        ...PRODUCTION_ENV,
        GATEWAY_API_KEYS: `${KEY}:token:read`,
        RATE_LIMIT_REQUESTS_PER_SECOND: '1',
        RATE_LIMIT_REQUEST_BURST: '3',
      },
    });
    await stack.manager.getToken(stack.sandbox.app.appId);
  });
  afterAll(() => stack?.close());

  it('spends the budget on every request, whichever phase answers it', async () => {
    const query = `query Status { tokenStatus(appId: "${stack.sandbox.app.appId}") { appId state } }`;
    const send = () =>
      fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: JSON.stringify({ query, operationName: 'Status' }),
      });
    // Yoga runs it, the compiled phase runs it again, then its answer is given from the cache.
    for (const expected of ['yoga', 'compiled', 'cache']) {
      const { result, phase } = await answeredBy(stack.metrics, send);
      expect(result.status).toBe(200);
      expect(phase).toBe(expected);
    }
    const refused = await send();
    expect(refused.status).toBe(429);
    expect(
      ((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
    ).toBe('RATE_LIMITED');
  });
});
