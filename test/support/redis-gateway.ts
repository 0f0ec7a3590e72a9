import { expect } from 'vitest';
import { buildGateway } from '../../src/build-gateway.js';
import { type AppConfig, loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logger.js';
import { tokenFingerprint } from '../../src/redact.js';
import type { Gateway } from '../../src/server.js';
import type { StoredCredential } from '../../src/store/ports.js';
import type { RedisEndpointOptions } from '../../src/store/redis/endpoint.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import type { Replica } from './replica.js';
import type { SseSubscription } from './sse.js';
import { countSubscribers, type SubscriberCount } from './subscribers.js';

/** A replica with its HTTP gateway, on whatever Redis deployment `env` names. */
export interface RedisGateway extends Replica {
  gateway: Gateway;
  url: string;
  /** Subscribers to the gateway's token service (its `tokenEvents` streams among them). */
  subscribers: SubscriberCount;
}

/**
 * Starts a gateway the way main.ts builds one (src/build-gateway.ts), with the Redis settings of `env` (REDIS_SENTINELS,
 * REDIS_CLUSTER_NODES, …) read by loadConfig, so the settings themselves are under test; the
 * rate-limit buckets live on that Redis too. Forced refreshes have no cooldown.
 */
export async function startRedisGateway(options: {
  env: Record<string, string>;
  apps: AppConfig[];
  keyPrefix: string;
  sandboxUrl: string;
}): Promise<RedisGateway> {
  const config = {
    ...loadConfig({
      NODE_ENV: 'test',
      REDIS_KEY_PREFIX: options.keyPrefix,
      CALLBACK_IPS_TTL_SECONDS: '0',
      RATE_LIMIT_REQUEST_BURST: '1000',
      ...options.env,
    }),
    apps: options.apps,
  };
  const store = await RedisStores.connect({
    ...(config.redis.endpoint as RedisEndpointOptions),
    keyPrefix: options.keyPrefix,
    appIds: options.apps.map((app) => app.appId),
  });
  const built = await buildGateway(config, {
    store,
    upstream: { baseUrls: [options.sandboxUrl] },
    logger: silentLogger,
    upstreamTimeoutMs: 1_000,
    engine: {
      busyRetries: 1,
      busyBackoffBaseMs: 5,
      busyBackoffTotalMs: 50,
      backgroundRefresh: false,
      forceRefreshCooldownSeconds: 0,
    },
  });
  const subscribers = countSubscribers(built.tokens);
  const url = await built.gateway.listen(0, '127.0.0.1');
  return {
    subscribers,
    store,
    client: built.client,
    manager: built.manager,
    gateway: built.gateway,
    url,
    async close() {
      await built.close();
      await store.close();
    },
  };
}

/**
 * A forced refresh made on another gateway reached this one: its `tokenEvents` stream announces the
 * renewed token (by fingerprint) within 2 s, and its manager serves that token.
 */
export async function expectForcedRefreshHeard(
  subscription: SseSubscription,
  listener: Replica,
  appId: string,
  renewed: StoredCredential,
): Promise<void> {
  const message = await subscription.next(2_000);
  expect(JSON.parse(message.data)).toEqual({
    data: {
      tokenEvents: {
        type: 'REFRESHED',
        reason: 'FORCED',
        fingerprint: tokenFingerprint(renewed.value),
      },
    },
  });
  // The stream spoke after the store's notification marked the local copy stale: the next read is Redis's.
  expect((await listener.manager.getToken(appId)).value).toBe(renewed.value);
}
