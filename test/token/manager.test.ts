import { describe, expect, it } from 'vitest';
import type { AppConfig, TokenMode } from '../../src/config/index.js';
import { GatewayError, StoreUnavailableError, UnknownAppError } from '../../src/errors.js';
import { TokenManager } from '../../src/token/manager.js';
import { resolveTokenManagerOptions, type TokenManagerOptions } from '../../src/token/manager-options.js';
import { MemoryStore } from '../../src/token/memory-store.js';
import type { LockLease } from '../../src/token/store.js';
import type { TokenEvent } from '../../src/token/types.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { FakeClock } from './fake-clock.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';

const APP_ID = 'wx00000000000000aa';
const app = (tokenMode: TokenMode = 'stable'): AppConfig => ({
  appId: APP_ID,
  appSecret: '0123456789abcdef0123456789abcdef',
  name: 'Test app',
  tokenMode,
});

/** Fast settings: tiny backoffs so retries cost milliseconds; the lock outlives one fetch. */
const FAST = {
  busyBackoffBaseMs: 2,
  busyBackoffTotalMs: 50,
  lockLeaseMs: 2_000,
  lockWaitMs: 1_000,
} satisfies Partial<TokenManagerOptions>;

function setup(options: Partial<TokenManagerOptions> & { mode?: TokenMode } = {}) {
  const clock = new FakeClock();
  const store = options.store ?? new MemoryStore({ clock });
  const api = new FakeWeChat();
  const manager = new TokenManager({
    apps: [app(options.mode)],
    store,
    api,
    clock,
    random: () => 0.5,
    ...FAST,
    ...options,
  });
  const events: TokenEvent[] = [];
  manager.subscribe((event) => events.push(event));
  return { clock, store, api, manager, events };
}

describe('TokenManager: obtaining tokens', () => {
  it('makes one upstream call for many concurrent callers on a cold app, and all get its token', async () => {
    const { api, manager } = setup();
    api.delayMs = 20;
    const tokens = await Promise.all(Array.from({ length: 50 }, () => manager.getToken(APP_ID)));
    expect(api.tokenCalls).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['fake-token-1']));
  });

  it('gives every concurrent caller the same error when the one fetch fails', async () => {
    const { api, manager } = setup();
    api.delayMs = 20;
    api.script.push(wechatError(40164));
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => manager.getToken(APP_ID)));
    expect(api.tokenCalls).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason.code).toBe('WECHAT_IP_NOT_WHITELISTED');
    }
  });

  it('honours the lifetime WeChat returns instead of assuming 7200 s', async () => {
    const { api, manager, clock } = setup({ refreshMarginSeconds: 10 });
    api.script.push(api.issue(60));
    const token = await manager.getToken(APP_ID);
    expect(token.expiresAt - token.obtainedAt).toBe(60_000);
    clock.advance(60_000);
    expect((await manager.getToken(APP_ID)).accessToken).toBe('fake-token-2');
    expect(api.tokenCalls).toHaveLength(2);
  });

  it('serves an expiring token at once and renews it behind the request', async () => {
    const { api, manager, clock } = setup({ refreshMarginSeconds: 300 });
    const first = await manager.getToken(APP_ID);
    clock.advance(7_200_000 - 200_000);
    api.delayMs = 20;
    expect((await manager.getToken(APP_ID)).accessToken).toBe(first.accessToken);
    await expect.poll(() => api.tokenCalls.length).toBe(2);
    await expect.poll(async () => (await manager.getToken(APP_ID)).accessToken).toBe('fake-token-2');
  });

  it('does not keep asking when WeChat hands back the same token inside the margin', async () => {
    const { api, manager, clock } = setup({ refreshMarginSeconds: 300 });
    api.script.push({ accessToken: 'current', expiresInSeconds: 200 });
    await manager.getToken(APP_ID);
    clock.advance(10_000);
    for (let i = 0; i < 5; i++) expect((await manager.getToken(APP_ID)).accessToken).toBe('current');
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('uses stable_token without force_refresh for ordinary fetches', async () => {
    const { api, manager } = setup();
    await manager.getToken(APP_ID);
    expect(api.tokenCalls).toEqual([{ mode: 'stable', forceRefresh: false }]);
  });

  it('uses /cgi-bin/token in classic mode', async () => {
    const { api, manager } = setup({ mode: 'classic' });
    await manager.getToken(APP_ID);
    expect(api.tokenCalls[0]?.mode).toBe('classic');
  });
});

