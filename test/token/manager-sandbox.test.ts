import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TokenMode } from '../../src/config/index.js';
import { TokenManager } from '../../src/token/manager.js';
import type { TokenManagerOptions } from '../../src/token/manager-options.js';
import { MemoryStore } from '../../src/token/memory-store.js';
import type { TokenEvent } from '../../src/token/types.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/** The token manager against the real sandbox over HTTP, through the real WeChat client. */

const CALLBACK_IP = '/cgi-bin/getcallbackip';

let sandbox: TestSandbox;
let client: WeChatClient;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sandbox = await startSandbox();
  client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 1_000 });
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

function createManager(mode: TokenMode, options: Partial<TokenManagerOptions> & { appSecret?: string } = {}) {
  const { appSecret, ...rest } = options;
  const manager = new TokenManager({
    apps: [
      {
        appId: sandbox.app.appId,
        appSecret: appSecret ?? sandbox.app.appSecret,
        name: 'Sandbox app',
        tokenMode: mode,
      },
    ],
    store: new MemoryStore(),
    api: client,
    lockLeaseMs: 10_000,
    busyBackoffBaseMs: 5,
    busyBackoffTotalMs: 100,
    ...rest,
  });
  stops.push(() => manager.stop());
  return manager;
}

const callbackIps = (manager: TokenManager) =>
  manager.call(sandbox.app.appId, CALLBACK_IP, (token) => client.getCallbackIp(token));

