import type { StoreHealth, Stores } from './ports.js';

/** How long one answer of `store.health()` is shared by every asker (RedisStores PING Redis). */
export const HEALTH_CACHE_MS = 1000;

type HealthSource = Pick<Stores, 'health'> & Partial<Pick<Stores, 'onHealthChange'>>;

interface Cached {
  at: number;
  answer: Promise<StoreHealth>;
}

const cache = new WeakMap<HealthSource, Cached>();
/** Stores whose health changes drop their cached answer (followed from the first ask, for the store's life). */
const followed = new WeakSet<HealthSource>();

/**
 * The store's health, asked at most once per `HEALTH_CACHE_MS` per store whoever asks (tokenStatus,
 * /ready, /metrics), so a probe or scrape storm does not become a Redis storm. A failed answer is not kept,
 * nor one the store has since announced a change of (`onHealthChange`): the next ask gets the new answer.
 */
export function cachedHealth(
  store: HealthSource,
  now: () => number = performance.now.bind(performance),
): Promise<StoreHealth> {
  if (!followed.has(store)) {
    followed.add(store);
    store.onHealthChange?.(() => cache.delete(store));
  }
  const cached = cache.get(store);
  const at = now();
  if (cached && at - cached.at < HEALTH_CACHE_MS) return cached.answer;
  const answer = store.health();
  cache.set(store, { at, answer });
  answer.catch(() => {
    if (cache.get(store)?.answer === answer) cache.delete(store);
  });
  return answer;
}