describe('TokenManager: across replicas (two managers, one store)', () => {
  it('lets only the lock holder fetch; the other waits for its update', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ clock });
    const one = setup({ store });
    const two = setup({ store });
    one.api.delayMs = 30;
    const [a, b] = await Promise.all([one.manager.getToken(APP_ID), two.manager.getToken(APP_ID)]);
    expect(one.api.tokenCalls.length + two.api.tokenCalls.length).toBe(1);
    expect(a.accessToken).toBe(b.accessToken);
  });

  it('gives up waiting after lockWaitMs when the holder never finishes', async () => {
    const { store, manager, api } = setup({ lockWaitMs: 100 });
    await store.acquireLock(APP_ID, 60_000);
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryable: true,
    });
    expect(api.tokenCalls).toHaveLength(0);
  });
});

class LocklessStore extends MemoryStore {
  override async acquireLock(): Promise<LockLease | undefined> {
    throw new StoreUnavailableError('Redis is down');
  }
}

describe('TokenManager: shared store down', () => {
  it('stable mode fetches without the distributed lock (still single-flight in process)', async () => {
    const { api, manager } = setup({ store: new LocklessStore() });
    api.delayMs = 10;
    await Promise.all(Array.from({ length: 10 }, () => manager.getToken(APP_ID)));
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('classic mode refuses with STORE_UNAVAILABLE and never calls /cgi-bin/token unlocked', async () => {
    const { api, manager } = setup({ store: new LocklessStore(), mode: 'classic' });
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
    });
    expect(api.tokenCalls).toHaveLength(0);
  });
});

