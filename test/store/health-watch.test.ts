import { afterEach, describe, expect, it, vi } from 'vitest';
import { logStoreHealthChanges } from '../../src/lifecycle/store-health-log.js';
import { silentLogger } from '../../src/logger.js';
import { HealthWatch, healthChanged } from '../../src/store/health-watch.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { StoreHealth } from '../../src/store/ports.js';
import { captureLogs } from '../ops/support/log-capture.js';

const OK: StoreHealth = { ok: true, degraded: false };
const DEGRADED: StoreHealth = { ok: true, degraded: true, detail: 'Redis is reconnecting; …' };

describe('healthChanged', () => {
  it.each([
    ['no answer yet, then ok', undefined, OK, true],
    ['no answer yet, then degraded', undefined, DEGRADED, true],
    ['ok, then degraded', OK, DEGRADED, true],
    ['degraded, then ok', DEGRADED, OK, true],
    ['ok, then down', OK, { ok: false, degraded: false }, true],
    ['ok, then ok', OK, { ...OK }, false],
    [
      'degraded, then degraded in other words',
      DEGRADED,
      { ...DEGRADED, detail: 'Redis is connecting' },
      false,
    ],
  ] as const)('%s: %s', (_name, last, next, changed) => {
    expect(healthChanged(last, next)).toBe(changed);
  });
});

/** A health answer the test gives when it chooses: each `read` waits for the next `answer`. */
function scriptedHealth() {
  const pending: ((health: StoreHealth) => void)[] = [];
  const readWaiters: (() => void)[] = [];
  let reads = 0;
  return {
    read: () =>
      new Promise<StoreHealth>((resolve) => {
        reads++;
        pending.push(resolve);
        for (const wake of readWaiters.splice(0)) wake();
      }),
    answer(health: StoreHealth) {
      const next = pending.shift();
      if (!next) throw new Error('no health read is waiting');
      next(health);
    },
    /** Resolves once a read is waiting for its answer. */
    waiting(): Promise<void> {
      return pending.length > 0 ? Promise.resolve() : new Promise((resolve) => readWaiters.push(resolve));
    },
    get reads() {
      return reads;
    },
  };
}

describe('HealthWatch', () => {
  it('announces each changed answer of the store’s own health, once, in order', async () => {
    const health = scriptedHealth();
    const watch = new HealthWatch(health.read, silentLogger);
    const heard: StoreHealth[] = [];
    watch.subscribe((answer) => heard.push(answer));

    watch.check();
    health.answer(OK);
    await watch.settled();
    watch.check();
    health.answer({ ...OK });
    await watch.settled();
    watch.check();
    health.answer(DEGRADED);
    await watch.settled();
    expect(heard).toEqual([OK, DEGRADED]);
  });

  it('runs checks asked meanwhile once, after the running one: the last answer is the one announced', async () => {
    const health = scriptedHealth();
    const watch = new HealthWatch(health.read, silentLogger);
    const heard: StoreHealth[] = [];
    watch.subscribe((answer) => heard.push(answer));

    watch.check();
    watch.check();
    watch.check();
    expect(health.reads).toBe(1);
    health.answer(DEGRADED);
    // The two checks asked while the first ran are one more read, after it.
    await health.waiting();
    expect(health.reads).toBe(2);
    expect(heard).toEqual([DEGRADED]);
    health.answer(OK);
    await watch.settled();
    expect(health.reads).toBe(2);
    expect(heard).toEqual([DEGRADED, OK]);
  });

  it('announces nothing once stopped', async () => {
    const health = scriptedHealth();
    const watch = new HealthWatch(health.read, silentLogger);
    const heard: StoreHealth[] = [];
    watch.subscribe((answer) => heard.push(answer));
    watch.check();
    watch.stop();
    health.answer(DEGRADED);
    await watch.settled();
    watch.check();
    expect(health.reads).toBe(1);
    expect(heard).toEqual([]);
  });
});

describe('HealthWatch re-checks while not healthy', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('asks again every recheckMs after a degraded answer, with no event, and stops once healthy', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const health = scriptedHealth();
    const watch = new HealthWatch(health.read, silentLogger, { recheckMs: 1000 });
    const heard: StoreHealth[] = [];
    watch.subscribe((answer) => heard.push(answer));

    watch.check();
    health.answer(DEGRADED);
    await watch.settled();
    await vi.advanceTimersByTimeAsync(999);
    expect(health.reads).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(health.reads).toBe(2);
    // Still degraded (in other words): nothing announced, asked again a second later.
    health.answer({ ...DEGRADED, detail: 'Redis is connecting' });
    await watch.settled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(health.reads).toBe(3);
    health.answer(OK);
    await watch.settled();
    expect(heard).toEqual([DEGRADED, OK]);
    // Healthy: no more asking on its own.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(health.reads).toBe(3);
  });

  it('an event meanwhile does not add a second timer; stop() cancels the pending re-check', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const health = scriptedHealth();
    const watch = new HealthWatch(health.read, silentLogger, { recheckMs: 1000 });
    watch.check();
    health.answer(DEGRADED);
    await watch.settled();
    await vi.advanceTimersByTimeAsync(500);
    // A connection event half-way: one read now; the re-check stays where it was (at 1000 ms).
    watch.check();
    health.answer(DEGRADED);
    await watch.settled();
    await vi.advanceTimersByTimeAsync(500);
    expect(health.reads).toBe(3);
    health.answer(DEGRADED);
    await watch.settled();
    // The next one is a second after that answer (2000 ms), none at 1500 ms.
    await vi.advanceTimersByTimeAsync(999);
    expect(health.reads).toBe(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(health.reads).toBe(4);
    health.answer(DEGRADED);
    await watch.settled();
    watch.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(health.reads).toBe(4);
  });
});

describe('MemoryStores.onHealthChange', () => {
  it('never announces: one process’s memory does not degrade', async () => {
    const stores = new MemoryStores();
    const off = stores.onHealthChange(() => {
      throw new Error('memory stores announced a health change');
    });
    expect(await stores.health()).toEqual(OK);
    off();
  });
});

describe('logStoreHealthChanges', () => {
  it('writes a warning when the store degrades and an info line when it is healthy again', () => {
    const capture = captureLogs('info');
    let announce: (health: StoreHealth) => void = () => {};
    const store = {
      kind: 'redis' as const,
      onHealthChange(listener: (health: StoreHealth) => void) {
        announce = listener;
        return () => {
          announce = () => {};
        };
      },
    };
    const off = logStoreHealthChanges(store, capture.logger);
    announce(DEGRADED);
    announce(OK);
    off();
    announce(DEGRADED);
    expect(capture.lines.map(({ level, msg, status, detail }) => ({ level, msg, status, detail }))).toEqual([
      {
        level: 40,
        msg: 'store degraded: this replica is not ready until it recovers',
        status: 'degraded',
        detail: DEGRADED.detail,
      },
      { level: 30, msg: 'store healthy again: this replica can be ready', status: 'ok', detail: undefined },
    ]);
  });
});
