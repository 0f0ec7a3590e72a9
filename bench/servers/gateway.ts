import { buildGateway } from '../../src/build-gateway.js';
import { loadConfig } from '../../src/config/index.js';
import { announce } from './shape.js';

/**
 * The gateway as src/main.ts builds it (src/build-gateway.ts: config from the environment, so
 * NODE_ENV=production, keys and limits apply; Redis when REDIS_URL is set; logs at LOG_LEVEL), minus
 * signals and reloads. BENCH_METRICS=off leaves metrics out (the metrics-overhead scenario); BENCH_COLD=1 neither fetches tokens up front nor renews them in the background,
 * so the first requests find no token.
 */

const config = loadConfig(process.env);
const cold = process.env.BENCH_COLD === '1';
const built = await buildGateway(config, {
  metrics: process.env.BENCH_METRICS !== 'off',
  ...(cold ? { engine: { backgroundRefresh: false } } : {}),
});
if (!cold) {
  built.start();
  for (const app of config.apps) await built.manager.getToken(app.appId);
}
announce(await built.gateway.listen(0, '127.0.0.1'));

process.once('SIGTERM', () => {
  built.close().finally(() => process.exit(0));
});