describe('TokenManager: call() and the errcode rules', () => {
  it('renews a rejected token once, retries once, and succeeds', async () => {
    const { api, manager, events } = setup();
    const used: string[] = [];
    const result = await manager.call(APP_ID, '/cgi-bin/getcallbackip', async (token) => {
      used.push(token);
      if (used.length === 1) throw wechatError(40001, 'api', '/cgi-bin/getcallbackip');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(used).toEqual(['fake-token-1', 'fake-token-2']);
    expect(api.tokenCalls).toHaveLength(2);
    expect(events.map((e) => e.type)).toEqual(['updated', 'invalidated', 'updated']);
    expect(events.find((e) => e.type === 'updated' && e.reason === 'invalidated')).toBeDefined();
  });

  it('surfaces a second rejection instead of looping', async () => {
    const { api, manager } = setup();
    let calls = 0;
    const failing = manager.call(APP_ID, '/cgi-bin/getcallbackip', async () => {
      calls += 1;
      throw wechatError(42001, 'api', '/cgi-bin/getcallbackip');
    });
    await expect(failing).rejects.toMatchObject({ code: 'WECHAT_TOKEN_EXPIRED' });
    expect(calls).toBe(2);
    expect(api.tokenCalls).toHaveLength(2);
  });

  it('does not discard a token another request already replaced', async () => {
    const { manager, store } = setup();
    const old = await manager.getToken(APP_ID);
    await store.set(APP_ID, { ...old, accessToken: 'someone-elses-new-token' }, 'margin');
    expect(await manager.invalidateIfSame(APP_ID, old.accessToken)).toBe(false);
    expect((await manager.getToken(APP_ID)).accessToken).toBe('someone-elses-new-token');
  });

  it('retries busy answers with backoff and succeeds within the bound', async () => {
    const { api, manager } = setup();
    api.script.push(wechatError(-1), wechatError(-1));
    expect((await manager.getToken(APP_ID)).accessToken).toBe('fake-token-1');
    expect(api.tokenCalls).toHaveLength(3);
  });

  it('gives up on endless busy answers after busyRetries retries', async () => {
    const { api, manager } = setup({ busyRetries: 3 });
    api.always = () => wechatError(-1000);
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({ code: 'WECHAT_BUSY', retryable: true });
    expect(api.tokenCalls).toHaveLength(4);
  });

  it('retries busy answers of an API call the same bounded way', async () => {
    const { manager } = setup({ busyRetries: 2 });
    let calls = 0;
    const failing = manager.call(APP_ID, '/cgi-bin/getcallbackip', async () => {
      calls += 1;
      throw wechatError(-1, 'api', '/cgi-bin/getcallbackip');
    });
    await expect(failing).rejects.toMatchObject({ code: 'WECHAT_BUSY' });
    expect(calls).toBe(3);
  });

  it('opens a quota circuit on 45009: no further upstream call until midnight UTC+8', async () => {
    const { manager, clock } = setup();
    const endpoint = '/cgi-bin/getcallbackip';
    let calls = 0;
    const quotaSpent = async () => {
      calls += 1;
      throw wechatError(45009, 'api', endpoint);
    };
    const hoursToMidnightBeijing = 4; // the fake clock starts at 12:00 UTC = 20:00 UTC+8
    const first = await manager.call(APP_ID, endpoint, quotaSpent).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(WeChatError);
    expect((first as WeChatError).retryAfterSeconds).toBe(hoursToMidnightBeijing * 3600);
    clock.advance(3_600_000);
    const second = await manager.call(APP_ID, endpoint, quotaSpent).catch((e: unknown) => e);
    expect((second as WeChatError).code).toBe('WECHAT_QUOTA_EXCEEDED');
    expect((second as WeChatError).retryAfterSeconds).toBe(3 * 3600);
    expect(calls).toBe(1);
    expect((await manager.status(APP_ID)).circuitOpenUntil).toEqual(new Date(Date.UTC(2026, 10, 25, 16)));
    // Another endpoint of the same app is not affected.
    expect(await manager.call(APP_ID, '/cgi-bin/get_api_domain_ip', async () => 'ok')).toBe('ok');
    clock.advance(3 * 3_600_000);
    expect(await manager.call(APP_ID, endpoint, async () => 'ok again')).toBe('ok again');
  });

  it('opens a minute circuit on 45011 for the token endpoint, shared through the store', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 25, 12, 0, 40));
    const store = new MemoryStore({ clock });
    const one = setup({ store, clock });
    const two = setup({ store, clock });
    one.api.script.push(wechatError(45011));
    await expect(one.manager.getToken(APP_ID)).rejects.toMatchObject({ retryAfterSeconds: 20 });
    await expect(two.manager.getToken(APP_ID)).rejects.toMatchObject({
      code: 'WECHAT_RATE_LIMITED',
      retryAfterSeconds: 20,
    });
    expect(two.api.tokenCalls).toHaveLength(0);
    clock.advance(20_000);
    expect((await two.manager.getToken(APP_ID)).accessToken).toBe('fake-token-1');
  });

  it('negative-caches configuration errors for negativeCacheSeconds', async () => {
    const { api, manager, clock } = setup({ negativeCacheSeconds: 10 });
    api.script.push(wechatError(40125));
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({ code: 'WECHAT_INVALID_SECRET' });
    const again = await Promise.allSettled(Array.from({ length: 100 }, () => manager.getToken(APP_ID)));
    expect(again.every((r) => r.status === 'rejected')).toBe(true);
    expect(api.tokenCalls).toHaveLength(1);
    clock.advance(10_000);
    expect((await manager.getToken(APP_ID)).accessToken).toBe('fake-token-1');
    expect(api.tokenCalls).toHaveLength(2);
  });

  it('treats 40001 from the token endpoint as a configuration error, not a renewal', async () => {
    const { api, manager } = setup();
    api.script.push(wechatError(40001, 'token'));
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({
      code: 'WECHAT_INVALID_CREDENTIAL',
      retryable: false,
    });
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({ code: 'WECHAT_INVALID_CREDENTIAL' });
    expect(api.tokenCalls).toHaveLength(1);
  });
});

