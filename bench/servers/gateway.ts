import { loadConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/credentials/token-manager.js';
import { createLogger } from '../../src/logger.js';
import { connectTokenMetrics } from '../../src/metrics/connect-metrics.js';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import { observeUpstreamCalls } from '../../src/metrics/upstream-observer.js';
import { createGateway } from '../../src/server.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { Stores } from '../../src/store/ports.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { announce } from './shape.js';

/**
 * The gateway as src/main.ts wires it (config from the environment, so NODE_ENV=production, keys and
 * limits apply; Redis when REDIS_URL is set; logs at LOG_LEVEL), minus signals and reloads.
 * BENCH_METRICS=off leaves metrics out (the metrics-overhead scenario); BENCH_COLD=1 neither fetches
 * tokens up front nor renews them in the background, so the first requests find no token.
 */

const config = loadConfig(process.env);
const logger = createLogger({ level: config.logLevel, pretty: false });
const metrics = process.env.BENCH_METRICS === 'off' ? undefined : new GatewayMetrics();
const cold = process.env.BENCH_COLD === '1';
const client = new WeChatClient({
  baseUrls: config.wechat.baseUrls,
  timeoutMs: config.wechat.timeoutMs,
  onUpstreamCall: observeUpstreamCalls({ logger, ...(metrics ? { metrics } : {}) }),
});
const store: Stores = config.redis.endpoint
  ? await RedisStores.connect({
      ...config.redis.endpoint,
      keyPrefix: config.redis.keyPrefix,
      appIds: config.apps.map((app) => app.appId),
      logger,
    })
  : new MemoryStores();
const tokens = new TokenManager({
  apps: config.apps,
  stores: store,
  api: client,
  logger,
  ...(metrics
    ? { onCacheLookup: (appId: string, result: 'hit' | 'miss') => metrics.observeTokenLookup(appId, result) }
    : {}),
  refreshMarginSeconds: config.token.refreshMarginSeconds,
  forceRefreshCooldownSeconds: config.token.forceRefreshCooldownSeconds,
  negativeCacheSeconds: config.token.negativeCacheSeconds,
});
if (metrics) connectTokenMetrics(metrics, tokens, store);
if (!cold) {
  tokens.start();
  for (const app of config.apps) await tokens.getToken(app.appId);
}
const gateway = createGateway({
  config,
  tokens,
  store,
  api: client,
  logger,
  ...(metrics ? { metrics } : {}),
});
announce(await gateway.listen(0, '127.0.0.1'));

process.once('SIGTERM', () => {
  gateway
    .close()
    .then(() => tokens.stop())
    .then(() => Promise.all([client.close(), store.close()]))
    .finally(() => process.exit(0));
});
