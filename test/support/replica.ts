import type { AppConfig } from '../../src/config/index.js';
import type { TokenManagerOptions } from '../../src/credentials/options.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import type { RedisEndpointOptions } from '../../src/store/redis/endpoint.js';
import { RedisStores, type RedisStoresOptions } from '../../src/store/redis/redis-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';

/**
 * One gateway replica as production wires it, minus the GraphQL layer: its own Redis connections
 * (`RedisStores`), its own HTTP connection pool to WeChat (a `WeChatClient`) and its own `TokenManager`.
 * Used in the test process and by `replica-child.ts`, so a replica in another process is built the same way.
 */
export interface ReplicaSpec {
  /** One Redis node; or give `endpoint` (Sentinel, Cluster). */
  redisUrl?: string;
  endpoint?: RedisEndpointOptions;
  keyPrefix: string;
  sandboxUrl: string;
  apps: AppConfig[];
  /** Per-attempt WeChat client timeout. @default 1000 */
  clientTimeoutMs?: number;
  store?: Omit<RedisStoresOptions, keyof RedisEndpointOptions | 'keyPrefix'>;
  /** Lock and retry settings; the defaults suit tests (short, consistent with the client timeout). */
  manager?: Partial<Omit<TokenManagerOptions, 'apps' | 'stores' | 'api'>>;
}

export interface Replica {
  store: RedisStores;
  client: WeChatClient;
  manager: TokenManager;
  /** Stops background refresh, then closes the client and the Redis connections. */
  close(): Promise<void>;
}

export async function startReplica(spec: ReplicaSpec): Promise<Replica> {
  const clientTimeoutMs = spec.clientTimeoutMs ?? 1_000;
  const store = await RedisStores.connect({
    ...(spec.endpoint ?? { url: spec.redisUrl }),
    keyPrefix: spec.keyPrefix,
    appIds: spec.apps.map((app) => app.appId),
    ...spec.store,
  });
  const client = new WeChatClient({ baseUrls: [spec.sandboxUrl], timeoutMs: clientTimeoutMs });
  const manager = new TokenManager({
    apps: spec.apps,
    stores: store,
    api: client,
    busyRetries: 1,
    busyBackoffBaseMs: 5,
    busyBackoffTotalMs: 50,
    backgroundRefresh: false,
    ...spec.manager,
  });
  return {
    store,
    client,
    manager,
    async close() {
      await manager.stop();
      await client.close();
      await store.close();
    },
  };
}
