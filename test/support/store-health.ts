import type { StoreHealth, Stores } from '../../src/store/ports.js';
import { guarded } from './guard.js';

type HealthSource = Pick<Stores, 'health' | 'onHealthChange'>;

export const isDegraded = (health: StoreHealth): boolean => health.degraded;
export const isHealthy = (health: StoreHealth): boolean => health.ok && !health.degraded;

/**
 * The first health change of `store` (`onHealthChange`) that `matches`, waited for as an event: call
 * it before causing the change. Fails after `timeoutMs` naming `what`: a guard, not a sleep.
 */
export function healthChange(
  store: HealthSource,
  matches: (health: StoreHealth) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<StoreHealth> {
  return healthWhen(store, matches, what, timeoutMs, false);
}

/**
 * `store`'s health as `health()` answers it now if that `matches`, else its first change that does:
 * for a change that may already have happened (or never needed to). Fails after `timeoutMs`.
 */
export function healthNowOrChange(
  store: HealthSource,
  matches: (health: StoreHealth) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<StoreHealth> {
  return healthWhen(store, matches, what, timeoutMs, true);
}

function healthWhen(
  store: HealthSource,
  matches: (health: StoreHealth) => boolean,
  what: string,
  timeoutMs: number,
  now: boolean,
): Promise<StoreHealth> {
  let off: () => void = () => {};
  const heard = new Promise<StoreHealth>((resolve, reject) => {
    // Listening first: a change while `health()` answers is not missed.
    off = store.onHealthChange((health) => {
      if (matches(health)) resolve(health);
    });
    if (now)
      store.health().then((health) => {
        if (matches(health)) resolve(health);
      }, reject);
  });
  return guarded(what, heard, timeoutMs).finally(off);
}
