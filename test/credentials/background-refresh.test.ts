import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppConfig, TokenMode } from '../../src/config/index.js';
import type { TokenManagerOptions } from '../../src/credentials/options.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import type { TokenEvent } from '../../src/credentials/types.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { CredentialKey, LockLease, StoredCredential } from '../../src/store/ports.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';

const APP_ID = 'wx00000000000000bb';
const TOKEN: CredentialKey = { appId: APP_ID, kind: 'token' };
const app = (tokenMode: TokenMode): AppConfig => ({
  appId: APP_ID,
  appSecret: 'fedcba9876543210fedcba9876543210',
  name: 'Background app',
  tokenMode,
});
/** 12:00:00 UTC: a minute-quota window opened now lasts exactly 60 s. */
const START = Date.UTC(2026, 10, 25, 12, 0, 0);

/**
 * Vitest's fake timers: the manager, its stores and the fake WeChat run on `systemClock`, whose
 * `setTimeout` and `Date.now` are the faked globals; `setImmediate` and I/O stay real.
 */
const stops: Array<() => Promise<void>> = [];
beforeEach(() => {
  vi.useFakeTimers({ now: START, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  vi.useRealTimers();
});

/** Milliseconds since START at which something happened, on the fake clock. */
const at = () => Date.now() - START;
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** When each token call arrived, in ms since START. */
const calledAtOf = (api: FakeWeChat) => api.calledAt.map((t) => t - START);

/** Another replica's renewal landing in the shared store: a token valid for `lifetimeMs`. */
const OTHER_REPLICAS_TOKEN = 'from-replica-2';
function storeOtherReplicasToken(stores: MemoryStores, lifetimeMs: number): Promise<boolean> {
  const now = Date.now();
  return stores.credentials.set(
    TOKEN,
    { value: OTHER_REPLICAS_TOKEN, obtainedAt: now, expiresAt: now + lifetimeMs },
    'margin',
  );
}

/**
 * Classic tokens (renewed ahead of the margin; stable ones wait for WeChat's early window) of about a
 * second, renewed in the last half of it, and a fixed "random" of 0.5 so every jitter and backoff is
 * known: tests assert when things happen, in which order.
 */
function setup(options: Partial<TokenManagerOptions> & { mode?: TokenMode } = {}) {
  const { mode = 'classic', ...rest } = options;
  const stores = options.stores ?? new MemoryStores();
  const api = new FakeWeChat();
  api.expiresInSeconds = 1;
  const misses: number[] = [];
  const manager = new TokenManager({
    apps: [app(mode)],
    api,
    random: () => 0.5,
    refreshMarginSeconds: 0.5,
    busyRetries: 0,
    busyBackoffTotalMs: 0,
    lockLeaseMs: 1_000,
    backgroundJitterMs: 50,
    backgroundMinDelayMs: 20,
    backgroundFailureBaseMs: 40,
    backgroundFailureMaxMs: 160,
    onCacheLookup: (_appId, result) => {
      if (result === 'miss') misses.push(at());
    },
    ...rest,
    stores,
  });
  const events: TokenEvent[] = [];
  const updatedAt: number[] = [];
  manager.subscribe((event) => {
    events.push(event);
    if (event.type === 'updated') updatedAt.push(at());
  });
  stops.push(() => manager.stop());
  const calledAt = () => api.calledAt.map((t) => t - START);
  return { stores, api, manager, events, calledAt, updatedAt, misses };
}

describe('background refresh', () => {
  it('warms a cold app and renews its token before expiry, so requests never wait or fail', async () => {
    const { api, manager, updatedAt, calledAt, misses } = setup({ refreshMarginSeconds: 1 });
    api.expiresInSeconds = 2;
    manager.start();
    await advance(0);
    expect(api.tokenCalls.length).toBe(1);
    const states = new Set<string>();
    for (let t = 0; t < 3_600; t += 10) {
      states.add((await manager.status(APP_ID)).state);
      await manager.getToken(APP_ID);
      await advance(10);
    }
    // 2 s tokens, renewed 1 s + half of the 50 ms jitter before expiry: every 975 ms, never at expiry.
    expect(updatedAt).toEqual([0, 975, 1_950, 2_925]);
    expect(calledAt()).toEqual(updatedAt); // one call per token
    expect(misses).toEqual([]); // no caller waited: the token was there before the first one asked
    expect(states).not.toContain('EXPIRED');
    expect(states).not.toContain('MISSING');
  });

  it('stop() clears every timer: no upstream call afterwards', async () => {
    const { api, manager } = setup();
    manager.start();
    await advance(0);
    expect(api.tokenCalls.length).toBe(1);
    await manager.stop();
    expect(vi.getTimerCount()).toBe(0);
    await advance(10_000);
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('backs off a failing refresh (growing, capped, reported as background errors)', async () => {
    const { api, manager, events, calledAt } = setup();
    api.always = () => wechatError(-1);
    manager.start();
    await advance(700);
    await manager.stop();
    // Equal jitter at 0.5: 3/4 of the ceiling, which doubles from 40 ms and is capped at 160 ms.
    expect(calledAt()).toEqual([0, 30, 90, 210, 330, 450, 570, 690]);
    const errors = events.filter((e): e is Extract<TokenEvent, { type: 'error' }> => e.type === 'error');
    expect(errors.length).toBe(api.tokenCalls.length);
    expect(errors.every((e) => e.background && e.code === 'WECHAT_BUSY')).toBe(true);
  });

  it('waits for an open quota circuit instead of retrying at the backoff pace', async () => {
    const { api, manager, calledAt } = setup();
    api.always = () => wechatError(45011);
    manager.start();
    await advance(59_000);
    expect(api.tokenCalls).toHaveLength(1);
    // The 45011 window ends at the next minute: then, and not before, the refresh tries again.
    await advance(1_000);
    expect(calledAt()).toEqual([0, 60_000]);
  });

  it('reschedules when another replica stores a token, instead of fetching itself', async () => {
    const stores = new MemoryStores();
    const { api, manager } = setup({ stores });
    manager.start();
    await advance(0);
    expect(api.tokenCalls).toHaveLength(1);
    await storeOtherReplicasToken(stores, 3_600_000);
    // The first token (1 s) would have been renewed at 475 ms.
    await advance(1_000);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).value).toBe(OTHER_REPLICAS_TOKEN);
  });

  it('leaves the refresh to the replica holding the lease', async () => {
    const stores = new MemoryStores();
    const { api, manager } = setup({ stores });
    await stores.leases.acquire(TOKEN, 60_000);
    manager.start();
    await advance(300);
    expect(api.tokenCalls).toHaveLength(0);
  });

  it('a caller arriving while the background refresh holds the lease gets its token, no deadlock', async () => {
    // Pauses the background refresh between taking the lease and reading the store under it, the
    // window in which a cold caller starts its own flight and waits for that lease.
    const stores = new MemoryStores();
    const { leases, credentials } = stores;
    let gate: Promise<void> | undefined;
    let open = () => {};
    let leaseTaken = false;
    const acquire = leases.acquire.bind(leases);
    const getLatest = credentials.getLatest.bind(credentials);
    Object.assign(leases, {
      acquire: async (key: CredentialKey, ttlMs: number): Promise<LockLease | undefined> => {
        const lease = await acquire(key, ttlMs);
        if (lease && gate === undefined) {
          leaseTaken = true;
          gate = new Promise((resolve) => {
            open = resolve;
          });
        }
        return lease;
      },
    });
    Object.assign(credentials, {
      getLatest: async (key: CredentialKey): Promise<StoredCredential | undefined> => {
        const paused = gate;
        if (paused && leaseTaken) {
          leaseTaken = false;
          await paused;
        }
        return getLatest(key);
      },
    });
    const { api, manager } = setup({ stores, lockLeaseMs: 30_000, lockWaitMs: 3_000 });
    api.expiresInSeconds = 3_600;
    manager.start();
    await advance(0);
    expect(gate).toBeDefined();
    const caller = manager.getToken(APP_ID);
    await advance(50); // the caller's flight is now waiting for the lease
    expect(api.tokenCalls).toHaveLength(0);
    open();
    await advance(100);
    const token = await caller;
    expect(token.value).toBe('fake-token-1');
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('keeps a token another replica stored between its read and the lease, instead of fetching again', async () => {
    // Another replica finishes its renewal just before this one gets the lease.
    const stores = new MemoryStores();
    const { leases, credentials } = stores;
    let raced = false;
    const acquire = leases.acquire.bind(leases);
    Object.assign(leases, {
      acquire: async (key: CredentialKey, ttlMs: number): Promise<LockLease | undefined> => {
        if (!raced && (await credentials.get(key))) {
          raced = true;
          await storeOtherReplicasToken(stores, 60_000);
        }
        return acquire(key, ttlMs);
      },
    });
    const { api, manager } = setup({ stores });
    manager.start();
    // The first token's renewal is due at 475 ms: it finds the raced token under the lease.
    await advance(500);
    expect(raced).toBe(true);
    await advance(100);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).value).toBe(OTHER_REPLICAS_TOKEN);
  });

  it('renews nothing when another replica’s token is announced while its due renewal reads the store', async () => {
    // The notification's read and the due renewal's read run at once, and the notification's ends
    // first (it reschedules from the new token): the renewal must still compare what it reads with the
    // token its timer was set for, not with the newer one, or it renews a token renewed a moment ago.
    const stores = new MemoryStores();
    const { credentials } = stores;
    const held: Array<() => void> = [];
    let holding = false;
    const get = credentials.get.bind(credentials);
    Object.assign(credentials, {
      get: async (key: CredentialKey): Promise<StoredCredential | undefined> => {
        if (holding) await new Promise<void>((release) => held.push(release));
        return get(key);
      },
    });
    const { api, manager } = setup({ stores });
    manager.start();
    await advance(0);
    expect(api.tokenCalls).toHaveLength(1);
    await advance(450); // the first token's renewal is due at 475 ms
    holding = true;
    await storeOtherReplicasToken(stores, 3_600_000);
    await advance(50);
    expect(held).toHaveLength(2); // the notification's read, then the due renewal's
    holding = false;
    held.shift()?.();
    await advance(0);
    held.shift()?.();
    await advance(1_000);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).value).toBe(OTHER_REPLICAS_TOKEN);
  });

  it('renews at most backgroundConcurrency credentials at once: a cold start of many apps comes in waves', async () => {
    const apps = Array.from({ length: 10 }, (_, i) => ({
      ...app('classic'),
      appId: `wx00000000000000${(0xc0 + i).toString(16)}`,
    }));
    const { api, manager } = setup({ apps, backgroundConcurrency: 4, refreshMarginSeconds: 1 });
    api.expiresInSeconds = 3600;
    api.delayMs = 100;
    manager.start();
    await advance(0);
    // Ten apps due at once: four calls now, then four more as each wave's answers free their slots.
    expect(calledAtOf(api)).toEqual([0, 0, 0, 0]);
    await advance(100);
    expect(calledAtOf(api)).toEqual([0, 0, 0, 0, 100, 100, 100, 100]);
    await advance(200);
    expect(calledAtOf(api)).toEqual([0, 0, 0, 0, 100, 100, 100, 100, 200, 200]);
    const states = await manager.statuses(apps.map((a) => a.appId));
    expect(states.map((state) => state.state)).toEqual(apps.map(() => 'FRESH'));
  });

  it('refuses backgroundConcurrency below 1: no renewal could ever run', () => {
    expect(() => setup({ backgroundConcurrency: 0 })).toThrow(
      /backgroundConcurrency must be a whole number ≥ 1/,
    );
  });

  it('does nothing on start() when backgroundRefresh is off', async () => {
    const { api, manager } = setup({ backgroundRefresh: false });
    manager.start();
    await advance(100);
    expect(api.tokenCalls).toHaveLength(0);
  });
});

