import {
  type ApiKeyConfig,
  assertDistinctKeys,
  assertKeysForConfiguredApps,
  assertKeysForConfiguredComponents,
  parseApiKeys,
} from '../auth/api-keys.js';
import { redact } from '../redact.js';
import { ONE_REDIS_FIX, type RedisEndpointOptions } from '../store/redis/endpoint.js';
import { type ComponentConfig, componentFromEnv } from './components.js';
import { ConfigError } from './config-error.js';
import { type AppsFile, loadApiKeysFile, loadTrustedDocuments, readAppsFile } from './files.js';
import type { DefaultContext, NodeEnv, Setting } from './setting.js';
import { SETTINGS, type SettingName, type SettingValues } from './settings.js';
import type { AppConfig, Config } from './types.js';
import { checkSettingNames, unknownSettingNote, unknownSettingWarning } from './unknown-settings.js';

/**
 * Configuration from the environment (docs/architecture.md, "Fixed contracts"), validated once at
 * start-up. A bad value throws a `ConfigError` whose one-line message names the variable, what was
 * wrong and how to fix it; it never echoes a secret.
 */

export interface LoadConfigOptions {
  /** The mode when NODE_ENV is unset: the built entry (`npm start`) passes production. @default 'development' */
  defaultNodeEnv?: NodeEnv;
}

function parse<T>(name: string, setting: Setting<T>, raw: string): T {
  const parsed = setting.schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // URLs may carry user:password@ even where the setting itself is not a secret.
  const masked = redact(raw.replace(/\/\/[^/@\s]*@/g, '//***@'));
  const shown = setting.secret ? '' : ` (got "${masked.length > 60 ? `${masked.slice(0, 60)}…` : masked}")`;
  throw new ConfigError(`${name} is invalid${shown}: ${parsed.error.issues[0]?.message}. ${setting.fix}`);
}

/** Every row of the settings table, in table order, so a default may use the rows above it. */
function readSettings(env: NodeJS.ProcessEnv, options: LoadConfigOptions = {}): SettingValues {
  const values: Record<string, unknown> = {};
  const context: DefaultContext = {
    defaultNodeEnv: options.defaultNodeEnv ?? 'development',
    nodeEnv: 'development',
    above: values,
  };
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting<unknown>][]) {
    const raw = env[name]?.trim();
    values[name] = raw
      ? parse(name, setting, raw)
      : typeof setting.default === 'function'
        ? (setting.default as (context: DefaultContext) => unknown)(context)
        : setting.default;
    if (name === 'NODE_ENV') context.nodeEnv = values[name] as NodeEnv;
  }
  return values as SettingValues;
}

function readApps(settings: SettingValues): AppsFile {
  const { WECHAT_APP_ID: appId, WECHAT_APP_SECRET: appSecret, WECHAT_APPS_FILE: appsFile } = settings;
  if (appsFile && (appId || appSecret)) {
    throw new ConfigError(
      'WECHAT_APPS_FILE and WECHAT_APP_ID/WECHAT_APP_SECRET are both set. Fix: use one of them.',
    );
  }
  if (Boolean(appId) !== Boolean(appSecret)) {
    const missing = appId ? 'WECHAT_APP_SECRET' : 'WECHAT_APP_ID';
    throw new ConfigError(`${missing} is missing. Fix: set WECHAT_APP_ID and WECHAT_APP_SECRET together.`);
  }
  const tokenMode = settings.WECHAT_TOKEN_MODE;
  if (appsFile) return readAppsFile(appsFile, tokenMode);
  if (!appId || !appSecret) return { apps: [], components: [] };
  const app: AppConfig = {
    kind: 'officialAccount',
    appId,
    appSecret,
    name: settings.WECHAT_APP_NAME ?? appId,
    tokenMode,
  };
  return { apps: [app], components: [] };
}

/**
 * The components of the WECHAT_COMPONENT_* settings (each already checked by the settings table) and
 * of the apps file; one component given twice is refused.
 */
function readComponents(s: SettingValues, fromFile: readonly ComponentConfig[]): ComponentConfig[] {
  const fromEnv = componentFromEnv(s);
  const components = [...(fromEnv ? [fromEnv] : []), ...fromFile];
  const seen = new Set<string>();
  for (const component of components) {
    if (seen.has(component.appId)) {
      throw new ConfigError(
        `Component ${component.appId} is configured twice (WECHAT_COMPONENT_APP_ID and a "kind": "component" entry of WECHAT_APPS_FILE). Fix: keep one of them.`,
      );
    }
    seen.add(component.appId);
  }
  return components;
}

