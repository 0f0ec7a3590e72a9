import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import type { TokenManagerOptions } from '../../src/credentials/options.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { FakeClock, trackCalls } from './fake-clock.js';

/**
 * WeCom apps on the one credential engine, against the sandbox's qyapi over HTTP through the real
 * client (issue 27): tokens and both tickets keyed per (corp, app), WeCom's errcodes read with WeCom's
 * catalog. Time is the shared FakeClock.
 */

const CORP = 'ww0123456789abcdef';
const SECRET_A = 'secretOfApprovalsApp-0123456789abcdefghijk';
const SECRET_B = 'secretOfExpensesApp--0123456789abcdefghijk';
const SECRET_CONTACTS = 'secretOfContactsSync-0123456789abcdefghijk';
const APP_A = `${CORP}/1000002`;
const APP_B = `${CORP}/1000003`;
const CONTACTS = `${CORP}/contacts-sync`;
const CALLBACK_IP = '/cgi-bin/getcallbackip';

const clock = new FakeClock();
let sandbox: TestSandbox;
let client: WeChatClient;
let api: WeChatClient;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sandbox = await startSandbox({
    clock,
    wecomApps: [
      { corpId: CORP, corpSecret: SECRET_A, agentId: 1000002 },
      { corpId: CORP, corpSecret: SECRET_B, agentId: 1000003 },
      { corpId: CORP, corpSecret: SECRET_CONTACTS, secretName: 'contacts-sync' },
    ],
  });
  client = new WeChatClient({
    baseUrls: [sandbox.url],
    wecomBaseUrls: [sandbox.url],
    timeoutMs: 10_000,
    clock,
  });
  const tracked = trackCalls(client);
  api = tracked.api;
  clock.settleWith = tracked.idle;
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());
afterEach(async () => {
  await clock.advance(0);
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

function wecomApp(appId: string, corpSecret: string): AppConfig {
  const [corpId, part] = appId.split('/') as [string, string];
  const wecom = /^\d+$/.test(part) ? { corpId, agentId: part } : { corpId, secretName: part };
  return { kind: 'wecom', appId, appSecret: corpSecret, name: appId, tokenMode: 'stable', wecom };
}

function createManager(apps: AppConfig[], options: Partial<TokenManagerOptions> = {}) {
  const manager = new TokenManager({
    apps,
    stores: new MemoryStores({ clock }),
    api,
    clock,
    random: () => 0.5,
    lockLeaseMs: 10_000,
    ...options,
  });
  stops.push(() => manager.stop());
  return manager;
}

const both = () => [
  wecomApp(APP_A, SECRET_A),
  wecomApp(APP_B, SECRET_B),
  wecomApp(CONTACTS, SECRET_CONTACTS),
];

describe('WeCom credentials on the engine, against the sandbox', () => {
  it('gives two apps of one corp two tokens and two agent tickets, each the sandbox issued to that app', async () => {
    const manager = createManager(both());
    const [tokenA, tokenB] = await Promise.all([manager.getToken(APP_A), manager.getToken(APP_B)]);
    expect(tokenA.value).not.toBe(tokenB.value);
    const [agentA, agentB] = await Promise.all([
      manager.tickets.get(APP_A, 'agent_config'),
      manager.tickets.get(APP_B, 'agent_config'),
    ]);
    expect(agentA.value).not.toBe(agentB.value);
    const issuedA = await sandboxTickets(APP_A);
    const issuedB = await sandboxTickets(APP_B);
    expect(issuedA.agent_config).toEqual([agentA.value]);
    expect(issuedB.agent_config).toEqual([agentB.value]);
    const corpA = await manager.tickets.get(APP_A, 'jsapi');
    expect((await sandboxTickets(APP_A)).jsapi).toEqual([corpA.value]);
    expect((await sandbox.counters())['/cgi-bin/gettoken']).toBe(2);
  });

  it('makes one gettoken, one corp-ticket and one agent-ticket call for 100 concurrent cold requests', async () => {
    const manager = createManager(both());
    await Promise.all(
      Array.from({ length: 100 }, () =>
        Promise.all([manager.tickets.get(APP_A, 'jsapi'), manager.tickets.get(APP_A, 'agent_config')]),
      ),
    );
    const counters = await sandbox.counters();
    expect(counters['/cgi-bin/gettoken']).toBe(1);
    expect(counters['/cgi-bin/get_jsapi_ticket']).toBe(1);
    expect(counters['/cgi-bin/ticket/get']).toBe(1);
  });

  it('refuses the agent ticket of a special secret before any upstream call, and lists only its corp ticket', async () => {
    const manager = createManager(both());
    await expect(manager.tickets.get(CONTACTS, 'agent_config')).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      message: expect.stringContaining('special secret'),
    });
    expect((await manager.tickets.statuses(CONTACTS)).map((t) => t.type)).toEqual(['jsapi']);
    expect((await manager.tickets.statuses(APP_A)).map((t) => t.type)).toEqual(['jsapi', 'agent_config']);
    expect((await sandbox.counters())['/cgi-bin/gettoken']).toBe(0);
  });

  it('answers a wrong corpSecret (40001) with WECHAT_INVALID_SECRET, never renewing: 50 requests, at most 2 gettoken calls', async () => {
    const manager = createManager([wecomApp(APP_A, 'wrongSecret-0123456789abcdefghijklmnopqrstu')]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () =>
        manager.call(APP_A, CALLBACK_IP, (token) => api.getCallbackIp(token, 'wecom')),
      ),
    );
    for (let i = 0; i < 10; i++) await manager.getToken(APP_A).catch(() => {});
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: 'WECHAT_INVALID_SECRET',
        retryable: false,
        errcode: 40001,
        platform: 'wecom',
      });
    }
    expect((await sandbox.counters())['/cgi-bin/gettoken']).toBeLessThanOrEqual(2);
    const status = await manager.status(APP_A);
    expect(status.lastError?.code).toBe('WECHAT_INVALID_SECRET');
  });

  it('answers a wrong corpId (40013) with WECHAT_INVALID_APPID', async () => {
    const app = wecomApp('ww00000000000000ff/1000002', SECRET_A);
    const manager = createManager([app]);
    await expect(manager.getToken(app.appId)).rejects.toMatchObject({
      code: 'WECHAT_INVALID_APPID',
      errcode: 40013,
    });
  });

  it("still renews an Official Account's token once on 40001: the catalogs are per platform", async () => {
    const oa = {
      appId: sandbox.app.appId,
      appSecret: sandbox.app.appSecret,
      name: 'OA',
      tokenMode: 'stable' as const,
    };
    const manager = createManager([oa, wecomApp(APP_A, SECRET_A)]);
    expect(await manager.call(oa.appId, CALLBACK_IP, (token) => api.getCallbackIp(token))).not.toHaveLength(
      0,
    );
    await sandbox.rotateToken(oa.appId); // its tokens now answer 40001
    expect(await manager.call(oa.appId, CALLBACK_IP, (token) => api.getCallbackIp(token))).not.toHaveLength(
      0,
    );
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(2);
  });

  it.each([
    ['invalidate', 40014],
    ['expire', 42001],
  ] as const)(
    'renews once when WeCom ends a token mid-life (%s → %i), and serves the caller',
    async (how, errcode) => {
      const manager = createManager(both());
      const before = await manager.getToken(APP_A);
      expect(
        await manager.call(APP_A, CALLBACK_IP, (token) => api.getCallbackIp(token, 'wecom')),
      ).not.toHaveLength(0);
      sandbox.direct.endWeComToken(APP_A, how);
      await expect(api.getCallbackIp(before.value, 'wecom')).rejects.toMatchObject({
        errcode,
        platform: 'wecom',
      });
      const served = await Promise.all(
        Array.from({ length: 20 }, () =>
          manager.call(APP_A, CALLBACK_IP, (token) => api.getCallbackIp(token, 'wecom')),
        ),
      );
      expect(served.every((ips) => ips.length > 0)).toBe(true);
      expect((await sandbox.counters())['/cgi-bin/gettoken']).toBe(2);
      expect((await manager.getToken(APP_A)).value).not.toBe(before.value);
      // The other app of the corp kept its token.
      expect((await sandbox.counters())['/cgi-bin/gettoken']).toBe(2);
    },
  );

  it('names the trusted-IP fix on 60020 and does not renew', async () => {
    const manager = createManager(both());
    sandbox.direct.setWeComTrusted(APP_A, false);
    const error = await manager.getToken(APP_A).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'WECHAT_IP_NOT_WHITELISTED', errcode: 60020, retryable: false });
    expect((error as Error).message).toContain('trusted IPs');
    expect((await sandbox.counters())['/cgi-bin/gettoken']).toBe(1);
  });
});

async function sandboxTickets(appId: string): Promise<{ jsapi: string[]; agent_config: string[] }> {
  const response = await fetch(`${sandbox.url}/__sandbox/wecom/apps/${appId}/tickets`);
  expect(response.status).toBe(200);
  return (await response.json()) as { jsapi: string[]; agent_config: string[] };
}
