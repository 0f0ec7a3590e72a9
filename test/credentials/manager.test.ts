import { describe, expect, it } from 'vitest';
import type { AppConfig, TokenMode } from '../../src/config/index.js';
import { resolveTokenManagerOptions, type TokenManagerOptions } from '../../src/credentials/options.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import type { TokenEvent } from '../../src/credentials/types.js';
import { GatewayError, StoreUnavailableError, UnknownAppError } from '../../src/errors.js';
import { REDACTED, Redactor, tokenFingerprint } from '../../src/redact.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { CredentialKey } from '../../src/store/ports.js';
import { WeChatError } from '../../src/wechat/errors.js';
import { FakeClock, isSettled } from './fake-clock.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';

const APP_ID = 'wx00000000000000aa';
const TOKEN: CredentialKey = { appId: APP_ID, kind: 'token' };
const app = (tokenMode: TokenMode = 'stable'): AppConfig => ({
  appId: APP_ID,
  appSecret: '0123456789abcdef0123456789abcdef',
  name: 'Test app',
  tokenMode,
});

/**
 * Small backoffs and lease so a test reads in milliseconds; time is a `FakeClock` shared by the
 * manager, its stores and the fake WeChat, moved on only by `clock.advance` (timers fire in order).
 */
const FAST = {
  busyBackoffBaseMs: 2,
  busyBackoffTotalMs: 50,
  lockLeaseMs: 2_000,
  lockWaitMs: 1_000,
} satisfies Partial<TokenManagerOptions>;

function setup(options: Partial<TokenManagerOptions> & { mode?: TokenMode; clock?: FakeClock } = {}) {
  const { mode, ...rest } = options;
  const clock = options.clock ?? new FakeClock();
  const stores = options.stores ?? new MemoryStores({ clock });
  const api = new FakeWeChat(clock);
  const manager = new TokenManager({
    apps: [app(mode)],
    api,
    random: () => 0.5,
    ...FAST,
    ...rest,
    stores,
    clock,
  });
  const events: TokenEvent[] = [];
  manager.subscribe((event) => events.push(event));
  return { clock, stores, api, manager, events };
}

/** The stores with their lease port refusing every acquire, as a Redis that cannot be reached. */
function storesWithoutLeases(clock: FakeClock): MemoryStores {
  const stores = new MemoryStores({ clock });
  Object.assign(stores.leases, {
    acquire: async () => {
      throw new StoreUnavailableError('Redis is down');
    },
  });
  return stores;
}

