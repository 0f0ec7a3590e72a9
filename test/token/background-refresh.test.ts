import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/token/manager.js';
import type { TokenManagerOptions } from '../../src/token/manager-options.js';
import { MemoryStore } from '../../src/token/memory-store.js';
import type { TokenEvent } from '../../src/token/types.js';
import { FakeClock } from './fake-clock.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';

const APP_ID = 'wx00000000000000bb';
const APP: AppConfig = {
  appId: APP_ID,
  appSecret: 'fedcba9876543210fedcba9876543210',
  name: 'Background app',
  tokenMode: 'stable',
};

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

/** Real time, short durations: tokens live about a second and are renewed in the last half of it. */
function setup(options: Partial<TokenManagerOptions> = {}) {
  const store = options.store ?? new MemoryStore();
  const api = new FakeWeChat();
  api.expiresInSeconds = 1;
  const manager = new TokenManager({
    apps: [APP],
    store,
    api,
    refreshMarginSeconds: 0.5,
    busyRetries: 0,
    busyBackoffTotalMs: 0,
    upstreamTimeoutMs: 100,
    lockTtlMs: 1_000,
    backgroundJitterMs: 50,
    backgroundMinDelayMs: 20,
    backgroundFailureBaseMs: 40,
    backgroundFailureMaxMs: 160,
    ...options,
  });
  const events: TokenEvent[] = [];
  manager.subscribe((event) => events.push(event));
  stops.push(() => manager.stop());
  return { store, api, manager, events };
}

describe('background refresh', () => {
  it('warms a cold app and renews its token before expiry, so requests never wait or fail', async () => {
    // 2 s tokens renewed 1 s early: only an event loop stalled for a whole second could see one expire.
    const { api, manager } = setup({ refreshMarginSeconds: 1 });
    api.expiresInSeconds = 2;
    manager.start();
    await expect.poll(() => api.tokenCalls.length).toBe(1);
    const states = new Set<string>();
    const deadline = Date.now() + 3_600;
    while (Date.now() < deadline) {
      states.add((await manager.status(APP_ID)).state);
      await manager.getToken(APP_ID);
      await sleep(10);
    }
    expect(api.tokenCalls.length).toBeGreaterThanOrEqual(3);
    expect(states).not.toContain('EXPIRED');
    expect(states).not.toContain('MISSING');
  });

  it('stop() clears every timer: no upstream call afterwards', async () => {
    const { api, manager } = setup();
    manager.start();
    await expect.poll(() => api.tokenCalls.length).toBe(1);
    await manager.stop();
    const calls = api.tokenCalls.length;
    await sleep(1_200);
    expect(api.tokenCalls.length).toBe(calls);
  });

  it('backs off a failing refresh (growing, capped, reported as background errors)', async () => {
    const { api, manager, events } = setup();
    api.always = () => wechatError(-1);
    manager.start();
    await sleep(700);
    await manager.stop();
    // Delays of 20-40, 40-80, 80-160, then 80-160 ms each: a tight loop would make hundreds of calls.
    expect(api.tokenCalls.length).toBeGreaterThanOrEqual(3);
    expect(api.tokenCalls.length).toBeLessThanOrEqual(10);
    const errors = events.filter((e): e is Extract<TokenEvent, { type: 'error' }> => e.type === 'error');
    expect(errors.length).toBe(api.tokenCalls.length);
    expect(errors.every((e) => e.background && e.code === 'WECHAT_BUSY')).toBe(true);
  });

  it('waits for an open quota circuit instead of retrying at the backoff pace', async () => {
    // At hh:mm:00 the 45011 window is a whole minute; the wall clock could be a few ms before the next.
    const clock = new FakeClock();
    const { api, manager } = setup({ clock, store: new MemoryStore({ clock }) });
    api.always = () => wechatError(45011);
    manager.start();
    await sleep(400);
    expect(api.tokenCalls).toHaveLength(1);
  });

  it('reschedules when another replica stores a token, instead of fetching itself', async () => {
    const store = new MemoryStore();
    const { api, manager } = setup({ store });
    manager.start();
    await expect.poll(() => api.tokenCalls.length).toBe(1);
    const now = Date.now();
    await store.set(
      APP_ID,
      { accessToken: 'from-replica-2', obtainedAt: now, expiresAt: now + 3_600_000 },
      'margin',
    );
    await sleep(1_000);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).accessToken).toBe('from-replica-2');
  });

  it('leaves the refresh to the replica holding the lock', async () => {
    const store = new MemoryStore();
    const { api, manager } = setup({ store });
    await store.acquireLock(APP_ID, 60_000);
    manager.start();
    await sleep(300);
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
    const { api, manager } = setup({ store, lockTtlMs: 30_000, lockWaitMs: 3_000 });
    api.expiresInSeconds = 3_600;
    manager.start();
    await expect.poll(() => store.gate !== undefined).toBe(true);
    const caller = manager.getToken(APP_ID);
    await sleep(50); // the caller's flight is now waiting for the lock
    store.open();
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
          const now = Date.now();
          await this.set(
            appId,
            { accessToken: 'from-replica-2', obtainedAt: now, expiresAt: now + 60_000 },
            'margin',
          );
        }
        return super.acquireLock(appId, ttlMs);
      }
    }
    const store = new RacedStore();
    const { api, manager } = setup({ store });
    manager.start();
    await expect.poll(() => store.raced, { timeout: 3_000 }).toBe(true);
    await sleep(100);
    expect(api.tokenCalls).toHaveLength(1);
    expect((await manager.getToken(APP_ID)).accessToken).toBe('from-replica-2');
  });

  it('does nothing on start() when backgroundRefresh is off', async () => {
    const { api, manager } = setup({ backgroundRefresh: false });
    manager.start();
    await sleep(100);
    expect(api.tokenCalls).toHaveLength(0);
  });
});
