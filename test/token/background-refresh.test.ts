import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/token/manager.js';
import type { TokenManagerOptions } from '../../src/token/manager-options.js';
import { MemoryStore } from '../../src/token/memory-store.js';
import type { TokenEvent } from '../../src/token/types.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';

const APP_ID = 'wx00000000000000bb';
const APP: AppConfig = {
  appId: APP_ID,
  appSecret: 'fedcba9876543210fedcba9876543210',
  name: 'Background app',
  // Renewal ahead of the margin; stable tokens wait for WeChat's early window (refresh-schedule tests).
  tokenMode: 'classic',
};
/** 12:00:00 UTC: a minute-quota window opened now lasts exactly 60 s. */
const START = Date.UTC(2026, 10, 25, 12, 0, 0);

const stops: Array<() => Promise<void>> = [];
beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
  vi.useRealTimers();
});

/** Milliseconds since START at which something happened, on the fake clock. */
const at = () => Date.now() - START;
const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** Another replica's renewal landing in the shared store: a token valid for `lifetimeMs`. */
const OTHER_REPLICAS_TOKEN = 'from-replica-2';
function storeOtherReplicasToken(store: MemoryStore, lifetimeMs: number): Promise<boolean> {
  const now = Date.now();
  return store.set(
    APP_ID,
    { accessToken: OTHER_REPLICAS_TOKEN, obtainedAt: now, expiresAt: now + lifetimeMs },
    'margin',
  );
}

/**
 * Fake timers (the manager uses `systemClock`), tokens of about a second renewed in the last half of
 * it, and a fixed "random" of 0.5 so every jitter and backoff is known: tests assert when things happen.
 */
function setup(options: Partial<TokenManagerOptions> = {}) {
  const store = options.store ?? new MemoryStore();
  const api = new FakeWeChat();
  api.expiresInSeconds = 1;
  const calledAt: number[] = [];
  const fetchToken = api.fetchToken.bind(api);
  api.fetchToken = (app, fetchOptions) => {
    calledAt.push(at());
    return fetchToken(app, fetchOptions);
  };
  const manager = new TokenManager({
    apps: [APP],
    store,
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
    ...options,
  });
  const events: TokenEvent[] = [];
  const updatedAt: number[] = [];
  manager.subscribe((event) => {
    events.push(event);
    if (event.type === 'updated') updatedAt.push(at());
  });
  stops.push(() => manager.stop());
  return { store, api, manager, events, calledAt, updatedAt };
}

