import { type AppConfig, type Config, ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { createGateway } from './server.js';
import { TokenManager } from './token/manager.js';
import { MemoryStore } from './token/memory-store.js';
import { RedisStore } from './token/redis-store.js';
import type { TokenStore } from './token/store.js';
import { WeChatClient } from './wechat/client.js';
import { DEMO_APP } from './wechat/sandbox/demo-app.js';
import { createSandbox, type Sandbox } from './wechat/sandbox/server.js';

/**
 * `npm run dev` / `npm start`: config → (sandbox in development without apps) → WeChat client → store
 * → token manager → gateway. Closes in reverse order on SIGINT/SIGTERM.
 */

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}

interface Upstream {
  apps: AppConfig[];
  baseUrls: string[];
  sandbox?: Sandbox;
}

/** Without configured apps (never in production: loadConfig refuses that), run the embedded sandbox. */
async function chooseUpstream(config: Config, logger: Logger): Promise<Upstream> {
  if (config.apps.length > 0) return { apps: config.apps, baseUrls: config.wechat.baseUrls };
  const sandbox = await createSandbox({ apps: [DEMO_APP] });
  logger.warn(
    { sandbox: sandbox.url, appId: DEMO_APP.appId },
    `No WeChat app configured: using the embedded sandbox at ${sandbox.url} with the demo app ${DEMO_APP.appId} (docs/sandbox.md). Set WECHAT_APP_ID and WECHAT_APP_SECRET to use real WeChat.`,
  );
  return {
    apps: [{ ...DEMO_APP, tokenMode: config.wechat.tokenMode }],
    baseUrls: [sandbox.url],
    sandbox,
  };
}

function createStore(config: Config, logger: Logger): TokenStore {
  if (!config.redis.url) return new MemoryStore();
  return new RedisStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger });
}

/** Busy (-1) retries per upstream call and their total backoff: the manager's defaults, named here to size the lock. */
const BUSY_RETRIES = 3;
const BUSY_BACKOFF_TOTAL_MS = 5000;

/**
 * The fetch lock must outlive one fetch with all its busy retries (the manager refuses anything
 * shorter), so a long WECHAT_TIMEOUT_MS lengthens it instead of stopping the process. @default 60000
 */
function lockTtlMs(upstreamTimeoutMs: number): number {
  return Math.max(60_000, upstreamTimeoutMs * (BUSY_RETRIES + 1) + BUSY_BACKOFF_TOTAL_MS + 10_000);
}

const config = readConfig();
const logger = createLogger({
  level: config.logLevel,
  pretty: config.nodeEnv !== 'production' && process.stdout.isTTY,
});
const upstream = await chooseUpstream(config, logger);
const client = new WeChatClient({ baseUrls: upstream.baseUrls, timeoutMs: config.wechat.timeoutMs });
const store = createStore(config, logger);
// The client tries each base URL in turn, each with the full per-attempt budget.
const upstreamTimeoutMs = config.wechat.timeoutMs * upstream.baseUrls.length;
const manager = new TokenManager({
  apps: upstream.apps,
  store,
  api: client,
  logger,
  refreshMarginSeconds: config.token.refreshMarginSeconds,
  forceRefreshCooldownSeconds: config.token.forceRefreshCooldownSeconds,
  negativeCacheSeconds: config.token.negativeCacheSeconds,
  upstreamTimeoutMs,
  busyRetries: BUSY_RETRIES,
  busyBackoffTotalMs: BUSY_BACKOFF_TOTAL_MS,
  lockTtlMs: lockTtlMs(upstreamTimeoutMs),
});
manager.start();
const gateway = createGateway({
  config: { ...config, apps: upstream.apps },
  tokens: manager,
  store,
  api: client,
  logger,
});
const url = await gateway.listen(config.port, config.host);
logger.info(
  { url, apps: upstream.apps.length, store: store.kind },
  `wxtoken-gateway listening on ${url} (${upstream.apps.length} app(s), ${store.kind} store)`,
);
if (config.graphql.graphiql) logger.info(`GraphiQL: ${url}`);

/** Stop taking requests first, then the refresher, the store, the client and the sandbox. */
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  logger.info(`${signal}: shutting down`);
  const deadline = setTimeout(() => {
    logger.error(`shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting anyway`);
    process.exit(1);
  }, config.shutdownTimeoutMs);
  deadline.unref();
  await gateway.close();
  await manager.stop();
  await store.close();
  await client.close();
  await upstream.sandbox?.close();
  clearTimeout(deadline);
  logger.info('stopped');
  logger.flush();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shutdown(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
