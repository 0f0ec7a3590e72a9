import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TokenMode } from '../../src/config/index.js';
import type { TokenManagerOptions } from '../../src/credentials/options.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { FakeClock, trackCalls } from './fake-clock.js';

/**
 * The token manager against the real sandbox over HTTP, through the real WeChat client. Time is
 * virtual: the sandbox, the client and the managers share one `FakeClock`, whose timers fire only as
 * the test moves time on, and never while a call to the sandbox is on the wire; sockets (and the
 * client's per-request timeout) stay real. Token lifetimes pass in no time at all.
 */

const CALLBACK_IP = '/cgi-bin/getcallbackip';

const clock = new FakeClock();
let sandbox: TestSandbox;
let client: WeChatClient;
/** The client, with its calls tracked: `clock.advance` waits for the ones in flight between timers. */
let api: WeChatClient;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  sandbox = await startSandbox({ clock });
  // A real per-request timeout on a real socket: generous, as this machine may be busy; no test here
  // is about timeouts.
  client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 10_000, clock });
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
    stores: new MemoryStores({ clock }),
    api,
    clock,
    random: () => 0.5,
    lockLeaseMs: 10_000,
    busyBackoffBaseMs: 5,
    busyBackoffTotalMs: 100,
    ...rest,
  });
  stops.push(() => manager.stop());
  return manager;
}

const callbackIps = (manager: TokenManager) =>
  manager.call(sandbox.app.appId, CALLBACK_IP, (token) => api.getCallbackIp(token));