describe('TokenManager: obtaining tokens', () => {
  it('makes one upstream call for many concurrent callers on a cold app, and all get its token', async () => {
    const { api, manager, clock } = setup();
    api.delayMs = 20;
    const callers = Promise.all(Array.from({ length: 50 }, () => manager.getToken(APP_ID)));
    await clock.advance(19);
    expect(api.tokenCalls).toHaveLength(1); // one call in flight, every caller waiting on it
    expect(await isSettled(callers)).toBe(false);
    await clock.advance(1);
    const tokens = await callers;
    expect(api.tokenCalls).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.value))).toEqual(new Set(['fake-token-1']));
  });

  it('gives every concurrent caller the same error when the one fetch fails', async () => {
    const { api, manager, clock } = setup();
    api.delayMs = 20;
    api.script.push(wechatError(40164));
    const callers = Promise.allSettled(Array.from({ length: 20 }, () => manager.getToken(APP_ID)));
    await clock.advance(20);
    const results = await callers;
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
    await clock.advance(60_000);
    expect((await manager.getToken(APP_ID)).value).toBe('fake-token-2');
    expect(api.calledAt).toEqual([clock.now() - 60_000, clock.now()]);
  });

  it('serves an expiring token at once and renews it behind the request', async () => {
    const { api, manager, clock } = setup({ refreshMarginSeconds: 300 });
    const first = await manager.getToken(APP_ID);
    await clock.advance(7_200_000 - 200_000);
    api.delayMs = 20;
    const served = manager.getToken(APP_ID);
    expect((await served).value).toBe(first.value); // answered before WeChat answered
    await clock.advance(0);
    expect(api.tokenCalls).toHaveLength(2); // the renewal has started behind it
    expect((await manager.getToken(APP_ID)).value).toBe(first.value); // joined, not asked again
    await clock.advance(20);
    expect((await manager.getToken(APP_ID)).value).toBe('fake-token-2');
    expect(api.tokenCalls).toHaveLength(2);
  });

  it.each(['stable', 'classic'] as const)(
    'does not keep asking when WeChat hands back a %s token inside the margin',
    async (mode) => {
      const { api, manager, clock } = setup({ mode, refreshMarginSeconds: 300 });
      api.script.push({ accessToken: 'current', expiresInSeconds: 200 });
      await manager.getToken(APP_ID);
      for (let i = 0; i < 5; i++) {
        await clock.advance(10_000);
        expect((await manager.getToken(APP_ID)).value).toBe('current');
      }
      expect(api.tokenCalls).toHaveLength(1);
    },
  );

  it('renews a stable token behind callers only once its early window has surely opened, whatever the margin', async () => {
    // A margin twice the window: the token is EXPIRING from 600 s before its end, but WeChat would
    // hand it back until 300 s before, so asking earlier costs a call for nothing.
    const { api, manager, clock } = setup({ refreshMarginSeconds: 600, stableEarlyWindowSeconds: 300 });
    api.stableEarlyWindowSeconds = 300;
    const first = await manager.getToken(APP_ID);
    await clock.advance(7_200_000 - 600_000);
    expect((await manager.status(APP_ID)).state).toBe('EXPIRING');
    for (let left = 600; left > 299; left -= 50) {
      expect((await manager.getToken(APP_ID)).value).toBe(first.value);
      await clock.advance(50_000);
    }
    // 299 s left (past the 1 s grace after the window opened): now it is renewed, once.
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).value).toBe(first.value);
    await clock.advance(0);
    expect(api.tokenCalls).toHaveLength(2);
    expect((await manager.getToken(APP_ID)).value).toBe('fake-token-2');
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

  it('obtains a JS-SDK ticket on the same engine, with the app’s token, once for concurrent callers', async () => {
    const { api, manager } = setup();
    const tickets = await Promise.all(Array.from({ length: 10 }, () => manager.tickets.get(APP_ID, 'jsapi')));
    expect(new Set(tickets.map((t) => t.value))).toEqual(new Set(['fake-jsapi-ticket-1']));
    expect(api.tokenCalls).toHaveLength(1);
    expect(api.ticketCalls).toEqual([{ accessToken: 'fake-token-1', type: 'jsapi' }]);
    expect((await manager.tickets.get(APP_ID, 'jsapi')).value).toBe('fake-jsapi-ticket-1');
    expect(api.ticketCalls).toHaveLength(1);
  });
});

describe('TokenManager: statuses of many apps', () => {
  it('reads them in one store read and answers each as status() would, in the order asked', async () => {
    const second: AppConfig = { ...app('classic'), appId: 'wx00000000000000bb', name: 'Second app' };
    const clock = new FakeClock();
    const stores = new MemoryStores({ clock });
    const { manager } = setup({ clock, stores, apps: [app(), second] });
    await manager.getToken(APP_ID);
    let batches = 0;
    let singles = 0;
    const { get, getMany } = stores.credentials;
    Object.assign(stores.credentials, {
      get: (key: CredentialKey) => {
        singles++;
        return get.call(stores.credentials, key);
      },
      getMany: (keys: readonly CredentialKey[]) => {
        batches++;
        return getMany.call(stores.credentials, keys);
      },
    });

    const statuses = await manager.statuses([second.appId, APP_ID]);

    expect([batches, singles]).toEqual([1, 0]);
    expect(statuses.map((status) => [status.appId, status.state])).toEqual([
      [second.appId, 'MISSING'],
      [APP_ID, 'FRESH'],
    ]);
    expect(statuses).toEqual([await manager.status(second.appId), await manager.status(APP_ID)]);
    await expect(manager.statuses([APP_ID, 'wx00000000000000cc'])).rejects.toBeInstanceOf(UnknownAppError);
  });
});

describe('TokenManager: the default app', () => {
  it('is the only app, else the configured default while it is configured, else none', () => {
    const second: AppConfig = { ...app(), appId: 'wx00000000000000bb', name: 'Second app' };
    expect(setup().manager.defaultAppId()).toBe(APP_ID);
    expect(setup({ apps: [app(), second] }).manager.defaultAppId()).toBeUndefined();
    expect(setup({ apps: [app(), second], defaultAppId: second.appId }).manager.defaultAppId()).toBe(
      second.appId,
    );
    expect(
      setup({ apps: [app(), second], defaultAppId: 'wx00000000000000cc' }).manager.defaultAppId(),
    ).toBeUndefined();
  });
});

