import type { DestinationStream } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config/index.js';
import { configuredSecrets } from './config/index.js';
import { ComponentManager } from './credentials/component-manager.js';
import type { TokenManagerOptions } from './credentials/options.js';
import { TokenManager } from './credentials/token-manager.js';
import { logStoreHealthChanges } from './lifecycle/store-health-log.js';
import { SwappableTokenService } from './lifecycle/swappable-token-service.js';
import type { BucketStore } from './limits/bucket-store.js';
import { MemoryBucketStore } from './limits/memory-bucket-store.js';
import { ReservingBucketStore } from './limits/reserving-bucket-store.js';
import { createLogger, type Logger } from './logger.js';
import { connectTokenMetrics } from './metrics/connect-metrics.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { observeUpstreamCalls } from './metrics/upstream-observer.js';
import { errorText, Redactor } from './redact.js';
import { createGateway, type Gateway, type GatewayDeps, type HttpTimeouts } from './server.js';
import { MemoryStores } from './store/memory/memory-stores.js';
import type { Stores } from './store/ports.js';
import { RedisBucketStore } from './store/redis/redis-bucket-store.js';
import { RedisStores } from './store/redis/redis-stores.js';
import { WeChatClient } from './wechat/client.js';
import { ComponentApi } from './wechat/component-api.js';

/** What a caller of `buildGateway` may put in place of what the configuration says; nothing else. */
export interface GatewayOverrides {
  /** The clock of the credential engine and the gateway's caches. @default the system clock */
  clock?: Clock;
  /**
   * Where WeChat answers (a sandbox in development and tests), and what an omitted `appId` means.
   * @default `config.wechat.baseUrls` and `wecomBaseUrls`; no default app beyond the only one
   */
  upstream?: {
    baseUrls: readonly string[];
    wecomBaseUrls?: readonly string[];
    defaultAppId?: string;
    /** WeChat calls of GraphQL fields replaced (tests of a failing collaborator). @default the client's */
    api?: (client: WeChatClient) => Partial<GatewayDeps['api']>;
  };
  /** The shared state. @default Redis when `config.redis.endpoint` is set (waited for), else memory */
  store?: Stores;
  /** @default a logger at `config.logLevel`, redacting with the gateway's redactor (pretty on a terminal outside production) */
  logger?: Logger;
  /**
   * Where that default logger writes its lines, through the gateway's own redactor (tests read them as
   * production writes them). Ignored when `logger` is given. @default stdout
   */
  logDestination?: DestinationStream;
  /** The rate-limit budgets (a test's failing collaborator). @default `budgetStore(config)`: Redis's when configured, else memory */
  buckets?: BucketStore;
  /** The credential engine's tuning beyond the settings (tests shorten backoffs and windows). @default none */
  engine?: Partial<TokenManagerOptions>;
  /** The upstream call timeout. @default `config.wechat.timeoutMs` */
  upstreamTimeoutMs?: number;
  /** Metrics and `/metrics`; false leaves them out (the bench measures what they cost). @default true */
  metrics?: boolean;
  /** Bounds on how slowly a client may send a request. @default HTTP_TIMEOUTS (src/server.ts) */
  httpTimeouts?: HttpTimeouts;
}

/** The gateway and every part it was built from, each closed by `close()`. */
export interface BuiltGateway {
  gateway: Gateway;
  /** The apps' token manager in force now (`tokens` swaps in another on a reload). */
  manager: TokenManager;
  tokens: SwappableTokenService<TokenManager>;
  components: ComponentManager | undefined;
  store: Stores;
  client: WeChatClient;
  metrics: GatewayMetrics | undefined;
  logger: Logger;
  redactor: Redactor;
  /** A token manager for another apps list over the same store and client (SIGHUP reload). */
  createManager(apps: Config['apps']): TokenManager;
  /** Starts background renewals (the engine's and the components'); a gateway answers without it. */
  start(): void;
  /** Closes everything in order: the gateway (draining), the engines, the store, the client. */
  close(): Promise<void>;
}

/**
 * Waits for Redis before anything asks the store, so the first fetches of every replica take the shared
 * lock. A Redis that does not answer within its connect timeout does not stop the gateway: it starts
 * degraded (docs/scaling.md) and recovers when Redis does.
 */
async function connectStore(config: Config, logger: Logger): Promise<Stores> {
  const { endpoint, keyPrefix, localAuthorizerCacheSize } = config.redis;
  if (!endpoint) return new MemoryStores({ logger });
  const store = new RedisStores({
    ...endpoint,
    keyPrefix,
    localAuthorizerCacheSize,
    appIds: config.apps.map((app) => app.appId),
    componentAppIds: config.components.map((component) => component.appId),
    logger,
  });
  await store.ready().catch((error: unknown) => {
    logger.warn(
      { redis: store.where },
      `Redis is not answering: ${errorText(error)} Starting degraded until it does (docs/scaling.md).`,
    );
  });
  return store;
}

/**
 * Rate-limit budgets shared by every replica through Redis when there is one, reserved in shares so a
 * request costs no Redis round trip (reserving-bucket-store.ts has the error bound); else in memory.
 */
