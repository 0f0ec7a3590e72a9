import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNEXPECTED_ERROR_MESSAGE } from '../../src/graphql/errors.js';
import { codes, execute, type Transport } from './support/execute.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from './support/gateway.js';
import {
  AppsDocument,
  CallbackIpsDocument,
  RefreshTokenDocument,
  SameAppTwiceDocument,
  TokenStatusDocument,
  TwoAliasesTokenStatusDocument,
  TwoAppsCallbackIpsDocument,
} from './support/operations.js';

const ADMIN_ONLY_KEY = 'admin-only-0123456789abcdef';
const asAdminOnly = { 'x-api-key': ADMIN_ONLY_KEY };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const IP = /^[0-9a-f.:]+(?:\/\d+)?$/i;

/**
 * Every field and error of the contract, in process through the whole pipeline (the transport is not
 * the subject here: test/graphql/http.test.ts has it). Documents repeat from test to test, so Yoga runs
 * each first and the compiled phase the repeats; test/graphql/error-contract.test.ts compares the two.
 */
describe.each(['in-process'] as const)('GraphQL operations (%s)', (via) => {
  const start = (options: TestGatewayOptions = {}) => startTestGateway(options);
  describe('one app, real sandbox and token manager', () => {
    let stack: TestGateway;
    let transport: Transport;
    beforeAll(async () => {
      // TTL 0: every callbackIps asks WeChat, so injected faults are seen (caching has its own test).
      stack = await start({ env: { CALLBACK_IPS_TTL_SECONDS: '0' } });
      transport = stack.transports.find((t) => t.name === via) as Transport;
    });
    afterAll(() => stack.close());

    it('tokenStatus before any use: MISSING, nulls for the token fields, appId defaulted', async () => {
      const answer = await execute(transport, TokenStatusDocument, {});
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.tokenStatus).toEqual({
        appId: stack.sandbox.app.appId,
        name: 'Test app 1',
        state: 'MISSING',
        expiresAt: null,
        expiresInSeconds: null,
        obtainedAt: null,
        accessToken: null,
        degraded: false,
        circuitOpenUntil: null,
        lastError: null,
      });
    });

    it('callbackIps obtains a token and answers WeChat’s addresses', async () => {
      const before = await stack.sandbox.counters();
      const answer = await execute(transport, CallbackIpsDocument, { appId: stack.sandbox.app.appId });
      expect(answer.body.errors).toBeUndefined();
      const ips = answer.body.data?.callbackIps;
      expect(ips?.appId).toBe(stack.sandbox.app.appId);
      expect(ips?.ips.length).toBeGreaterThan(0);
      expect(ips?.ips.every((ip) => IP.test(ip))).toBe(true);
      expect(ips?.fetchedAt).toMatch(ISO);
      const after = await stack.sandbox.counters();
      expect(after['/cgi-bin/getcallbackip'] - before['/cgi-bin/getcallbackip']).toBe(1);
    });

    it('tokenStatus after use: FRESH with the token, its expiry and age', async () => {
      const status = (await execute(transport, TokenStatusDocument, {})).body.data?.tokenStatus;
      expect(status?.state).toBe('FRESH');
      expect(status?.expiresInSeconds).toBeGreaterThan(1000);
      expect(status?.expiresAt).toMatch(ISO);
      expect(status?.obtainedAt).toMatch(ISO);
      expect(Date.parse(status?.expiresAt ?? '')).toBeGreaterThan(Date.parse(status?.obtainedAt ?? ''));
      expect(status?.accessToken?.length).toBeGreaterThan(20);
    });

    it('refreshToken(force: false) keeps the fresh token; force: true replaces it once, then REFRESH_COOLDOWN', async () => {
      const current = (await execute(transport, TokenStatusDocument, {})).body.data?.tokenStatus?.accessToken;
      const kept = await execute(transport, RefreshTokenDocument, { force: false });
      expect(kept.body.data?.refreshToken).toMatchObject({ state: 'FRESH', accessToken: current });

      const forced = await execute(transport, RefreshTokenDocument, { force: true });
      expect(forced.body.errors).toBeUndefined();
      expect(forced.body.data?.refreshToken.state).toBe('FRESH');
      expect(forced.body.data?.refreshToken.accessToken).not.toBe(current);

      const again = await execute(transport, RefreshTokenDocument, { force: true });
      expect(again.body.data).toBeNull();
      expect(again.body.errors?.[0]?.path).toEqual(['refreshToken']);
      expect(again.body.errors?.[0]?.extensions).toMatchObject({ code: 'REFRESH_COOLDOWN', retryable: true });
      expect(again.body.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    });

    it('apps lists the configured app with its token state', async () => {
      const answer = await execute(transport, AppsDocument);
      expect(answer.body.data?.apps).toEqual([
        {
          appId: stack.sandbox.app.appId,
          name: 'Test app 1',
          tokenMode: 'stable',
          tokenStatus: { state: 'FRESH' },
        },
      ]);
    });

    it('UNKNOWN_APP for a well-formed appId that is not configured', async () => {
      const answer = await execute(transport, TokenStatusDocument, { appId: 'wx0000000000000000' });
      expect(answer.status).toBe(200);
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'UNKNOWN_APP', retryable: false });
    });

    it('BAD_USER_INPUT (never a 500) for a huge or malformed appId', async () => {
      for (const appId of [`wx${'f'.repeat(50_000)}`, 'not an app id', '']) {
        const answer = await execute(transport, CallbackIpsDocument, { appId });
        expect(answer.status).toBe(200);
        expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
        expect(answer.body.errors?.[0]?.message.length).toBeLessThan(200);
      }
    });

    it('a WeChat errcode carries errcode, redacted errmsg, rid and retryable', async () => {
      await stack.sandbox.setFault({
        kind: 'ip-not-whitelisted',
        endpoint: '/cgi-bin/getcallbackip',
        times: 1,
      });
      const answer = await execute(transport, CallbackIpsDocument, {});
      const error = answer.body.errors?.[0];
      expect(error?.path).toEqual(['callbackIps']);
      expect(error?.extensions).toMatchObject({
        code: 'WECHAT_IP_NOT_WHITELISTED',
        errcode: 40164,
        retryable: false,
      });
      expect(error?.extensions?.errmsg).toContain('203.0.113.9');
      expect(error?.extensions?.rid).toMatch(/^[0-9a-f]+-[0-9a-f]+-[0-9a-f]+$/);
      expect(error?.extensions?.errmsg).toContain(String(error?.extensions?.rid));
      expect(error?.message).toContain('203.0.113.9');
    });

    it('UPSTREAM_UNAVAILABLE when every base URL answers 5xx', async () => {
      await stack.sandbox.setFault({ kind: 'bad-gateway', endpoint: '/cgi-bin/getcallbackip' });
      try {
        const answer = await execute(transport, CallbackIpsDocument, {});
        expect(answer.body.errors?.[0]?.extensions).toMatchObject({
          code: 'UPSTREAM_UNAVAILABLE',
          retryable: true,
        });
        expect(JSON.stringify(answer.body)).not.toContain('<html');
      } finally {
        await stack.sandbox.clearFaults();
      }
    });

    it('UPSTREAM_BAD_RESPONSE when WeChat answers something that is not JSON', async () => {
      await stack.sandbox.setFault({ kind: 'invalid-json', endpoint: '/cgi-bin/getcallbackip', times: 1 });
      try {
        const answer = await execute(transport, CallbackIpsDocument, {});
        expect(answer.body.data).toBeNull();
        expect(answer.body.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.retryable])).toEqual(
          [[['callbackIps'], 'UPSTREAM_BAD_RESPONSE', true]],
        );
      } finally {
        await stack.sandbox.clearFaults();
      }
    });

    // Last in this group: it opens the per-minute circuit for getcallbackip.
    it('a WeChat quota errcode says when to retry', async () => {
      // The 45011 window ends at the next wall-clock minute: start well before it, or the circuit
      // could close before tokenStatus is read.
      const msToNextMinute = 60_000 - (Date.now() % 60_000);
      if (msToNextMinute < 5_000) await sleep(msToNextMinute + 50);
      await stack.sandbox.setFault({ kind: 'minute-quota', endpoint: '/cgi-bin/getcallbackip', times: 1 });
      const answer = await execute(transport, CallbackIpsDocument, {});
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({
        code: 'WECHAT_RATE_LIMITED',
        errcode: 45011,
        retryable: true,
      });
      expect(answer.body.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(0);
      expect(answer.body.errors?.[0]?.extensions?.retryAfterSeconds).toBeLessThanOrEqual(60);
      const status = await execute(transport, TokenStatusDocument, {});
      expect(Date.parse(status.body.data?.tokenStatus.circuitOpenUntil ?? '')).toBeGreaterThan(Date.now());
    });
  });

  describe('two apps', () => {
    let stack: TestGateway;
    let transport: Transport;
    let good: string;
    let broken: string;
    beforeAll(async () => {
      stack = await start({
        sandbox: { appCount: 2 },
        // The second app is configured with a secret the sandbox rejects.
        apps: (sandbox) =>
          sandbox.apps.map((app, index) => ({
            ...app,
            appSecret: index === 1 ? 'f'.repeat(32) : app.appSecret,
            name: `App ${index + 1}`,
            tokenMode: 'stable' as const,
          })),
      });
      transport = stack.transports.find((t) => t.name === via) as Transport;
      [good, broken] = stack.apps.map((app) => app.appId) as [string, string];
    });
    afterAll(() => stack.close());

    it('appId is required (BAD_USER_INPUT) when several apps are configured', async () => {
      const answer = await execute(transport, TokenStatusDocument, {});
      expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
      expect(answer.body.errors?.[0]?.message).toContain('2 apps');
    });

    it('partial results: aliases over nullable app fields keep the good app’s data and one error with its path', async () => {
      const answer = await execute(transport, TwoAppsCallbackIpsDocument, { first: good, second: broken });
      expect(answer.body.data?.first?.callbackIps?.ips.length).toBeGreaterThan(0);
      expect(answer.body.data?.second).toEqual({ appId: broken, callbackIps: null });
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors?.[0]?.path).toEqual(['second', 'callbackIps']);
      expect(answer.body.errors?.[0]?.extensions).toMatchObject({ retryable: false });
      expect(answer.body.errors?.[0]?.extensions?.errcode).toBeTypeOf('number');
      expect(JSON.stringify(answer.body)).not.toContain('f'.repeat(32));
    });

    it('the contract’s non-null root fields null the whole data when one alias fails (documented in the README)', async () => {
      const answer = await execute(transport, TwoAliasesTokenStatusDocument, {
        first: good,
        second: 'wx0000000000000000',
      });
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
        [['second'], 'UNKNOWN_APP'],
      ]);
    });

    it('apps lists both apps; the broken one reports its last error', async () => {
      const answer = await execute(transport, AppsDocument);
      expect(answer.body.data?.apps.map((app) => app.appId)).toEqual([good, broken]);
      const status = await execute(transport, TokenStatusDocument, { appId: broken });
      expect(status.body.data?.tokenStatus.state).toBe('MISSING');
      expect(status.body.data?.tokenStatus.lastError?.code).toMatch(/^WECHAT_/);
    });
  });

  describe('per-request loaders and callback-IP cache', () => {
    let stack: TestGateway;
    let transport: Transport;
    beforeAll(async () => {
      stack = await start();
      transport = stack.transports.find((t) => t.name === via) as Transport;
    });
    afterAll(() => stack.close());

    it('aliases asking the same app resolve once, and the list is cached across requests', async () => {
      const before = await stack.sandbox.counters();
      const answer = await execute(transport, SameAppTwiceDocument, {});
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.a.ips).toEqual(answer.body.data?.b.ips);
      await execute(transport, SameAppTwiceDocument, {});
      const after = await stack.sandbox.counters();
      expect(after['/cgi-bin/getcallbackip'] - before['/cgi-bin/getcallbackip']).toBe(1);
      expect(after['/cgi-bin/stable_token'] - before['/cgi-bin/stable_token']).toBe(1);
    });

    it('concurrent requests for the same app share one upstream call', async () => {
      const fresh = await start();
      try {
        const via2 = fresh.transports.find((t) => t.name === via) as Transport;
        const answers = await Promise.all(
          Array.from({ length: 5 }, () => execute(via2, CallbackIpsDocument, {})),
        );
        expect(answers.every((a) => a.body.data?.callbackIps.ips.length)).toBe(true);
        const counters = await fresh.sandbox.counters();
        expect(counters['/cgi-bin/getcallbackip']).toBe(1);
        expect(counters['/cgi-bin/stable_token']).toBe(1);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('masking and scopes', () => {
    let stack: TestGateway;
    let transport: Transport;
    beforeAll(async () => {
      stack = await start({
        // A bug in a collaborator: the gateway must mask it, not leak it.
        api: () => ({
          getCallbackIp: async () => {
            throw new TypeError('Cannot read properties of undefined (reading "ip_list")');
          },
        }),
      });
      transport = stack.transports.find((t) => t.name === via) as Transport;
    });
    afterAll(() => stack.close());

    it('an unexpected error is INTERNAL_SERVER_ERROR with a fixed message and no stack', async () => {
      const answer = await execute(transport, CallbackIpsDocument, {});
      expect(answer.body.errors).toEqual([
        expect.objectContaining({
          message: UNEXPECTED_ERROR_MESSAGE,
          path: ['callbackIps'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', retryable: false },
        }),
      ]);
      expect(JSON.stringify(answer.body)).not.toMatch(/ip_list|TypeError|at .*\.ts/);
    });
  });

  // A key without the needed scopes (no key at all is refused as a whole: test/security).
  describe('without the scopes (API keys configured, a key holding only wechat:admin)', () => {
    let stack: TestGateway;
    let transport: Transport;
    beforeAll(async () => {
      stack = await start({
        env: { GATEWAY_API_KEYS: `k-0123456789abcdef:token:read,${ADMIN_ONLY_KEY}:wechat:admin` },
      });
      transport = stack.transports.find((t) => t.name === via) as Transport;
      await stack.manager.getToken(stack.sandbox.app.appId);
    });
    afterAll(() => stack.close());

    it('accessToken is null with a FORBIDDEN error naming token:read; the rest of the status is served', async () => {
      const answer = await execute(transport, TokenStatusDocument, {}, asAdminOnly);
      expect(answer.body.data?.tokenStatus).toMatchObject({ state: 'FRESH', accessToken: null });
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors?.[0]?.path).toEqual(['tokenStatus', 'accessToken']);
      expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'FORBIDDEN', retryable: false });
      expect(answer.body.errors?.[0]?.message).toContain('token:read');
    });

    it('callbackIps needs wechat:read and refreshToken needs token:refresh', async () => {
      const ips = await execute(transport, CallbackIpsDocument, {}, asAdminOnly);
      expect(codes(ips)).toEqual(['FORBIDDEN']);
      expect(ips.body.errors?.[0]?.message).toContain('wechat:read');
      const refresh = await execute(transport, RefreshTokenDocument, { force: false }, asAdminOnly);
      expect(codes(refresh)).toEqual(['FORBIDDEN']);
      expect(refresh.body.errors?.[0]?.message).toContain('token:refresh');
    });
  });
});
