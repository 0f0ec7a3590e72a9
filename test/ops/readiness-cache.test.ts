import { createSchema, createYoga } from 'graphql-yoga';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenStatus } from '../../src/credentials/types.js';
import { useReadiness } from '../../src/plugins/use-readiness.js';
import type { StoreHealth } from '../../src/store/ports.js';

/** How long the fake store takes to answer `health()` and the apps' statuses: an evaluation slow enough for the gap. */
const EVALUATION_TAKES_MS = 50;
/** That long in fake time (every test runs on fake timers; `ready()` advances them). */
const evaluationTime = () => new Promise((resolve) => setTimeout(resolve, EVALUATION_TAKES_MS));

/** A store whose health and token changes the test announces, and whose `health()` takes fake time. */
function fakeStore() {
  const healthListeners = new Set<(health: StoreHealth) => void>();
  const tokenListeners = new Set<() => void>();
  let answer: StoreHealth = { ok: true, degraded: false };
  return {
    kind: 'redis' as const,
    async health(): Promise<StoreHealth> {
      const now = answer;
      await evaluationTime();
      return now;
    },
    onHealthChange(listener: (health: StoreHealth) => void) {
      healthListeners.add(listener);
      return () => healthListeners.delete(listener);
    },
    credentials: {
      subscribe(listener: () => void) {
        tokenListeners.add(listener);
        return () => tokenListeners.delete(listener);
      },
    },
    announceHealth(next: StoreHealth) {
      answer = next;
      for (const listener of healthListeners) listener(next);
    },
    announceToken() {
      for (const listener of tokenListeners) listener();
    },
  };
}

function gateway(store: ReturnType<typeof fakeStore>) {
  const app = { appId: 'wx-app', name: 'app' };
  // The app has no token yet: /ready says 503 whatever the store says, so only `store` tells the answers apart.
  const missing: TokenStatus = { appId: app.appId, name: app.name, state: 'MISSING', degraded: false };
  let evaluations = 0;
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
    logging: false,
    plugins: [
      useReadiness({
        // biome-ignore lint/suspicious/noExplicitAny: the fake implements the parts readiness calls
        store: store as any,
        tokens: {
          listApps: () => [app],
          statuses: async () => {
            evaluations++;
            await evaluationTime();
            return [missing];
          },
        } as never,
      }),
    ],
  });
  const ready = async () => {
    const response = yoga.fetch('http://gateway/ready');
    await vi.advanceTimersByTimeAsync(EVALUATION_TAKES_MS);
    const answered = await response;
    const { store: part } = (await answered.json()) as { store: { status: string } };
    return { status: answered.status, store: part.status };
  };
  return { ready, evaluations: () => evaluations };
}

describe('/ready after a slow evaluation', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers the next probe with a change of the store’s health at once, however slow the last evaluation', async () => {
    const store = fakeStore();
    const { ready } = gateway(store);
    expect(await ready()).toEqual({ status: 503, store: 'ok' });
    store.announceHealth({ ok: true, degraded: true, detail: 'Redis is reconnecting' });
    expect(await ready()).toEqual({ status: 503, store: 'degraded' });
    store.announceHealth({ ok: true, degraded: false });
    expect(await ready()).toEqual({ status: 503, store: 'ok' });
  });

  it('answers the first token change at the next probe, however slow the evaluation before it', async () => {
    const store = fakeStore();
    const { ready, evaluations } = gateway(store);
    await ready();
    expect(evaluations()).toBe(1);
    store.announceToken();
    await ready();
    expect(evaluations()).toBe(2);
  });

  it('answers one more token change at the next probe too, however slow the evaluation before it', async () => {
    const store = fakeStore();
    const { ready, evaluations } = gateway(store);
    await ready();
    store.announceToken();
    await ready();
    store.announceToken();
    await ready();
    expect(evaluations()).toBe(3);
  });

  it('answers several further token changes with that evaluation until nine times its duration have passed', async () => {
    const store = fakeStore();
    const { ready, evaluations } = gateway(store);
    await ready();
    store.announceToken();
    await ready();
    expect(evaluations()).toBe(2);
    store.announceToken();
    store.announceToken();
    await ready();
    expect(evaluations()).toBe(2);
    await vi.advanceTimersByTimeAsync(9 * EVALUATION_TAKES_MS);
    await ready();
    expect(evaluations()).toBe(3);
  });
});
