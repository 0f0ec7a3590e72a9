import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { WeChatClient } from '../../src/wechat/client.js';
import type { AppCredentials, UpstreamCallEvent } from '../../src/wechat/endpoints.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * Every sandbox fault mode through the real client, mapped to the error a caller sees; and, across
 * all of them, proof that neither the app secret nor a full token leaks into an error or an event.
 */

const sandbox = await startSandbox();
const { app } = sandbox;
const events: UpstreamCallEvent[] = [];
const errors: unknown[] = [];
const tokensSeen = new Set<string>();
/**
 * Answers that must arrive (the setup, and every errcode or bad body under test) get the default
 * budget, so a loaded machine cannot turn them into timeouts; only the faults that never answer in
 * time (hang, stalled body, latency) go through the client with a short one.
 */
const defaultClient = new WeChatClient({ baseUrls: [sandbox.url], onUpstreamCall: (e) => events.push(e) });
const SHORT_TIMEOUT_MS = 80;
const shortClient = new WeChatClient({
  baseUrls: [sandbox.url],
  timeoutMs: SHORT_TIMEOUT_MS,
  onUpstreamCall: (e) => events.push(e),
});
afterAll(async () => {
  await defaultClient.close();
  await shortClient.close();
  await sandbox.close();
});

type Call = 'stable' | 'stable-force' | 'classic' | 'callback' | 'domain';

interface FaultCase {
  name: string;
  call: Call;
  /** Runs after a valid token was obtained (passed in) and before the call under test. */
  arrange?: (sandbox: TestSandbox, token: string) => Promise<unknown>;
  /** Credentials override for the call (wrong secret, unknown app). */
  credentials?: Partial<AppCredentials>;
  /** The fault never answers within SHORT_TIMEOUT_MS: call through `shortClient`. */
  timesOut?: boolean;
  expected: Record<string, unknown>;
}

const fault = (spec: Parameters<TestSandbox['setFault']>[0]) => (s: TestSandbox) => s.setFault(spec);
const ALL_CALLS: Call[] = ['stable', 'classic', 'callback', 'domain'];
const perCall = (
  name: string,
  arrange: FaultCase['arrange'],
  expectedFor: (call: Call) => Record<string, unknown>,
  timesOut = false,
): FaultCase[] =>
  ALL_CALLS.map((call) => ({
    name,
    call,
    ...(arrange ? { arrange } : {}),
    timesOut,
    expected: expectedFor(call),
  }));
const kindOf = (call: Call) => (call === 'callback' || call === 'domain' ? 'api' : 'token');

