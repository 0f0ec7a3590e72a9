import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { Stores } from '../../src/store/ports.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { redisUrl } from '../support/redis.js';
import type { CallTracker, FakeClock } from './fake-clock.js';

/** Where replicas share their state: one process's memory, or a real Redis (when the session has one). */
export type Backend = 'memory' | 'redis';

export const BACKENDS: readonly Backend[] = redisUrl ? ['memory', 'redis'] : ['memory'];

export interface ReplicaStores {
  /** One `Stores` per replica: the same object in memory, each with its own connections on Redis. */
  stores: Stores[];
  close(): Promise<void>;
}

/**
 * `count` replicas' stores on `backend`, judging expiry and copy freshness by the fake `clock`. On Redis
 * every store call is followed by `tracker`, so the clock lets no virtual time pass while a command is
 * on the wire; keys live under a prefix of their own, removed by `close`.
 */
export async function replicaStores(
  backend: Backend,
  clock: FakeClock,
  tracker: CallTracker,
  count: number,
  appIds: readonly string[],
): Promise<ReplicaStores> {
  if (backend === 'memory') {
    const shared = new MemoryStores({ clock });
    return { stores: Array.from({ length: count }, () => shared), close: () => shared.close() };
  }
  const keyPrefix = randomPrefix();
  const opened = await Promise.all(
    Array.from({ length: count }, () => RedisStores.connect({ url: redisUrl, keyPrefix, appIds, clock })),
  );
  return {
    stores: opened.map(
      (stores): Stores => ({
        kind: stores.kind,
        credentials: tracker.track(stores.credentials),
        leases: tracker.track(stores.leases),
        holds: tracker.track(stores.holds),
        authorizers: stores.authorizers,
        health: () => stores.health(),
        onHealthChange: (listener) => stores.onHealthChange(listener),
        close: () => stores.close(),
      }),
    ),
    async close() {
      await Promise.all(opened.map((stores) => stores.close()));
      await deleteKeysUnder(redisUrl, keyPrefix);
    },
  };
}