describe('TokenManager: refresh()', () => {
  it('returns the cached token while fresh when not forced', async () => {
    const { api, manager } = setup();
    const token = await manager.getToken(APP_ID);
    expect(await manager.refresh(APP_ID, { force: false })).toEqual(token);
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('forces stable_token force_refresh once per cooldown, then refuses with retryAfterSeconds', async () => {
    const { api, manager, clock } = setup({ forceRefreshCooldownSeconds: 60 });
    await manager.getToken(APP_ID);
    const forced = await manager.refresh(APP_ID, { force: true });
    expect(forced.accessToken).toBe('fake-token-2');
    expect(api.tokenCalls.at(-1)).toEqual({ mode: 'stable', forceRefresh: true });
    clock.advance(20_000);
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'REFRESH_COOLDOWN',
      retryAfterSeconds: 40,
      retryable: true,
    });
    expect(api.tokenCalls).toHaveLength(2);
    clock.advance(40_000);
    expect((await manager.refresh(APP_ID, { force: true })).accessToken).toBe('fake-token-3');
  });
});

describe('TokenManager: the force_refresh quota is its own', () => {
  it('a spent force_refresh quota (45009) blocks forced refreshes only, never ordinary stable_token fetches', async () => {
    const { api, manager, clock } = setup({ forceRefreshCooldownSeconds: 1 });
    const first = await manager.getToken(APP_ID);
    api.script.push(wechatError(45009));
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'WECHAT_QUOTA_EXCEEDED',
      retryAfterSeconds: 4 * 3600,
    });
    clock.advance(2_000);
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'WECHAT_QUOTA_EXCEEDED',
    });
    expect(api.tokenCalls).toHaveLength(2);
    expect((await manager.status(APP_ID)).circuitOpenUntil).toBeUndefined();

    // WeChat rejects the token: the ordinary (normal mode) fetch still happens.
    await manager.invalidateIfSame(APP_ID, first.accessToken);
    expect((await manager.getToken(APP_ID)).accessToken).toBe('fake-token-2');
    expect(api.tokenCalls.at(-1)).toEqual({ mode: 'stable', forceRefresh: false });
  });

  it('a 45011 on force_refresh (30 s apart) does not stop ordinary fetches for the minute', async () => {
    const { api, manager } = setup({ forceRefreshCooldownSeconds: 0 });
    api.script.push(wechatError(45011));
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'WECHAT_RATE_LIMITED',
    });
    expect((await manager.getToken(APP_ID)).accessToken).toBe('fake-token-1');
  });

  it('in classic mode a forced refresh spends the one /cgi-bin/token quota, so its 45009 stops every fetch', async () => {
    const { api, manager } = setup({ mode: 'classic', forceRefreshCooldownSeconds: 0 });
    api.script.push(wechatError(45009));
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'WECHAT_QUOTA_EXCEEDED',
    });
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({ code: 'WECHAT_QUOTA_EXCEEDED' });
    expect(api.tokenCalls).toHaveLength(1);
  });
});