describe('TokenManager against the sandbox', () => {
  it('makes exactly one token call for 500 concurrent getToken on a cold app', async () => {
    const manager = createManager('stable');
    const tokens = await Promise.all(Array.from({ length: 500 }, () => manager.getToken(sandbox.app.appId)));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(1);
  });

  it('recovers from an external rotation with one extra token call, invisibly to the caller', async () => {
    const manager = createManager('stable');
    expect(await callbackIps(manager)).not.toHaveLength(0);
    const before = await manager.getToken(sandbox.app.appId);
    await sandbox.rotateToken();
    expect(await callbackIps(manager)).not.toHaveLength(0);
    const counters = await sandbox.counters();
    expect(counters['/cgi-bin/stable_token']).toBe(2);
    expect(counters[CALLBACK_IP]).toBe(3);
    expect((await manager.getToken(sandbox.app.appId)).accessToken).not.toBe(before.accessToken);
  });

  it('gets through two busy answers', async () => {
    const manager = createManager('stable');
    await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/stable_token', times: 2 });
    await expect(manager.getToken(sandbox.app.appId)).resolves.toMatchObject({
      accessToken: expect.any(String),
    });
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(3);
  });

  it('gives up on endless busy answers with WECHAT_BUSY after a bounded number of calls', async () => {
    const manager = createManager('stable', { busyRetries: 3 });
    await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/stable_token' });
    await expect(manager.getToken(sandbox.app.appId)).rejects.toMatchObject({
      code: 'WECHAT_BUSY',
      retryable: true,
    });
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(4);
  });

  it('makes no second call to an endpoint inside its 45009 window', async () => {
    const manager = createManager('stable');
    await sandbox.setFault({ kind: 'daily-quota', endpoint: CALLBACK_IP });
    const first = await callbackIps(manager).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(WeChatError);
    expect(first).toMatchObject({ code: 'WECHAT_QUOTA_EXCEEDED', errcode: 45009 });
    expect((first as WeChatError).retryAfterSeconds).toBeGreaterThan(0);
    const again = await Promise.allSettled(Array.from({ length: 20 }, () => callbackIps(manager)));
    for (const result of again) {
      expect(result).toMatchObject({ status: 'rejected', reason: { code: 'WECHAT_QUOTA_EXCEEDED' } });
    }
    expect((await sandbox.counters())[CALLBACK_IP]).toBe(1);
    expect((await manager.status(sandbox.app.appId)).circuitOpenUntil).toBeInstanceOf(Date);
  });

  it('makes at most one upstream call for 100 concurrent requests with a wrong secret', async () => {
    const manager = createManager('stable', { appSecret: '0'.repeat(32), negativeCacheSeconds: 10 });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () => manager.getToken(sandbox.app.appId)),
    );
    for (const result of results) {
      expect(result).toMatchObject({
        status: 'rejected',
        reason: { code: 'WECHAT_INVALID_SECRET', retryable: false },
      });
    }
    await manager.getToken(sandbox.app.appId).catch(() => undefined);
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBeLessThanOrEqual(1);
    const status = await manager.status(sandbox.app.appId);
    expect(status.lastError?.code).toBe('WECHAT_INVALID_SECRET');
    expect(JSON.stringify(status)).not.toContain('0'.repeat(32));
  });

  it('works end to end in classic mode, forced refresh included', async () => {
    const manager = createManager('classic', { forceRefreshCooldownSeconds: 60 });
    const first = await manager.getToken(sandbox.app.appId);
    expect(await callbackIps(manager)).not.toHaveLength(0);
    const forced = await manager.refresh(sandbox.app.appId, { force: true });
    expect(forced.accessToken).not.toBe(first.accessToken);
    await expect(manager.refresh(sandbox.app.appId, { force: true })).rejects.toMatchObject({
      code: 'REFRESH_COOLDOWN',
    });
    expect(await callbackIps(manager)).not.toHaveLength(0);
    const counters = await sandbox.counters();
    expect(counters['/cgi-bin/token']).toBe(2);
    expect(counters['/cgi-bin/stable_token']).toBe(0);
  });

  it('renews a short-lived classic token in the background before it expires; callers see no error', async () => {
    // 3 s tokens renewed 1.5 s early: a loaded machine would need a 1.5 s stall to see one expire.
    await sandbox.configure({ expiresInSeconds: 3 });
    const manager = createManager('classic', {
      refreshMarginSeconds: 1.5,
      backgroundJitterMs: 100,
      backgroundMinDelayMs: 50,
    });
    const early: TokenEvent[] = [];
    let firstExpiry = Number.POSITIVE_INFINITY;
    manager.subscribe((event) => {
      if (event.type === 'updated' && event.reason === 'margin' && Date.now() < firstExpiry)
        early.push(event);
    });
    manager.start();
    firstExpiry = (await waitForToken(manager)).expiresAt;
    const failures: unknown[] = [];
    const states = new Set<string>();
    const until = Date.now() + 4_500;
    while (Date.now() < until) {
      await callbackIps(manager).catch((error: unknown) => failures.push(error));
      states.add((await manager.status(sandbox.app.appId)).state);
      await sleep(25);
    }
    expect(failures).toEqual([]);
    expect(early.length).toBeGreaterThanOrEqual(1);
    expect(states).not.toContain('EXPIRED');
    expect(states).not.toContain('MISSING');
    expect((await sandbox.counters())['/cgi-bin/token']).toBeGreaterThanOrEqual(3);
  });

  it('keeps a short-lived stable token usable across expiries with no caller-visible error', async () => {
    await sandbox.configure({ expiresInSeconds: 1.5 });
    const manager = createManager('stable', {
      refreshMarginSeconds: 0.5,
      backgroundJitterMs: 100,
      backgroundMinDelayMs: 50,
    });
    manager.start();
    await waitForToken(manager);
    const failures: unknown[] = [];
    const until = Date.now() + 3_500;
    while (Date.now() < until) {
      await callbackIps(manager).catch((error: unknown) => failures.push(error));
      await sleep(25);
    }
    expect(failures).toEqual([]);
    const tokenCalls = (await sandbox.counters())['/cgi-bin/stable_token'];
    // About one per token lifetime (3.5 s / 1.5 s), with a few re-asks at each expiry: never a loop.
    expect(tokenCalls).toBeGreaterThanOrEqual(2);
    expect(tokenCalls).toBeLessThan(15);
  });
});

async function waitForToken(manager: TokenManager) {
  for (;;) {
    const status = await manager.status(sandbox.app.appId);
    if (status.state === 'FRESH' && status.expiresAt) return { expiresAt: status.expiresAt.getTime() };
    await sleep(10);
  }
}
