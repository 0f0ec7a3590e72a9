import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/logger.js';
import { connectTokenMetrics } from '../src/metrics/connect-metrics.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';
import { observeUpstreamCalls } from '../src/metrics/upstream-observer.js';
import { createGateway } from '../src/server.js';
import { TokenManager } from '../src/token/manager.js';
import { MemoryStore } from '../src/token/memory-store.js';
import { WeChatClient } from '../src/wechat/client.js';

/**
 * One gateway for the bench, in its own process so it has a core of its own and the load generator
 * does not share its event loop. BENCH_METRICS=on|off; WECHAT_* point it at the parent's sandbox.
 * Prints `{"url": …}` once ready, exits on SIGTERM.
 */

const metricsOn = process.env.BENCH_METRICS === 'on';
const config = loadConfig(process.env);
const metrics = metricsOn ? new GatewayMetrics() : undefined;
const client = new WeChatClient({
  baseUrls: config.wechat.baseUrls,
  onUpstreamCall: observeUpstreamCalls({ logger: silentLogger, ...(metrics ? { metrics } : {}) }),
});
const store = new MemoryStore();
const tokens = new TokenManager({
  apps: config.apps,
  store,
  api: client,
  ...(metrics
    ? { onCacheLookup: (appId: string, result: 'hit' | 'miss') => metrics.observeTokenLookup(appId, result) }
    : {}),
});
if (metrics) connectTokenMetrics(metrics, tokens, store);
const gateway = createGateway({ config, tokens, store, api: client, ...(metrics ? { metrics } : {}) });
for (const app of config.apps) await tokens.getToken(app.appId);
const url = await gateway.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ url })}\n`);

process.once('SIGTERM', () => {
  gateway
    .close()
    .then(() => client.close())
    .finally(() => process.exit(0));
});