describe('TokenManager: across replicas (two managers, one store)', () => {
  it('lets only the lease holder fetch; the other waits for its update', async () => {
    const clock = new FakeClock();
    const stores = new MemoryStores({ clock });
    const one = setup({ stores, clock });
    const two = setup({ stores, clock });
    one.api.delayMs = 30;
    const both = Promise.all([one.manager.getToken(APP_ID), two.manager.getToken(APP_ID)]);
    await clock.advance(29);
    expect(await isSettled(both)).toBe(false);
    await clock.advance(1);
    const [a, b] = await both;
    expect(one.api.tokenCalls).toHaveLength(1);
    expect(two.api.tokenCalls).toHaveLength(0);
    expect(a.value).toBe(b.value);
  });

  it('gives up waiting after lockWaitMs when the holder never finishes', async () => {
    const { stores, manager, api, clock } = setup({ lockWaitMs: 100 });
    await stores.leases.acquire(TOKEN, 60_000);
    const waiting = manager.getToken(APP_ID);
    const outcome = expect(waiting).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    await clock.advance(99);
    expect(await isSettled(waiting)).toBe(false);
    await clock.advance(1);
    await outcome;
    expect(api.tokenCalls).toHaveLength(0);
  });

  it('takes over from a holder that stopped renewing its lease mid-fetch, and fences its late write', async () => {
    const clock = new FakeClock();
    const stores = new MemoryStores({ clock });
    const paused = setup({ stores, clock, lockLeaseMs: 3_000, lockWaitMs: 10_000 });
    const alive = setup({ stores, clock, lockLeaseMs: 3_000, lockWaitMs: 10_000 });
    // The first holder pauses (a GC pause, a frozen VM) once its call is under way: its lease renewals
    // stop reaching the store, while WeChat takes a minute to answer it.
    const { leases } = stores;
    const acquire = leases.acquire.bind(leases);
    const renew = leases.renew.bind(leases);
    let firstOwner: string | undefined;
    let pausedOwner: string | undefined;
    Object.assign(leases, {
      acquire: async (key: CredentialKey, ttlMs: number) => {
        const lease = await acquire(key, ttlMs);
        firstOwner ??= lease?.owner;
        return lease;
      },
      renew: async (key: CredentialKey, owner: string, ttlMs: number) =>
        owner === pausedOwner ? false : renew(key, owner, ttlMs),
    });
    paused.api.delayMs = 60_000;
    paused.api.script.push({ accessToken: 'paused-holders-token', expiresInSeconds: 7200 });
    const late = paused.manager.getToken(APP_ID);
    await clock.advance(0);
    expect(paused.api.tokenCalls).toHaveLength(1);
    pausedOwner = firstOwner;
    const waiter = alive.manager.getToken(APP_ID);
    await clock.advance(2_999);
    expect(alive.api.tokenCalls).toHaveLength(0); // the lease is still the paused holder's
    await clock.advance(1_000); // it lapsed at 3 s; the waiter polls at least every 500 ms
    expect(alive.api.tokenCalls).toHaveLength(1);
    const taken = await waiter;
    expect(taken.value).toBe('fake-token-1');
    await clock.advance(60_000);
    // The paused holder's answer comes back: its fence is older, so the store keeps the newer token,
    // and the paused holder's callers get that one too.
    expect((await late).value).toBe(taken.value);
    expect((await stores.credentials.get(TOKEN))?.value).toBe(taken.value);
  });
});