/** Keys limited to apps (components) are checked against the configured ones; without any, the sandbox decides. */
function readApiKeys(
  settings: SettingValues,
  apps: AppConfig[],
  components: readonly ComponentConfig[],
): ApiKeyConfig[] {
  const { GATEWAY_API_KEYS: text, GATEWAY_API_KEYS_FILE: file } = settings;
  const fromText = text ? parseApiKeys(text) : [];
  const fromFile = file ? loadApiKeysFile(file) : [];
  if (apps.length > 0 || components.length > 0) {
    const componentAppIds = components.map((c) => c.appId);
    assertKeysForConfiguredComponents(fromText, componentAppIds, (i) => `GATEWAY_API_KEYS entry ${i + 1}`);
    assertKeysForConfiguredComponents(
      fromFile,
      componentAppIds,
      (i) => `GATEWAY_API_KEYS_FILE "${file}" entry ${i + 1}`,
    );
  }
  if (apps.length > 0) {
    const configured = apps.map((app) => app.appId);
    assertKeysForConfiguredApps(fromText, configured, (i) => `GATEWAY_API_KEYS entry ${i + 1}`);
    assertKeysForConfiguredApps(
      fromFile,
      configured,
      (i) => `GATEWAY_API_KEYS_FILE "${file}" entry ${i + 1}`,
    );
  }
  const keys = [...fromText, ...fromFile];
  assertDistinctKeys(keys);
  return keys;
}

/** One Redis deployment: REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES (docs/scaling.md). */
function readRedisEndpoint(s: SettingValues): RedisEndpointOptions | undefined {
  const { REDIS_URL: url, REDIS_SENTINELS: sentinels, REDIS_CLUSTER_NODES: clusterNodes } = s;
  const { REDIS_SENTINEL_MASTER: sentinelMaster, REDIS_SENTINEL_PASSWORD: sentinelPassword } = s;
  const { REDIS_USERNAME: username, REDIS_PASSWORD: password, REDIS_TLS: tls } = s;
  const given = [url && 'REDIS_URL', sentinels && 'REDIS_SENTINELS', clusterNodes && 'REDIS_CLUSTER_NODES'];
  const named = given.filter(Boolean);
  if (named.length > 1) throw new ConfigError(`${named.join(' and ')} are all set. Fix: ${ONE_REDIS_FIX}`);
  if (!sentinels && (sentinelMaster || sentinelPassword)) {
    throw new ConfigError(
      'REDIS_SENTINEL_MASTER and REDIS_SENTINEL_PASSWORD only apply with REDIS_SENTINELS. Fix: set REDIS_SENTINELS=host:port,… or unset them.',
    );
  }
  if (sentinels && !sentinelMaster) {
    throw new ConfigError(
      'REDIS_SENTINELS needs REDIS_SENTINEL_MASTER. Fix: the name in the sentinels\' "sentinel monitor" line, e.g. REDIS_SENTINEL_MASTER=mymaster.',
    );
  }
  if (url && tls !== undefined) {
    throw new ConfigError(
      'REDIS_TLS applies to REDIS_SENTINELS and REDIS_CLUSTER_NODES. Fix: with REDIS_URL, write rediss:// for TLS and unset REDIS_TLS.',
    );
  }
  if (named.length === 0) {
    if (username || password || tls !== undefined) {
      throw new ConfigError(
        `REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS need a Redis. Fix: ${ONE_REDIS_FIX}`,
      );
    }
    return undefined;
  }
  return { url, sentinels, sentinelMaster, sentinelPassword, clusterNodes, username, password, tls };
}

