import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, execute, type Transport } from './support/execute.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import {
  ApiDomainIpsDocument,
  ApiQuotaDocument,
  CallbackIpsDocument,
  ClearQuotaDocument,
  RequestLookupDocument,
  TokenStatusDocument,
} from './support/operations.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const RID = /^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/;

describe('WeChat operations', () => {
  /** The OpenAPI management fields over real HTTP: gateway → WeChatClient → sandbox, all on loopback. */
  describe('OpenAPI management fields (real HTTP, real sandbox)', () => {
    let stack: TestGateway;
    let http: Transport;
    let appId: string;
    beforeAll(async () => {
      // TTL 0 for callbackIps (and apiDomainIps, which shares it): each call reaches the sandbox. No
      // clear_quota cooldown: these tests are about WeChat's answers (the budget has its own below).
      stack = await startTestGateway({
        env: { CALLBACK_IPS_TTL_SECONDS: '0', CLEAR_QUOTA_COOLDOWN_SECONDS: '0' },
      });
      http = stack.http;
      appId = stack.sandbox.app.appId;
    });
    afterAll(() => stack.close());

    /** The token the gateway currently holds for the app (what the sandbox sees in request URLs). */
    async function currentToken(): Promise<string> {
      const status = await stack.manager.status(appId);
      if (!status.accessToken) throw new Error('the gateway holds no token yet');
      return status.accessToken;
    }

    it('apiDomainIps answers WeChat’s API domain addresses', async () => {
      const before = await stack.sandbox.counters();
      const answer = await execute(http, ApiDomainIpsDocument, {});
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.apiDomainIps).toEqual({
        appId,
        ips: ['101.89.47.18', '101.91.34.103', '203.205.239.82'],
        fetchedAt: expect.stringMatching(ISO),
      });
      const after = await stack.sandbox.counters();
      expect(after['/cgi-bin/get_api_domain_ip'] - before['/cgi-bin/get_api_domain_ip']).toBe(1);
    });

    it('apiQuota reports the sandbox’s real daily use of /cgi-bin/stable_token', async () => {
      await stack.manager.refresh(appId, { force: true });
      const calls = (await stack.sandbox.counters())['/cgi-bin/stable_token'];
      expect(calls).toBeGreaterThanOrEqual(2);
      const answer = await execute(http, ApiQuotaDocument, { cgiPath: '/cgi-bin/stable_token' });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.apiQuota).toEqual({
        appId,
        cgiPath: '/cgi-bin/stable_token',
        dailyLimit: 500_000,
        used: calls,
        remain: 500_000 - calls,
      });
      const classic = await execute(http, ApiQuotaDocument, { cgiPath: '/cgi-bin/token' });
      expect(classic.body.data?.apiQuota).toMatchObject({ dailyLimit: 2000, used: 0, remain: 2000 });
    });

    it.each([
      ['no leading slash', 'cgi-bin/token'],
      ['a query string', '/cgi-bin/token?access_token=abc'],
      ['a fragment', '/cgi-bin/token#x'],
      ['too long', `/cgi-bin/${'a'.repeat(200)}`],
      ['empty', ''],
      ['a space', '/cgi-bin/to ken'],
      ['a parent segment', '/cgi-bin/../token'],
    ])(
      'apiQuota refuses a cgiPath with %s as BAD_USER_INPUT without calling WeChat',
      async (_what, cgiPath) => {
        const before = await stack.sandbox.counters();
        const answer = await execute(http, ApiQuotaDocument, { cgiPath });
        expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
        expect(answer.body.data).toBeNull();
        expect(answer.body.errors?.[0]?.message).toContain('cgiPath');
        expect((await stack.sandbox.counters())['/cgi-bin/openapi/quota/get']).toBe(
          before['/cgi-bin/openapi/quota/get'],
        );
      },
    );

    it('a WeChat error on apiQuota carries errcode, errmsg and rid', async () => {
      const answer = await execute(http, ApiQuotaDocument, { cgiPath: '/cgi-bin/not-an-api' });
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors?.[0]?.path).toEqual(['apiQuota']);
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({
        code: 'WECHAT_ERROR',
        retryable: false,
        errcode: 76021,
        rid: expect.stringMatching(RID),
      });
    });

    it('the rid of an error is looked up end to end, with the recorded token redacted', async () => {
      await stack.sandbox.setFault({
        kind: 'ip-not-whitelisted',
        endpoint: '/cgi-bin/getcallbackip',
        times: 1,
      });
      const failed = await execute(http, CallbackIpsDocument, {});
      expect(codes(failed)).toEqual(['WECHAT_IP_NOT_WHITELISTED']);
      const rid = failed.body.errors?.[0]?.extensions?.rid;
      expect(rid).toMatch(RID);
      const token = await currentToken();

      // WeChat (the sandbox) really keeps the token in what it recorded...
      const raw = await fetch(`${stack.sandbox.url}/cgi-bin/openapi/rid/get?access_token=${token}`, {
        method: 'POST',
        body: JSON.stringify({ rid }),
      });
      expect(((await raw.json()) as { request: { request_url: string } }).request.request_url).toContain(
        token,
      );

      // ...and the gateway never hands it out.
      const lookup = await execute(http, RequestLookupDocument, { rid: rid as string });
      expect(lookup.body.errors).toBeUndefined();
      const found = lookup.body.data?.requestLookup;
      expect(found).toMatchObject({
        appId,
        rid,
        invokedAt: expect.stringMatching(ISO),
        requestUrl: '/cgi-bin/getcallbackip?access_token=[REDACTED]',
        requestBody: '',
        clientIp: expect.stringContaining('127.0.0.1'),
      });
      expect(found?.costInMs).toBeGreaterThanOrEqual(0);
      expect(found?.responseBody).toContain('"errcode":40164');
      expect(found?.responseBody).toContain(rid as string);
      expect(JSON.stringify(lookup.body)).not.toContain(token);
    });

    it('requestLookup refuses a malformed rid as BAD_USER_INPUT without calling WeChat', async () => {
      const secretLike = 'ab'.repeat(16);
      for (const rid of ['', 'not a rid', 'abc', `${'a'.repeat(70)}-1-2`, secretLike]) {
        const before = (await stack.sandbox.counters())['/cgi-bin/openapi/rid/get'];
        const answer = await execute(http, RequestLookupDocument, { rid });
        expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
        expect(JSON.stringify(answer.body)).not.toContain(secretLike);
        expect((await stack.sandbox.counters())['/cgi-bin/openapi/rid/get']).toBe(before);
      }
    });

    it('an unknown rid is WeChat’s 76001, with a rid of its own', async () => {
      const answer = await execute(http, RequestLookupDocument, { rid: '00000000-00000000-00000000' });
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({
        code: 'WECHAT_ERROR',
        errcode: 76001,
        rid: expect.stringMatching(RID),
      });
    });

    it('clearQuota closes an open 45009 circuit: the next call goes upstream again', async () => {
      await stack.sandbox.setFault({ kind: 'daily-quota', endpoint: '/cgi-bin/getcallbackip', times: 1 });
      const spent = await execute(http, CallbackIpsDocument, {});
      expect(codes(spent)).toEqual(['WECHAT_QUOTA_EXCEEDED']);
      expect(spent.body.errors?.[0]?.extensions).toMatchObject({ errcode: 45009, retryable: true });

      // The circuit holds: no call reaches WeChat until midnight UTC+8...
      const upstream = () => stack.sandbox.counters().then((c) => c['/cgi-bin/getcallbackip']);
      const blockedAt = await upstream();
      const blocked = await execute(http, CallbackIpsDocument, {});
      expect(codes(blocked)).toEqual(['WECHAT_QUOTA_EXCEEDED']);
      expect(await upstream()).toBe(blockedAt);
      const status = await execute(http, TokenStatusDocument, {});
      expect(status.body.data?.tokenStatus.circuitOpenUntil).toMatch(ISO);

      // ...or a clear_quota.
      const cleared = await execute(http, ClearQuotaDocument, {});
      expect(cleared.body.errors).toBeUndefined();
      expect(cleared.body.data?.clearQuota).toEqual({
        appId,
        clearedAt: expect.stringMatching(ISO),
        reopenedEndpoints: ['/cgi-bin/getcallbackip'],
        clearQuotaCallsSpent: 1,
        nextClearAllowedAt: expect.stringMatching(ISO),
      });
      const resumed = await execute(http, CallbackIpsDocument, {});
      expect(resumed.body.errors).toBeUndefined();
      expect(resumed.body.data?.callbackIps.ips.length).toBeGreaterThan(0);
      expect(await upstream()).toBe(blockedAt + 1);
      const after = await execute(http, TokenStatusDocument, {});
      expect(after.body.data?.tokenStatus.circuitOpenUntil).toBeNull();
    });

    it('after clearQuota the sandbox’s daily counters start over', async () => {
      const quota = await execute(http, ApiQuotaDocument, { cgiPath: '/cgi-bin/stable_token' });
      expect(quota.body.data?.apiQuota).toMatchObject({ used: 0, remain: 500_000 });
    });

    it('clearQuota beyond the monthly allowance is WECHAT_CLEAR_QUOTA_LIMIT (48006), not retryable', async () => {
      await stack.sandbox.configure({ clearQuotaMonthlyLimit: 1 });
      const answer = await execute(http, ClearQuotaDocument, {});
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({
        code: 'WECHAT_CLEAR_QUOTA_LIMIT',
        retryable: false,
        errcode: 48006,
        rid: expect.stringMatching(RID),
      });
      expect(answer.body.errors?.[0]?.message).toContain('this month');
    });
  });

  describe('clearQuota budget (real HTTP, real sandbox)', () => {
    let stack: TestGateway;
    let http: Transport;
    beforeAll(async () => {
      stack = await startTestGateway({ env: { CLEAR_QUOTA_COOLDOWN_SECONDS: '3600' } });
      http = stack.http;
    });
    afterAll(() => stack.close());

    it('11 aliases of one app in one request make one clear_quota call, and the answer says so', async () => {
      const appId = stack.sandbox.app.appId;
      const aliases = Array.from(
        { length: 11 },
        (_, i) => `c${i}: clearQuota(appId: "${appId}") { appId clearQuotaCallsSpent nextClearAllowedAt }`,
      ).join('\n');
      const response = await fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `mutation { ${aliases} }` }),
      });
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      expect(body.errors).toBeUndefined();
      const answers = Object.values(body.data ?? {});
      expect(answers).toHaveLength(11);
      expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
      expect(answers[0]).toMatchObject({
        appId,
        clearQuotaCallsSpent: 1,
        nextClearAllowedAt: expect.stringMatching(ISO),
      });
      expect((await stack.sandbox.counters())['/cgi-bin/clear_quota']).toBe(1);

      // The next request inside the cooldown does not reach WeChat.
      const again = await execute(http, ClearQuotaDocument, {});
      expect(codes(again)).toEqual(['CLEAR_QUOTA_COOLDOWN']);
      expect(again.body.errors?.[0]?.extensions).toMatchObject({ retryable: true });
      expect(again.body.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(3500);
      expect((await stack.sandbox.counters())['/cgi-bin/clear_quota']).toBe(1);
    });
  });

  describe('requestLookup of a failed token request', () => {
    let stack: TestGateway;
    let http: Transport;
    beforeAll(async () => {
      stack = await startTestGateway();
      http = stack.http;
    });
    afterAll(() => stack.close());

    it('shows the stable_token request without the AppSecret WeChat recorded in its body', async () => {
      await stack.sandbox.setFault({
        kind: 'errcode',
        endpoint: '/cgi-bin/stable_token',
        errcode: 48001,
        errmsg: 'api unauthorized',
        times: 1,
      });
      const failed = await execute(http, CallbackIpsDocument, {});
      expect(codes(failed)).toEqual(['WECHAT_API_UNAUTHORIZED']);
      const rid = failed.body.errors?.[0]?.extensions?.rid as string;
      expect(rid).toMatch(RID);

      const lookup = await execute(http, RequestLookupDocument, { rid });
      expect(lookup.body.errors).toBeUndefined();
      const found = lookup.body.data?.requestLookup;
      expect(found?.requestUrl).toBe('/cgi-bin/stable_token');
      expect(found?.requestBody).toContain('"secret":"[REDACTED]"');
      expect(found?.requestBody).toContain(stack.sandbox.app.appId);
      expect(found?.responseBody).toContain('"errcode":48001');
      expect(JSON.stringify(lookup.body)).not.toContain(stack.sandbox.app.appSecret);
    });
  });
});