describe('TokenManager: the lease before each upstream call', () => {
  /** The lease port with each renewal recorded (at clock time) and answered by `answer`. */
  function recordRenewals(stores: MemoryStores, clock: FakeClock, answer: (at: number) => Promise<boolean>) {
    const asked: number[] = [];
    Object.assign(stores.leases, {
      renew: () => {
        asked.push(clock.now());
        return answer(asked.length);
      },
    });
    return asked;
  }

  it('calls WeChat without asking the store again within a third of the lease it was just given', async () => {
    const clock = new FakeClock();
    const stores = new MemoryStores({ clock });
    const { api, manager } = setup({ stores, clock, lockLeaseMs: 3_000 });
    const asked = recordRenewals(stores, clock, async () => true);
    api.script.push(wechatError(-1), wechatError(-1));
    const token = manager.getToken(APP_ID);
    await clock.advance(3);
    expect((await token).value).toBe('fake-token-1');
    expect(api.tokenCalls).toHaveLength(3);
    expect(asked).toEqual([]);
  });

  it('asks the store before a call past a third of the lease, and does not call once it lost it', async () => {
    const clock = new FakeClock();
    const stores = new MemoryStores({ clock });
    // Busy backoff at 0.5 of 2.4 s: the retry comes 1.2 s after the lease was taken.
    const { api, manager } = setup({
      stores,
      clock,
      lockLeaseMs: 3_000,
      busyBackoffBaseMs: 2_400,
      busyBackoffTotalMs: 10_000,
    });
    const start = clock.now();
    // The renewal due at a third of the lease gets no answer (a slow store); the next says it is lost.
    const asked = recordRenewals(stores, clock, (nth) =>
      nth === 1 ? new Promise(() => {}) : Promise.resolve(false),
    );
    api.script.push(wechatError(-1));
    const token = manager.getToken(APP_ID);
    const outcome = expect(token).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    await clock.advance(1_200);
    await outcome;
    expect(api.tokenCalls).toHaveLength(1);
    expect(asked.map((at) => at - start)).toEqual([1_000, 1_200]);
  });
});