/**
 * Real lifetimes in virtual time: 2 h tokens with the default margin, jitter and early window, run for
 * five lifetimes (10 hours) in milliseconds. Every renewal is one upstream call and one new token,
 * made before expiry and no sooner than WeChat would give a new one: for classic tokens ahead of the
 * margin by at most the jitter; for stable tokens inside the early window, whatever the margin (the
 * fake WeChat hands back the current token before its window, as stable_token does).
 */
describe('a full renewal cycle over 2-hour tokens', () => {
  const LIFETIME_MS = 7_200_000;
  const WINDOW_MS = 300_000;
  const JITTER_MS = 30_000;

  it.each([
    ['classic', 300],
    ['stable', 300],
    ['stable', 60],
    ['stable', 900],
  ] as const)('%s tokens with a %i s margin', async (mode, marginSeconds) => {
    const { api, manager, events, misses } = setup({
      mode,
      refreshMarginSeconds: marginSeconds,
      stableEarlyWindowSeconds: WINDOW_MS / 1000,
      backgroundJitterMs: JITTER_MS,
      backgroundMinDelayMs: 1_000,
      lockLeaseMs: 3_000,
    });
    api.expiresInSeconds = LIFETIME_MS / 1000;
    api.stableEarlyWindowSeconds = WINDOW_MS / 1000;
    const stored: StoredCredential[] = [];
    const renewals: { at: number; previous: StoredCredential }[] = [];
    manager.subscribe((event) => {
      if (event.type !== 'updated') return;
      const previous = stored.at(-1);
      if (previous) renewals.push({ at: Date.now(), previous });
    });
    manager.start();
    await advance(0); // the cold fetch at start-up
    // A caller every minute for ten hours: each is served at once from the store.
    for (let minute = 0; minute < 600; minute++) {
      const token = await manager.getToken(APP_ID);
      if (stored.at(-1)?.value !== token.value) stored.push(token);
      await advance(60_000);
    }
    await manager.stop();

    const tokens = new Set(stored.map((t) => t.value));
    expect(tokens.size).toBe(stored.length);
    expect(stored.length).toBeGreaterThanOrEqual(5); // the first token and a renewal per lifetime
    // One upstream call per new token: never a handed-back answer, never a second replica's call.
    expect(api.tokenCalls).toHaveLength(stored.length);
    expect(events.filter((e) => e.type === 'updated')).toHaveLength(stored.length);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(misses).toEqual([]);
    expect(renewals).toHaveLength(stored.length - 1);
    for (const { at: renewedAt, previous } of renewals) {
      expect(renewedAt).toBeLessThan(previous.expiresAt);
      if (mode === 'stable') {
        // After the window surely opened (1 s grace), at most a tenth of the window later.
        expect(renewedAt).toBeGreaterThanOrEqual(previous.expiresAt - WINDOW_MS + 1_000);
        expect(renewedAt).toBeLessThanOrEqual(previous.expiresAt - WINDOW_MS + 1_000 + WINDOW_MS / 10);
      } else {
        // Ahead of the margin, by at most the jitter.
        expect(renewedAt).toBeGreaterThanOrEqual(previous.expiresAt - marginSeconds * 1000 - JITTER_MS);
        expect(renewedAt).toBeLessThanOrEqual(previous.expiresAt - marginSeconds * 1000);
      }
    }
  });
});