describe('background refresh', () => {
  it('warms a cold app and renews its token before expiry, so requests never wait or fail', async () => {
    const { api, manager, updatedAt } = setup({ refreshMarginSeconds: 1 });
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
    expect(api.tokenCalls.length).toBeGreaterThanOrEqual(3);
    expect(states).not.toContain('EXPIRED');
    expect(states).not.toContain('MISSING');
  });

  it('stop() clears every timer: no upstream call afterwards', async () => {
    const { api, manager } = setup();
    manager.start();
    await advance(0);
    expect(api.tokenCalls.length).toBe(1);
    await manager.stop();
    const calls = api.tokenCalls.length;
    await advance(10_000);
    expect(api.tokenCalls.length).toBe(calls);
  });

  it('backs off a failing refresh (growing, capped, reported as background errors)', async () => {
    const { api, manager, events, calledAt } = setup();
    api.always = () => wechatError(-1);
    manager.start();
    await advance(700);
    await manager.stop();
    // Equal jitter at 0.5: 3/4 of the ceiling, which doubles from 40 ms and is capped at 160 ms.
    const gaps = calledAt.slice(1).map((t, i) => t - (calledAt[i] ?? 0));
    expect(gaps).toEqual([30, 60, 120, 120, 120, 120, 120]);
    expect(api.tokenCalls.length).toBeGreaterThanOrEqual(3);
    expect(api.tokenCalls.length).toBeLessThanOrEqual(10);
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
    expect(calledAt).toEqual([0, 60_000]);
  });

  it('reschedules when another replica stores a token, instead of fetching itself', async () => {
    const store = new MemoryStore();
    const { api, manager } = setup({ store });
    manager.start();
    await advance(0);
    expect(api.tokenCalls).toHaveLength(1);
    await storeOtherReplicasToken(store, 3_600_000);
    // The first token (1 s) would have been renewed at 475 ms.
    await advance(1_000);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).accessToken).toBe(OTHER_REPLICAS_TOKEN);
  });

  it('leaves the refresh to the replica holding the lock', async () => {
    const store = new MemoryStore();
    const { api, manager } = setup({ store });
    await store.acquireLock(APP_ID, 60_000);
    manager.start();
    await advance(300);
    expect(api.tokenCalls).toHaveLength(0);
  });

  it('a caller arriving while the background refresh holds the lock gets its token, no deadlock', async () => {
    // Pauses the background refresh between taking the lock and fetching, the window in which a
    // cold caller starts its own flight and waits for that lock.
    class GatedStore extends MemoryStore {
      gate: Promise<void> | undefined;
      lockTaken = false;
      override async acquireLock(appId: string, ttlMs: number) {
        const owner = await super.acquireLock(appId, ttlMs);
        if (owner && this.gate === undefined) {
          this.lockTaken = true;
          this.gate = new Promise((resolve) => {
            this.open = resolve;
          });
        }
        return owner;
      }
      open: () => void = () => {};
      override async get(appId: string) {
        const gate = this.gate;
        if (gate && this.lockTaken) {
          this.lockTaken = false;
          await gate;
        }
        return super.get(appId);
      }
    }
    const store = new GatedStore();
    const { api, manager } = setup({ store, lockLeaseMs: 30_000, lockWaitMs: 3_000 });
    api.expiresInSeconds = 3_600;
    manager.start();
    await advance(0);
    expect(store.gate).toBeDefined();
    const caller = manager.getToken(APP_ID);
    await advance(50); // the caller's flight is now waiting for the lock
    store.open();
    await advance(100);
    const token = await caller;
    expect(token.accessToken).toBe('fake-token-1');
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('keeps a token another replica stored between its read and the lock, instead of fetching again', async () => {
    // Another replica finishes its renewal just before this one gets the lock.
    class RacedStore extends MemoryStore {
      raced = false;
      override async acquireLock(appId: string, ttlMs: number) {
        if (!this.raced && (await this.get(appId))) {
          this.raced = true;
          await storeOtherReplicasToken(this, 60_000);
        }
        return super.acquireLock(appId, ttlMs);
      }
    }
    const store = new RacedStore();
    const { api, manager } = setup({ store });
    manager.start();
    // The first token's renewal is due at 475 ms: it finds the raced token under the lock.
    await advance(500);
    expect(store.raced).toBe(true);
    await advance(100);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).accessToken).toBe(OTHER_REPLICAS_TOKEN);
  });

  it('renews nothing when another replica’s token is announced while its due renewal reads the store', async () => {
    // The notification's read and the due renewal's read run at once, and the notification's ends
    // first (it reschedules from the new token): the renewal must still compare what it reads with the
    // token its timer was set for, not with the newer one, or it renews a token renewed a moment ago.
    class GatedStore extends MemoryStore {
      readonly held: Array<() => void> = [];
      holding = false;
      override async get(appId: string) {
        if (this.holding) await new Promise<void>((release) => this.held.push(release));
        return super.get(appId);
      }
    }
    const store = new GatedStore();
    const { api, manager } = setup({ store });
    manager.start();
    await advance(0);
    expect(api.tokenCalls).toHaveLength(1);
    await advance(450); // the first token's renewal is due at 475 ms
    store.holding = true;
    await storeOtherReplicasToken(store, 3_600_000);
    await advance(50);
    expect(store.held).toHaveLength(2); // the notification's read, then the due renewal's
    store.holding = false;
    store.held.shift()?.();
    await advance(0);
    store.held.shift()?.();
    await advance(1_000);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).accessToken).toBe(OTHER_REPLICAS_TOKEN);
  });

  it('does nothing on start() when backgroundRefresh is off', async () => {
    const { api, manager } = setup({ backgroundRefresh: false });
    manager.start();
    await advance(100);
    expect(api.tokenCalls).toHaveLength(0);
  });
});