export function budgetStore(config: Pick<Config, 'redis'>, logger: Logger): BucketStore {
  if (!config.redis.endpoint) return new MemoryBucketStore();
  return new ReservingBucketStore({
    shared: new RedisBucketStore({ ...config.redis.endpoint, keyPrefix: config.redis.keyPrefix, logger }),
  });
}

/** The client's calls as plain functions, some replaced. */
function clientCalls(client: WeChatClient, replaced: Partial<GatewayDeps['api']>): GatewayDeps['api'] {
  return {
    getCallbackIp: (token, platform) => client.getCallbackIp(token, platform),
    getApiDomainIp: (token, platform) => client.getApiDomainIp(token, platform),
    getApiQuota: (token, cgiPath) => client.getApiQuota(token, cgiPath),
    clearQuota: (token, appId) => client.clearQuota(token, appId),
    getRequestByRid: (token, rid) => client.getRequestByRid(token, rid),
    getTicket: (token, type) => client.getTicket(token, type),
    checkCallbackNetwork: (token, action, operator) => client.checkCallbackNetwork(token, action, operator),
    ...replaced,
  };
}

/**
 * The one composition root: config → redaction, logger, metrics → WeChat client → store → credential
 * engines (apps, Open Platform components) → gateway (the request pipeline and Yoga). `src/main.ts`,
 * the bench and every test build the gateway here; what differs is only what `overrides` names.
 */
export async function buildGateway(config: Config, overrides: GatewayOverrides = {}): Promise<BuiltGateway> {
  const redactor = new Redactor({ secrets: configuredSecrets(config) });
  const logger =
    overrides.logger ??
    createLogger({
      redactor,
      level: config.logLevel,
      ...(overrides.logDestination
        ? { destination: overrides.logDestination }
        : { pretty: config.nodeEnv !== 'production' && process.stdout.isTTY }),
    });
  const metrics = overrides.metrics === false ? undefined : new GatewayMetrics();
  const client = new WeChatClient({
    baseUrls: overrides.upstream?.baseUrls ?? config.wechat.baseUrls,
    wecomBaseUrls:
      overrides.upstream?.wecomBaseUrls ?? overrides.upstream?.baseUrls ?? config.wechat.wecomBaseUrls,
    timeoutMs: overrides.upstreamTimeoutMs ?? config.wechat.timeoutMs,
    onUpstreamCall: observeUpstreamCalls({ logger, ...(metrics && { metrics }) }),
    redactor,
  });
  const store = overrides.store ?? (await connectStore(config, logger));
  const stopHealthLog = logStoreHealthChanges(store, logger);
  const { clock } = overrides;
  const components =
    config.components.length > 0
      ? new ComponentManager({
          components: config.components,
          stores: store,
          api: new ComponentApi(client, redactor),
          frontend: client,
          logger,
          redactor,
          refreshMarginSeconds: config.token.refreshMarginSeconds,
          negativeCacheSeconds: config.token.negativeCacheSeconds,
          renewIfUsedWithinHours: config.componentRenewal.renewIfUsedWithinHours,
          maxConcurrentCalls: config.componentRenewal.maxConcurrentCalls,
          ...(clock && { clock }),
        })
      : undefined;
  const defaultAppId = overrides.upstream?.defaultAppId;
  const createManager = (apps: Config['apps']) =>
    new TokenManager({
      apps,
      ...(defaultAppId && { defaultAppId }),
      stores: store,
      api: client,
      logger,
      redactor,
      ...(metrics && {
        onCacheLookup: (appId: string, result: 'hit' | 'miss') => metrics.observeTokenLookup(appId, result),
      }),
      ...(components && { authorizers: components }),
      refreshMarginSeconds: config.token.refreshMarginSeconds,
      forceRefreshCooldownSeconds: config.token.forceRefreshCooldownSeconds,
      negativeCacheSeconds: config.token.negativeCacheSeconds,
      ...(clock && { clock }),
      ...overrides.engine,
    });
  const manager = createManager(config.apps);
  const tokens = new SwappableTokenService<TokenManager>(manager);
  if (metrics) connectTokenMetrics(metrics, tokens, store);
  if (metrics && components) metrics.readComponentsFrom(components);
  const buckets = overrides.buckets ?? budgetStore(config, logger);
  const deps: GatewayDeps = {
    config,
    tokens,
    ...(components && { components }),
    store,
    api: overrides.upstream?.api ? clientCalls(client, overrides.upstream.api(client)) : client,
    logger,
    redactor,
    ...(metrics && { metrics }),
    buckets,
    ...(clock && { clock }),
    ...(overrides.httpTimeouts && { httpTimeouts: overrides.httpTimeouts }),
  };
  const gateway = createGateway(deps);
  return {
    gateway,
    get manager() {
      return tokens.current;
    },
    tokens,
    components,
    store,
    client,
    metrics,
    logger,
    redactor,
    createManager,
    start() {
      tokens.current.start();
      components?.start();
    },
    async close() {
      await gateway.close();
      await tokens.current.stop();
      await components?.stop();
      await buckets.close();
      stopHealthLog();
      if (!overrides.store) await store.close();
      await client.close();
    },
  };
}
