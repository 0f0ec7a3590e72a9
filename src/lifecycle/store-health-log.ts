import type { Logger } from '../logger.js';
import type { Stores } from '../store/ports.js';
import { storeStatus } from './readiness.js';

/**
 * One line each time the store's part of readiness changes (`Stores.onHealthChange`): a warning when
 * the store degrades (this replica answers `/ready` 503 until it recovers), an info line when it is
 * healthy again. The detail is the one `/ready` shows: never an address or a credential. The Redis
 * connections' own lines (`Redis connection failed; reconnecting`, `… restored`) say which
 * connection and where; these say what it means for the replica.
 */
export function logStoreHealthChanges(
  store: Pick<Stores, 'kind' | 'onHealthChange'>,
  logger: Logger,
): () => void {
  return store.onHealthChange((health) => {
    const status = storeStatus(health);
    if (status === 'ok') {
      logger.info({ store: store.kind, status }, 'store healthy again: this replica can be ready');
      return;
    }
    logger.warn(
      { store: store.kind, status, ...(health.detail !== undefined && { detail: health.detail }) },
      `store ${status}: this replica is not ready until it recovers`,
    );
  });
}