/**
 * The configuration of `env`, with a warning for each variable that looks like a setting but is none
 * (unknown-settings.ts). Any other refusal names those variables too: a misspelled `WECHAT_APP_ID` is
 * what makes "WECHAT_APP_ID is missing".
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const s = readSettings(env, options);
  const production = s.NODE_ENV === 'production';
  const unknown = checkSettingNames(env, { production, allowUnknown: s.GATEWAY_ALLOW_UNKNOWN_SETTINGS });
  try {
    return { ...fromSettings(s, production), warnings: unknown.map(unknownSettingWarning) };
  } catch (error) {
    if (!(error instanceof ConfigError) || unknown.length === 0) throw error;
    throw new ConfigError([error.message, ...unknown.map(unknownSettingNote)].join(' '));
  }
}

function fromSettings(s: SettingValues, production: boolean): Omit<Config, 'warnings'> {
  const { apps, components: fromFile } = readApps(s);
  const components = readComponents(s, fromFile);
  if (production && apps.length === 0) {
    throw new ConfigError(
      'No WeChat app is configured. Fix: set WECHAT_APP_ID and WECHAT_APP_SECRET, or WECHAT_APPS_FILE (the embedded sandbox is for development only).',
    );
  }
  const apiKeys = readApiKeys(s, apps, components);
  if (production && apiKeys.length === 0 && !s.GATEWAY_ALLOW_ANONYMOUS) {
    throw new ConfigError(
      'GATEWAY_API_KEYS is required in production. Fix: set GATEWAY_API_KEYS (or GATEWAY_API_KEYS_FILE; `npm run keygen` prints a key), or GATEWAY_ALLOW_ANONYMOUS=true to run an open gateway on purpose.',
    );
  }
  const trustedDocumentsPath = s.GATEWAY_TRUSTED_DOCUMENTS;
  return {
    nodeEnv: s.NODE_ENV,
    port: s.PORT,
    host: s.HOST,
    apps,
    components,
    componentPush: { maxAgeSeconds: s.OPEN_PLATFORM_PUSH_MAX_AGE_SECONDS },
    componentRenewal: {
      renewIfUsedWithinHours: s.OPEN_PLATFORM_RENEW_IF_USED_WITHIN_HOURS,
      maxConcurrentCalls: s.OPEN_PLATFORM_MAX_CONCURRENT_CALLS,
    },
    appsFile: s.WECHAT_APPS_FILE,
    wechat: {
      baseUrls: s.WECHAT_API_BASE,
      wecomBaseUrls: s.WECOM_API_BASE,
      tokenMode: s.WECHAT_TOKEN_MODE,
      timeoutMs: s.WECHAT_TIMEOUT_MS,
    },
    redis: {
      endpoint: readRedisEndpoint(s),
      keyPrefix: s.REDIS_KEY_PREFIX,
      localAuthorizerCacheSize: s.OPEN_PLATFORM_LOCAL_CACHE_SIZE,
    },
    token: {
      refreshMarginSeconds: s.TOKEN_REFRESH_MARGIN_SECONDS,
      forceRefreshCooldownSeconds: s.FORCE_REFRESH_COOLDOWN_SECONDS,
      negativeCacheSeconds: s.TOKEN_NEGATIVE_CACHE_SECONDS,
      clearQuotaCooldownSeconds: s.CLEAR_QUOTA_COOLDOWN_SECONDS,
    },
    graphql: {
      graphiql: s.GRAPHIQL,
      introspection: s.GRAPHQL_INTROSPECTION,
      maxBodyBytes: s.MAX_BODY_BYTES,
      callbackIpsTtlSeconds: s.CALLBACK_IPS_TTL_SECONDS,
      trustedDocumentsPath,
      trustedDocuments: trustedDocumentsPath ? loadTrustedDocuments(trustedDocumentsPath) : undefined,
    },
    auth: { apiKeys, allowAnonymous: s.GATEWAY_ALLOW_ANONYMOUS },
    cors: { origins: s.GATEWAY_CORS_ORIGINS },
    allowedHosts: s.GATEWAY_ALLOWED_HOSTS,
    limits: {
      rate: {
        requestsPerSecond: s.RATE_LIMIT_REQUESTS_PER_SECOND,
        requestBurst: s.RATE_LIMIT_REQUEST_BURST,
        refreshPerKeyPerMinute: s.REFRESH_LIMIT_PER_KEY_PER_MINUTE,
        refreshPerAppPerMinute: s.REFRESH_LIMIT_PER_APP_PER_MINUTE,
      },
      query: {
        maxDepth: s.GRAPHQL_MAX_DEPTH,
        maxAliases: s.GRAPHQL_MAX_ALIASES,
        maxDirectives: s.GRAPHQL_MAX_DIRECTIVES,
        maxTokens: s.GRAPHQL_MAX_TOKENS,
        maxCost: s.GRAPHQL_MAX_COST,
      },
      requireContentLength: s.REQUIRE_CONTENT_LENGTH,
      streams: { maxStreams: s.GATEWAY_MAX_STREAMS, maxPerCaller: s.GATEWAY_MAX_STREAMS_PER_CALLER },
    },
    logLevel: s.LOG_LEVEL,
    statusPage: s.STATUS_PAGE,
    shutdownTimeoutMs: s.SHUTDOWN_TIMEOUT_MS,
  };
}