describe('TokenManager: status, apps, events', () => {
  it('reports state without calling WeChat', async () => {
    const { api, manager, clock } = setup({ refreshMarginSeconds: 300 });
    expect(await manager.status(APP_ID)).toEqual({
      appId: APP_ID,
      name: 'Test app',
      state: 'MISSING',
      degraded: false,
    });
    await manager.getToken(APP_ID);
    clock.advance(7_200_000 - 299_500);
    const status = await manager.status(APP_ID);
    expect(status).toMatchObject({ state: 'EXPIRING', expiresInSeconds: 299, accessToken: 'fake-token-1' });
    expect(status.expiresAt?.getTime()).toBe((status.obtainedAt?.getTime() ?? 0) + 7_200_000);
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('remembers the last failure until a fetch succeeds', async () => {
    const { api, manager, clock } = setup({ negativeCacheSeconds: 1 });
    api.script.push(wechatError(40013));
    await manager.getToken(APP_ID).catch(() => undefined);
    expect((await manager.status(APP_ID)).lastError).toMatchObject({ code: 'WECHAT_INVALID_APPID' });
    clock.advance(1_000);
    await manager.getToken(APP_ID);
    expect((await manager.status(APP_ID)).lastError).toBeUndefined();
  });

  it('rejects an unknown appId everywhere', async () => {
    const { manager } = setup();
    const other = 'wx00000000000000ff';
    for (const attempt of [
      () => manager.getToken(other),
      () => manager.status(other),
      () => manager.refresh(other, { force: false }),
      () => manager.refresh(other, { force: true }),
      () => manager.invalidateIfSame(other, 'x'),
      () => manager.call(other, '/cgi-bin/getcallbackip', async () => 1),
    ]) {
      await expect(attempt()).rejects.toBeInstanceOf(UnknownAppError);
    }
    expect(manager.hasApp(other)).toBe(false);
    expect(manager.listApps()).toEqual([{ appId: APP_ID, name: 'Test app', tokenMode: 'stable' }]);
  });

  it('emits error events without secrets or token values', async () => {
    const { api, manager, events } = setup();
    await manager.getToken(APP_ID);
    api.script.push(wechatError(40125));
    await manager.refresh(APP_ID, { force: true }).catch(() => undefined);
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      appId: APP_ID,
      code: 'WECHAT_INVALID_SECRET',
      background: false,
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain('fake-token-1');
    expect(text).not.toContain(app().appSecret);
  });
});

describe('TokenManager options', () => {
  it('rejects a lease too short to renew, saying what to set', () => {
    expect(() => setup({ lockLeaseMs: 50 })).toThrow(
      /lockLeaseMs must be a whole number of milliseconds ≥ 100 \(got 50\)/,
    );
  });

  it('accepts its own defaults', () => {
    const manager = new TokenManager({ apps: [app()], store: new MemoryStore(), api: new FakeWeChat() });
    expect(manager.hasApp(APP_ID)).toBe(true);
  });

  it('leases the lock for a few seconds by default, whatever the upstream timeout', () => {
    const base = { apps: [app()], store: new MemoryStore(), api: new FakeWeChat() };
    expect(resolveTokenManagerOptions(base).lockLeaseMs).toBe(3_000);
  });

  it('rejects negative and non-finite values', () => {
    expect(() => setup({ refreshMarginSeconds: -1 })).toThrow(/refreshMarginSeconds must be a finite number/);
    expect(() => setup({ busyRetries: 1.5 })).toThrow(/busyRetries must be a whole number/);
  });

  it('is a GatewayError-free programming error (RangeError) at construction', () => {
    expect(() => setup({ lockWaitMs: Number.NaN })).toThrow(RangeError);
    expect(() => setup({ lockWaitMs: Number.NaN })).not.toThrow(GatewayError);
  });
});

describe('TokenManager: stopping', () => {
  it('stops relaying store events once stopped, so a replaced manager is not kept alive by the store', async () => {
    const { clock, store, manager, events } = setup();
    const token = {
      accessToken: 'shared-token-1',
      obtainedAt: clock.now(),
      expiresAt: clock.now() + 7_200_000,
    };
    await store.set(APP_ID, token, 'cold');
    expect(events.map((e) => e.type)).toEqual(['updated']);
    await manager.stop();
    await store.set(APP_ID, { ...token, accessToken: 'shared-token-2' }, 'forced');
    expect(events.map((e) => e.type)).toEqual(['updated']);
  });
});