const cases: FaultCase[] = [
  ...perCall('busy (-1)', fault({ kind: 'busy' }), (call) => ({
    code: 'WECHAT_BUSY',
    errcode: -1,
    reaction: 'backoff',
    retryable: true,
    kind: kindOf(call),
  })),
  ...perCall('daily quota (45009)', fault({ kind: 'daily-quota' }), () => ({
    code: 'WECHAT_QUOTA_EXCEEDED',
    errcode: 45009,
    reaction: 'daily-quota',
  })),
  ...perCall('minute quota (45011)', fault({ kind: 'minute-quota' }), () => ({
    code: 'WECHAT_RATE_LIMITED',
    errcode: 45011,
    reaction: 'minute-quota',
  })),
  ...perCall('IP not whitelisted (40164)', fault({ kind: 'ip-not-whitelisted' }), () => ({
    code: 'WECHAT_IP_NOT_WHITELISTED',
    errcode: 40164,
    reaction: 'config',
    callerIp: '203.0.113.9',
    retryable: false,
  })),
  ...perCall(
    'secret frozen (40243)',
    fault({ kind: 'errcode', errcode: 40243, errmsg: 'appsecret frozen' }),
    () => ({
      code: 'WECHAT_SECRET_FROZEN',
      errcode: 40243,
    }),
  ),
  ...perCall(
    'API unauthorised (48001)',
    fault({ kind: 'errcode', errcode: 48001, errmsg: 'api unauthorized' }),
    () => ({
      code: 'WECHAT_API_UNAUTHORIZED',
    }),
  ),
  ...perCall('IP needs confirmation (89503)', fault({ kind: 'errcode', errcode: 89503 }), () => ({
    code: 'WECHAT_IP_NEEDS_CONFIRMATION',
  })),
  ...perCall('502 HTML page', fault({ kind: 'bad-gateway' }), () => ({
    code: 'UPSTREAM_UNAVAILABLE',
    retryable: true,
  })),
  ...perCall(
    'hang',
    fault({ kind: 'hang' }),
    () => ({ code: 'UPSTREAM_UNAVAILABLE', retryable: true, message: expect.stringContaining('timed out') }),
    true,
  ),
  ...perCall(
    'stalled body',
    fault({ kind: 'stalled-body' }),
    () => ({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringContaining('timed out') }),
    true,
  ),
  // The sandbox (in this process) starts its delay after the client started its shorter timer.
  ...perCall(
    'latency beyond timeoutMs',
    fault({ kind: 'latency', ms: SHORT_TIMEOUT_MS * 3 }),
    () => ({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringContaining('timed out') }),
    true,
  ),
  ...perCall('invalid JSON', fault({ kind: 'invalid-json' }), () => ({
    code: 'UPSTREAM_BAD_RESPONSE',
    retryable: true,
  })),
  ...perCall('empty body', fault({ kind: 'empty-body' }), () => ({ code: 'UPSTREAM_BAD_RESPONSE' })),
  ...perCall(
    'errmsg echoing the token and the secret',
    (s, token) => s.setFault({ kind: 'errcode', errcode: 40001, errmsg: `bad ${token} / ${app.appSecret}` }),
    () => ({ code: 'WECHAT_INVALID_CREDENTIAL', errcode: 40001 }),
  ),
  ...(['callback', 'domain'] as const).flatMap((call): FaultCase[] => [
    {
      name: 'external rotation',
      call,
      arrange: (s) => s.rotateToken(),
      expected: { code: 'WECHAT_INVALID_CREDENTIAL', errcode: 40001, reaction: 'renew-token', kind: 'api' },
    },
    {
      name: 'early expiry',
      call,
      arrange: (s) => s.expireToken(),
      expected: { code: 'WECHAT_TOKEN_EXPIRED', errcode: 42001, reaction: 'renew-token' },
    },
  ]),
  {
    name: 'wrong secret',
    call: 'stable',
    credentials: { appSecret: 'f'.repeat(32) },
    expected: { code: 'WECHAT_INVALID_SECRET', errcode: 40125, reaction: 'config', retryable: false },
  },
  {
    name: 'wrong secret',
    call: 'classic',
    credentials: { appSecret: 'f'.repeat(32) },
    expected: { code: 'WECHAT_INVALID_CREDENTIAL', errcode: 40001, reaction: 'config', retryable: false },
  },
  ...(['stable', 'classic'] as const).map(
    (call): FaultCase => ({
      name: 'unknown appid',
      call,
      credentials: { appId: 'wx0000000000000000' },
      expected: { code: 'WECHAT_INVALID_APPID', errcode: 40013, reaction: 'config' },
    }),
  ),
  {
    name: 'classic daily quota spent',
    call: 'classic',
    arrange: (s) => s.configure({ classicDailyQuota: 0 }),
    expected: { code: 'WECHAT_QUOTA_EXCEEDED', errcode: 45009 },
  },
  {
    name: 'force_refresh daily limit spent',
    call: 'stable-force',
    arrange: (s) => s.configure({ forceRefreshDailyLimit: 0 }),
    expected: { code: 'WECHAT_QUOTA_EXCEEDED', errcode: 45009 },
  },
  {
    name: 'force_refresh again within 30 s',
    call: 'stable-force',
    arrange: () => defaultClient.fetchToken(app, { mode: 'stable', forceRefresh: true }),
    expected: { code: 'WECHAT_RATE_LIMITED', errcode: 45011 },
  },
];

function run(call: Call, credentials: AppCredentials, token: string, timesOut: boolean): Promise<unknown> {
  const client = timesOut ? shortClient : defaultClient;
  switch (call) {
    case 'stable':
      return client.fetchToken(credentials, { mode: 'stable' });
    case 'stable-force':
      return client.fetchToken(credentials, { mode: 'stable', forceRefresh: true });
    case 'classic':
      return client.fetchToken(credentials, { mode: 'classic' });
    case 'callback':
      return client.getCallbackIp(token);
    case 'domain':
      return client.getApiDomainIp(token);
  }
}

describe('fault modes → errors', () => {
  it.each(cases.map((c) => [c.name, c.call, c] as const))('%s on %s', async (_name, call, c) => {
    await sandbox.reset();
    const { accessToken } = await defaultClient.fetchToken(app, { mode: 'stable' });
    tokensSeen.add(accessToken);
    await c.arrange?.(sandbox, accessToken);
    const outcome = await run(call, { ...app, ...c.credentials }, accessToken, c.timesOut ?? false).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    expect(outcome).toHaveProperty('error');
    const { error } = outcome as { error: unknown };
    errors.push(error);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject(c.expected);
    if (error instanceof WeChatError) expect(error.rid).toMatch(/^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
  });

  it('an event reports each attempt with its outcome and errcode', () => {
    const outcomes = new Set(events.map((event) => event.outcome));
    expect([...outcomes].sort()).toEqual(['bad_response', 'errcode', 'http_error', 'ok', 'timeout']);
    const errcodeEvent = events.find((event) => event.errcode === 40164);
    expect(errcodeEvent).toMatchObject({ outcome: 'errcode', status: 200, rid: expect.any(String) });
  });
});

describe('no secret and no token anywhere', () => {
  it('across every error message, error field and upstream event above', () => {
    expect(errors).toHaveLength(cases.length);
    expect(tokensSeen.size).toBeGreaterThan(0);
    const texts = [
      ...errors.map((error) => {
        const e = error as Error;
        return JSON.stringify({ ...e, message: e.message, stack: e.stack, cause: String(e.cause) });
      }),
      ...events.map((event) => JSON.stringify(event)),
    ];
    for (const text of texts) {
      expect(text).not.toContain(app.appSecret);
      for (const token of tokensSeen) expect(text).not.toContain(token);
    }
  });
});