describe('TokenManager against the sandbox', () => {
  it('makes exactly one token call for 500 concurrent getToken on a cold app', async () => {
    const manager = createManager('stable');
    const tokens = await Promise.all(Array.from({ length: 500 }, () => manager.getToken(sandbox.app.appId)));
    expect(new Set(tokens.map((t) => t.value)).size).toBe(1);
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
    expect((await manager.getToken(sandbox.app.appId)).value).not.toBe(before.value);
  });

  it('bounds renewals when WeChat rejects every token: one renewal per rejection window, however many requests', async () => {
    const manager = createManager('classic', { rejectedRenewalWindowSeconds: 30 });
    await sandbox.setFault({ kind: 'errcode', errcode: 40001, endpoint: CALLBACK_IP });
    const outcomes = await Promise.allSettled(Array.from({ length: 60 }, () => callbackIps(manager)));
    const codes = outcomes.map((outcome) =>
      outcome.status === 'rejected' ? (outcome.reason as { code?: string }).code : 'ok',
    );
    expect(
      codes.every((code) => code === 'WECHAT_INVALID_CREDENTIAL' || code === 'WECHAT_TOKEN_REJECTED'),
    ).toBe(true);
    for (let i = 0; i < 20; i++) await callbackIps(manager).catch(() => {}); // and one after another
    // The cold token, and its one renewal when WeChat rejected it.
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(2);
    await clock.advance(10_000);
    const refused = await callbackIps(manager).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'WECHAT_TOKEN_REJECTED', retryable: true, retryAfterSeconds: 20 });
    const status = await manager.status(sandbox.app.appId);
    expect(status.renewalOnRejectionBlockedUntil?.getTime()).toBe(clock.now() + 20_000);
    // Once the window has passed, the next rejection renews once more, and only once.
    await clock.advance(20_000);
    await Promise.allSettled(Array.from({ length: 20 }, () => callbackIps(manager)));
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(3);
  });

  it('gets through two busy answers', async () => {
    const manager = createManager('stable');
    await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/stable_token', times: 2 });
    const token = manager.getToken(sandbox.app.appId);
    await clock.advance(100); // the busy backoffs (at most 100 ms in all)
    expect((await token).value).toEqual(expect.any(String));
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(3);
  });

  it('gives up on endless busy answers with WECHAT_BUSY after a bounded number of calls', async () => {
    const manager = createManager('stable', { busyRetries: 3 });
    await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/stable_token' });
    const token = manager.getToken(sandbox.app.appId);
    const outcome = expect(token).rejects.toMatchObject({ code: 'WECHAT_BUSY', retryable: true });
    await clock.advance(100);
    await outcome;
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
    expect(forced.value).not.toBe(first.value);
    await expect(manager.refresh(sandbox.app.appId, { force: true })).rejects.toMatchObject({
      code: 'REFRESH_COOLDOWN',
    });
    expect(await callbackIps(manager)).not.toHaveLength(0);
    const counters = await sandbox.counters();
    expect(counters['/cgi-bin/token']).toBe(2);
    expect(counters['/cgi-bin/stable_token']).toBe(0);
  });

  it('renews a short-lived classic token in the background before it expires; callers see no error', async () => {
    // 3 s tokens renewed 1.5 s + half the 100 ms jitter early: at 0, 1.45 s, 2.9 s and 4.35 s.
    await sandbox.configure({ expiresInSeconds: 3 });
    const manager = createManager('classic', {
      refreshMarginSeconds: 1.5,
      backgroundJitterMs: 100,
      backgroundMinDelayMs: 50,
    });
    const started = clock.now();
    const renewedAt: number[] = [];
    manager.subscribe((event) => {
      if (event.type === 'updated') renewedAt.push(clock.now() - started);
    });
    manager.start();
    await clock.advance(0);
    const failures: unknown[] = [];
    const states = new Set<string>();
    for (let t = 0; t < 4_500; t += 100) {
      await callbackIps(manager).catch((error: unknown) => failures.push(error));
      states.add((await manager.status(sandbox.app.appId)).state);
      await clock.advance(100);
    }
    expect(failures).toEqual([]);
    expect(renewedAt).toEqual([0, 1_450, 2_900, 4_350]);
    expect(states).not.toContain('EXPIRED');
    expect(states).not.toContain('MISSING');
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(renewedAt.length);
  });

  it('keeps a short-lived stable token usable across expiries with no caller-visible error', async () => {
    // 1.5 s tokens (WeChat says `expires_in: 2`, whole seconds): renewed inside their last half.
    await sandbox.configure({ expiresInSeconds: 1.5 });
    const manager = createManager('stable', {
      refreshMarginSeconds: 0.5,
      backgroundJitterMs: 100,
      backgroundMinDelayMs: 50,
    });
    const tokens: string[] = [];
    manager.subscribe((event) => {
      if (event.type === 'updated') tokens.push(event.fingerprint);
    });
    manager.start();
    await clock.advance(0);
    const failures: unknown[] = [];
    for (let t = 0; t < 3_500; t += 100) {
      await callbackIps(manager).catch((error: unknown) => failures.push(error));
      await clock.advance(100);
    }
    expect(failures).toEqual([]);
    expect(tokens.length).toBeGreaterThanOrEqual(3); // one per lifetime, before it ends
    expect(new Set(tokens).size).toBe(tokens.length);
    // One stable_token call per new token: none handed back, none repeated at an expiry.
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(tokens.length);
  });

  it('renews 2-hour tokens ahead of expiry over ten virtual hours, one call per token', async () => {
    const manager = createManager('classic', { refreshMarginSeconds: 300 });
    const renewedAt: number[] = [];
    const started = clock.now();
    manager.subscribe((event) => {
      if (event.type === 'updated') renewedAt.push(clock.now() - started);
    });
    manager.start();
    await clock.advance(0);
    const failures: unknown[] = [];
    for (let minutes = 0; minutes < 600; minutes += 10) {
      await callbackIps(manager).catch((error: unknown) => failures.push(error));
      await clock.advance(600_000);
    }
    expect(failures).toEqual([]);
    // 7200 s tokens renewed 300 s + half the 30 s jitter before expiry: every 6885 s.
    expect(renewedAt).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * 6_885_000));
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(renewedAt.length);
  });
});