describe('TokenManager: shared store down', () => {
  it('stable mode fetches without the distributed lease (still single-flight in process)', async () => {
    const clock = new FakeClock();
    const { api, manager } = setup({ stores: storesWithoutLeases(clock), clock });
    api.delayMs = 10;
    const callers = Promise.all(Array.from({ length: 10 }, () => manager.getToken(APP_ID)));
    await clock.advance(10);
    await callers;
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('classic mode refuses with STORE_UNAVAILABLE and never calls /cgi-bin/token without the lease', async () => {
    const clock = new FakeClock();
    const { api, manager } = setup({ stores: storesWithoutLeases(clock), clock, mode: 'classic' });
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
    expect(events.map((e) => [e.type, 'kind' in e ? e.kind : undefined])).toEqual([
      ['updated', 'token'],
      ['invalidated', 'token'],
      ['updated', 'token'],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'updated', reason: 'invalidated' });
    // Events name tokens by fingerprint, never by value.
    expect(events[1]).toMatchObject({ fingerprint: tokenFingerprint('fake-token-1') });
    expect(JSON.stringify(events)).not.toContain('fake-token-');
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
    const { manager, stores } = setup();
    const old = await manager.getToken(APP_ID);
    await stores.credentials.set(TOKEN, { ...old, value: 'someone-elses-new-token' }, 'margin');
    expect(await manager.invalidateIfSame(APP_ID, old.value)).toBe(false);
    expect((await manager.getToken(APP_ID)).value).toBe('someone-elses-new-token');
  });

  it('retries busy answers with backoff and succeeds within the bound', async () => {
    const { api, manager, clock } = setup();
    const start = clock.now();
    api.script.push(wechatError(-1), wechatError(-1));
    const token = manager.getToken(APP_ID);
    await clock.advance(2);
    expect(api.tokenCalls).toHaveLength(2);
    await clock.advance(1);
    expect((await token).value).toBe('fake-token-1');
    // Full jitter at 0.5: half of the 2 ms, then of the 4 ms ceiling.
    expect(api.calledAt.map((t) => t - start)).toEqual([0, 1, 3]);
  });

  it('gives up on endless busy answers after busyRetries retries', async () => {
    const { api, manager, clock } = setup({ busyRetries: 3 });
    const start = clock.now();
    api.always = () => wechatError(-1000);
    const token = manager.getToken(APP_ID);
    const outcome = expect(token).rejects.toMatchObject({ code: 'WECHAT_BUSY', retryable: true });
    await clock.advance(6);
    expect(await isSettled(token)).toBe(false);
    await clock.advance(1);
    await outcome;
    expect(api.calledAt.map((t) => t - start)).toEqual([0, 1, 3, 7]);
  });

  it('retries busy answers of an API call the same bounded way', async () => {
    const { manager, clock } = setup({ busyRetries: 2 });
    await manager.getToken(APP_ID);
    const start = clock.now();
    const calledAt: number[] = [];
    const failing = manager.call(APP_ID, '/cgi-bin/getcallbackip', async () => {
      calledAt.push(clock.now() - start);
      throw wechatError(-1, 'api', '/cgi-bin/getcallbackip');
    });
    const outcome = expect(failing).rejects.toMatchObject({ code: 'WECHAT_BUSY' });
    await clock.advance(3);
    await outcome;
    expect(calledAt).toEqual([0, 1, 3]);
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
    await clock.advance(3_600_000);
    const second = await manager.call(APP_ID, endpoint, quotaSpent).catch((e: unknown) => e);
    expect((second as WeChatError).code).toBe('WECHAT_QUOTA_EXCEEDED');
    expect((second as WeChatError).retryAfterSeconds).toBe(3 * 3600);
    expect(calls).toBe(1);
    expect((await manager.status(APP_ID)).circuitOpenUntil).toEqual(new Date(Date.UTC(2026, 10, 25, 16)));
    // Another endpoint of the same app is not affected.
    expect(await manager.call(APP_ID, '/cgi-bin/get_api_domain_ip', async () => 'ok')).toBe('ok');
    await clock.advance(3 * 3_600_000);
    expect(await manager.call(APP_ID, endpoint, async () => 'ok again')).toBe('ok again');
  });

  it('names midnight UTC+8 to the millisecond although every clock read moves time on', async () => {
    // The store's time left and the manager's `now` are read at different instants (so is a real clock).
    class TickingClock extends FakeClock {
      #reads = 0;
      override now(): number {
        this.#reads += 1;
        return super.now() + this.#reads;
      }
    }
    const { manager } = setup({ clock: new TickingClock() });
    const endpoint = '/cgi-bin/getcallbackip';
    await manager
      .call(APP_ID, endpoint, async () => {
        throw wechatError(45009, 'api', endpoint);
      })
      .catch(() => undefined);
    const midnightBeijing = new Date(Date.UTC(2026, 10, 25, 16));
    expect((await manager.status(APP_ID)).circuitOpenUntil).toEqual(midnightBeijing);
    expect((await manager.inspect(APP_ID)).circuits).toEqual([
      { endpoint, errcode: 45009, openUntil: midnightBeijing },
    ]);
  });

  it('opens a minute circuit on 45011 for the token endpoint, shared through the store', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 25, 12, 0, 40));
    const stores = new MemoryStores({ clock });
    const one = setup({ stores, clock });
    const two = setup({ stores, clock });
    one.api.script.push(wechatError(45011));
    await expect(one.manager.getToken(APP_ID)).rejects.toMatchObject({ retryAfterSeconds: 20 });
    await expect(two.manager.getToken(APP_ID)).rejects.toMatchObject({
      code: 'WECHAT_RATE_LIMITED',
      retryAfterSeconds: 20,
    });
    expect(two.api.tokenCalls).toHaveLength(0);
    await clock.advance(20_000);
    expect((await two.manager.getToken(APP_ID)).value).toBe('fake-token-1');
  });

  it('negative-caches configuration errors for negativeCacheSeconds', async () => {
    const { api, manager, clock } = setup({ negativeCacheSeconds: 10 });
    api.script.push(wechatError(40125));
    await expect(manager.getToken(APP_ID)).rejects.toMatchObject({ code: 'WECHAT_INVALID_SECRET' });
    const again = await Promise.allSettled(Array.from({ length: 100 }, () => manager.getToken(APP_ID)));
    expect(again.every((r) => r.status === 'rejected')).toBe(true);
    expect(api.tokenCalls).toHaveLength(1);
    await clock.advance(10_000);
    expect((await manager.getToken(APP_ID)).value).toBe('fake-token-1');
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
    expect(forced.value).toBe('fake-token-2');
    expect(api.tokenCalls.at(-1)).toEqual({ mode: 'stable', forceRefresh: true });
    await clock.advance(20_000);
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'REFRESH_COOLDOWN',
      retryAfterSeconds: 40,
      retryable: true,
    });
    expect(api.tokenCalls).toHaveLength(2);
    await clock.advance(40_000);
    expect((await manager.refresh(APP_ID, { force: true })).value).toBe('fake-token-3');
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
    await clock.advance(2_000);
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'WECHAT_QUOTA_EXCEEDED',
    });
    expect(api.tokenCalls).toHaveLength(2);
    expect((await manager.status(APP_ID)).circuitOpenUntil).toBeUndefined();

    // WeChat rejects the token: the ordinary (normal mode) fetch still happens.
    await manager.invalidateIfSame(APP_ID, first.value);
    expect((await manager.getToken(APP_ID)).value).toBe('fake-token-2');
    expect(api.tokenCalls.at(-1)).toEqual({ mode: 'stable', forceRefresh: false });
  });

  it('a 45011 on force_refresh (30 s apart) does not stop ordinary fetches for the minute', async () => {
    const { api, manager } = setup({ forceRefreshCooldownSeconds: 0 });
    api.script.push(wechatError(45011));
    await expect(manager.refresh(APP_ID, { force: true })).rejects.toMatchObject({
      code: 'WECHAT_RATE_LIMITED',
    });
    expect((await manager.getToken(APP_ID)).value).toBe('fake-token-1');
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
    await clock.advance(7_200_000 - 299_500);
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
    await clock.advance(1_000);
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
      () => manager.reportRejected(other, 'x'),
      () => manager.tickets.get(other, 'jsapi'),
    ]) {
      // A rejected promise, never a synchronous throw: callers chain `.catch` on these.
      await expect(attempt()).rejects.toBeInstanceOf(UnknownAppError);
    }
    expect(manager.hasApp(other)).toBe(false);
    expect(manager.listApps()).toEqual([
      { appId: APP_ID, kind: 'officialAccount', name: 'Test app', tokenMode: 'stable' },
    ]);
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
    const manager = new TokenManager({ apps: [app()], stores: new MemoryStores(), api: new FakeWeChat() });
    expect(manager.hasApp(APP_ID)).toBe(true);
  });

  it('leases the lock for a few seconds by default, whatever the upstream timeout', () => {
    const base = { apps: [app()], stores: new MemoryStores(), api: new FakeWeChat() };
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
    const { clock, stores, manager, events } = setup();
    const token = { value: 'shared-token-1', obtainedAt: clock.now(), expiresAt: clock.now() + 7_200_000 };
    await stores.credentials.set(TOKEN, token, 'cold');
    expect(events.map((e) => e.type)).toEqual(['updated']);
    await manager.stop();
    await stores.credentials.set(TOKEN, { ...token, value: 'shared-token-2' }, 'forced');
    expect(events.map((e) => e.type)).toEqual(['updated']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('redaction learns every credential the engine accepts', () => {
  it('the AppSecret, an obtained token and ticket, and a value adopted from the store another manager filled', async () => {
    const clock = new FakeClock();
    const stores = new MemoryStores({ clock });
    const mine = new Redactor();
    const theirs = new Redactor();
    const obtaining = setup({ clock, stores, redactor: theirs });
    const adopting = setup({ clock, stores, redactor: mine });
    // The fake's values are short: whole here (pieces over HTTP: test/security/credential-echo.test.ts).
    const pieceOf = (value: string) => value;
    expect(mine.redact('0123456789abcdef0123456789abcdef')).toBe(REDACTED);

    const token = await obtaining.manager.getToken(APP_ID);
    const ticket = await obtaining.manager.tickets.get(APP_ID, 'jsapi');
    expect(theirs.redact(`x ${pieceOf(token.value)}`)).toBe(`x ${REDACTED}`);
    expect(theirs.redact(`x ${pieceOf(ticket.value)}`)).toBe(`x ${REDACTED}`);
    // Not obtained by this manager: unknown to its redactor until its engine reads it from the store.
    expect(mine.redact(pieceOf(token.value))).toBe(pieceOf(token.value));
    expect((await adopting.manager.getToken(APP_ID)).value).toBe(token.value);
    expect((await adopting.manager.tickets.get(APP_ID, 'jsapi')).value).toBe(ticket.value);
    expect(obtaining.api.tokenCalls.length + adopting.api.tokenCalls.length).toBe(1);
    expect(adopting.api.ticketCalls).toEqual([]);
    expect(mine.redact(`x ${pieceOf(token.value)} y`)).toBe(`x ${REDACTED} y`);
    expect(mine.redact(`x ${pieceOf(ticket.value)} y`)).toBe(`x ${REDACTED} y`);
  });
});
