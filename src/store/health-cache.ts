import type { StoreHealth, Stores } from './ports.js';

/** How long one answer of `store.health()` is shared by every asker (RedisStores PING Redis). */
export const HEALTH_CACHE_MS = 1000;

type HealthSource = Pick<Stores, 'health'>;

interface Cached {
  at: number;
  answer: Promise<StoreHealth>;
}

const cache = new WeakMap<HealthSource, Cached>();

/**
 * The store's health, asked at most once per `HEALTH_CACHE_MS` per store whoever asks (tokenStatus,
 * /ready, /metrics), so a probe or scrape storm does not become a Redis storm. A failed answer is not kept.
 */
export function cachedHealth(
  store: HealthSource,
  now: () => number = performance.now.bind(performance),
): Promise<StoreHealth> {
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
