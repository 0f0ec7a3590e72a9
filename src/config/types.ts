import type { ApiKeyConfig } from '../auth/api-keys.js';
import type { Authority } from '../net/authority.js';
import type { RedisEndpointOptions } from '../store/redis/endpoint.js';
import type { ComponentConfig } from './components.js';
import type { LOG_LEVELS, NodeEnv } from './setting.js';

/** The gateway's configuration, as `loadConfig` builds it from the settings table (settings.ts). */

export type TokenMode = 'stable' | 'classic';

/**
 * What an app is: an Official Account, a Mini Program (the same token endpoints, no JS-SDK) or a WeCom
 * app (qyapi: a token per (corp, secret), a corp and an agent ticket).
 */
export type AppKind = 'officialAccount' | 'miniProgram' | 'wecom';

/** A WeCom app's parts; its `appId` is `<corpId>/<agentId>` or `<corpId>/<secretName>`. */
export interface WeComAppConfig {
  corpId: string;
  /** The self-built app's AgentId (digits). */
  agentId?: string;
  /** A special secret's name (contacts sync, customer contact, …): no agent, so no agent ticket. */
  secretName?: string;
}

export interface AppConfig {
  /** @default 'officialAccount' */
  kind?: AppKind;
  /** A WeChat AppID, or a WeCom app's `<corpId>/<agentId|secretName>`. */
  appId: string;
  /** The AppSecret, or a WeCom app's corpSecret. */
  appSecret: string;
  name: string;
  tokenMode: TokenMode;
  /**
   * Hosts (and their subdomains) whose pages `jsSdkConfig` signs, on the scheme's default port, or
   * `host:port` for pages on that port (src/jssdk/page-url.ts); absent: any host and port.
   */
  jsSdkDomains?: string[];
  /** `jsSdkConfig` signs only `https://` pages. @default false */
  jsSdkHttpsOnly?: boolean;
  /** Present exactly when `kind` is `wecom`. */
  wecom?: WeComAppConfig;
}

/** An app's kind (`officialAccount` when unset). */
export function appKindOf(app: Pick<AppConfig, 'kind'>): AppKind {
  return app.kind ?? 'officialAccount';
}

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Configured apps; empty in development means "start the embedded sandbox". */
  apps: AppConfig[];
  /** Open Platform third-party platforms (components) the gateway acts for. */
  components: ComponentConfig[];
  /** WeChat's pushes to the components' authorization event URLs. */
  componentPush: { maxAgeSeconds: number };
  /**
   * Which authorizer tokens are renewed ahead of expiry (the others on their next use), and how many
   * upstream calls per component run at once.
   */
  componentRenewal: { renewIfUsedWithinHours: number; maxConcurrentCalls: number };
  /** WECHAT_APPS_FILE, when the apps came from it: SIGHUP reads it again. */
  appsFile: string | undefined;
  wechat: {
    baseUrls: string[];
    /** WECOM_API_BASE: qyapi base URLs, tried in order like `baseUrls`. */
    wecomBaseUrls: string[];
    tokenMode: TokenMode;
    /** Total time budget of one upstream attempt. */
    timeoutMs: number;
  };
  /** Where Redis is (exactly one of url, sentinels, clusterNodes), or undefined for the in-memory store. */
  /** `localAuthorizerCacheSize`: OPEN_PLATFORM_LOCAL_CACHE_SIZE (RedisStoresOptions). */
  redis: { endpoint: RedisEndpointOptions | undefined; keyPrefix: string; localAuthorizerCacheSize: number };
  token: {
    /** Refresh this long before expiry. */
    refreshMarginSeconds: number;
    /** Minimum gap between two forced refreshes of one app. */
    forceRefreshCooldownSeconds: number;
    /** How long a configuration error is remembered before WeChat is asked again. */
    negativeCacheSeconds: number;
    /** Minimum gap between two clear_quota calls of one app, shared by replicas. */
    clearQuotaCooldownSeconds: number;
  };
  graphql: {
    graphiql: boolean;
    introspection: boolean;
    /** Request bodies over this size get 413. */
    maxBodyBytes: number;
    /** How long callback IPs are cached. */
    callbackIpsTtlSeconds: number;
    trustedDocumentsPath: string | undefined;
    /** The manifest at `trustedDocumentsPath` (document id → document text), read at start-up. */
    trustedDocuments: ReadonlyMap<string, string> | undefined;
  };
  auth: { apiKeys: ApiKeyConfig[]; allowAnonymous: boolean };
  /** Origins whose pages may call the gateway across origins; empty: no CORS at all. */
  cors: { origins: string[] };
  /** The hosts a request's `Host` may name (GATEWAY_ALLOWED_HOSTS); empty: any. */
  allowedHosts: Authority[];
  limits: {
    rate: RateLimitConfig;
    query: QueryLimitConfig;
    /** POST requests without Content-Length get 411. */
    requireContentLength: boolean;
    /** Caps on long-lived streams (subscriptions, /status/events). */
    streams: StreamLimitConfig;
  };
  /** Serve the HTML status page at /status. @default true, false in production */
  statusPage: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** One line each, for main.ts to log once at start: variables that look like settings but are none. */
  warnings: readonly string[];
}

/** Token buckets (src/limits): a budget refills at a steady rate up to its burst. 0 disables a limit. */
export interface RateLimitConfig {
  /** Requests each API key (or the anonymous caller) may make per second, sustained. */
  requestsPerSecond: number;
  /** Requests a key may make at once after being idle. */
  requestBurst: number;
  /** `refreshToken` calls each API key may make per minute (also its burst). */
  refreshPerKeyPerMinute: number;
  /** `refreshToken` calls per app per minute, all keys together (also its burst). */
  refreshPerAppPerMinute: number;
}

/** Caps on long-lived streams (src/limits/stream-slots.ts), counted per replica. */
export interface StreamLimitConfig {
  /** Streams open at once on this replica, every kind and caller together. */
  maxStreams: number;
  /** Streams open at once for one API key, or for one client address where there is no key. */
  maxPerCaller: number;
}

/** graphql-armor limits (src/limits/query-limits.ts); a document over any of them is not executed. */
export interface QueryLimitConfig {
  /** Deepest field nesting. */
  maxDepth: number;
  /** Aliases in one document. */
  maxAliases: number;
  /** Directives in one document. */
  maxDirectives: number;
  /** Lexical tokens in one document. */
  maxTokens: number;
  /** graphql-armor's cost estimate (objects 2, scalars 1, depth multiplies). */
  maxCost: number;
}
