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
  return listenForHealth(store, matches).within(what, timeoutMs);
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
  return listenForHealth(store, matches, true).within(what, timeoutMs);
}

/** A health change listened for now and waited on later (`within`), with the guard's time counted from then. */
export interface HealthListener {
  /** The change, or a failure naming `what` if it has not come within `timeoutMs` of this call. */
  within(what: string, timeoutMs: number): Promise<StoreHealth>;
}

/**
 * Starts listening for the first health change of `store` that `matches` (and, with `now`, for its
 * current health): call it before causing the change, and `within` once the cause has happened, so a
 * slow step between the two does not count against the change's guard.
 */
export function listenForHealth(
  store: HealthSource,
  matches: (health: StoreHealth) => boolean,
  now = false,
): HealthListener {
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
  // Not yet waited on: a failure of `health()` is reported by `within`, never as unhandled.
  heard.catch(() => {});
  return { within: (what, timeoutMs) => guarded(what, heard, timeoutMs).finally(off) };
}
