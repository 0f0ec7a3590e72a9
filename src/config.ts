import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { sha256 } from './auth/api-key-ring.js';
import { redact } from './redact.js';

/**
 * Configuration from the environment (DESIGN.md, "Runtime contract"), validated once at start-up.
 * A bad value throws a `ConfigError` whose one-line message names the variable, what was wrong and
 * how to fix it; it never echoes a secret.
 */

export type TokenMode = 'stable' | 'classic';
export type Scope = 'token:read' | 'token:refresh' | 'wechat:read' | 'wechat:admin';
export const SCOPES: readonly Scope[] = ['token:read', 'token:refresh', 'wechat:read', 'wechat:admin'];

export interface AppConfig {
  appId: string;
  appSecret: string;
  name: string;
  tokenMode: TokenMode;
}

export interface ApiKeyConfig {
  /** The key itself, or (from GATEWAY_API_KEYS_FILE) only its SHA-256 hex digest. */
  key?: string;
  sha256?: string;
  scopes: Scope[];
  /** When set, the key may only act on these apps. */
  appIds?: string[];
  name?: string;
}

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  /** Configured apps; empty in development means "start the embedded sandbox". */
  apps: AppConfig[];
  wechat: {
    baseUrls: string[];
    tokenMode: TokenMode;
    /** Total time budget of one upstream call. @default 5000 */
    timeoutMs: number;
  };
  redis: { url: string | undefined; keyPrefix: string };
  token: {
    /** Refresh this long before expiry. @default 300 */
    refreshMarginSeconds: number;
    /** Minimum gap between two forced refreshes of one app. @default 60 */
    forceRefreshCooldownSeconds: number;
    /** How long a configuration error is remembered before WeChat is asked again. @default 10 */
    negativeCacheSeconds: number;
    /** Minimum gap between two clear_quota calls of one app, shared by replicas. @default 3600 */
    clearQuotaCooldownSeconds: number;
  };
  graphql: {
    graphiql: boolean;
    introspection: boolean;
    /** Request bodies over this size get 413. @default 65536 */
    maxBodyBytes: number;
    /** How long callback IPs are cached. @default 60 */
    callbackIpsTtlSeconds: number;
    trustedDocumentsPath: string | undefined;
    /** The manifest at `trustedDocumentsPath` (document id → document text), read at start-up. */
    trustedDocuments: ReadonlyMap<string, string> | undefined;
  };
  auth: { apiKeys: ApiKeyConfig[]; allowAnonymous: boolean };
  limits: {
    rate: RateLimitConfig;
    query: QueryLimitConfig;
    /** POST requests without Content-Length get 411. @default true in production, false otherwise */
    requireContentLength: boolean;
  };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long a graceful shutdown may take before the process exits anyway. @default 10000 */
  shutdownTimeoutMs: number;
}

/** Token buckets (src/limits): a budget refills at a steady rate up to its burst. 0 disables a limit. */
export interface RateLimitConfig {
  /** Requests each API key (or the anonymous caller) may make per second, sustained. @default 50 */
  requestsPerSecond: number;
  /** Requests a key may make at once after being idle. @default 100 */
  requestBurst: number;
  /** `refreshToken` calls each API key may make per minute (also its burst). @default 10 */
  refreshPerKeyPerMinute: number;
  /** `refreshToken` calls per app per minute, all keys together (also its burst). @default 30 */
  refreshPerAppPerMinute: number;
}

/** graphql-armor limits (src/limits/query-limits.ts); a document over any of them is not executed. */
export interface QueryLimitConfig {
  /** Deepest field nesting. @default 8 */
  maxDepth: number;
  /** Aliases in one document. @default 15 */
  maxAliases: number;
  /** Directives in one document. @default 10 */
  maxDirectives: number;
  /** Lexical tokens in one document. @default 1000 */
  maxTokens: number;
  /** graphql-armor's cost estimate (objects 2, scalars 1, depth multiplies). @default 5000 */
  maxCost: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const APP_ID = /^wx[0-9a-f]{16}$/;
const APP_SECRET = /^[0-9a-f]{32}$/;

const booleanText = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const appSchema = z.object({
  appId: z.string().regex(APP_ID, 'expected "wx" followed by 16 lowercase hex digits'),
  appSecret: z.string().regex(APP_SECRET, 'expected 32 lowercase hex digits (the AppSecret)'),
  name: z.string().min(1).max(100).optional(),
  tokenMode: z.enum(['stable', 'classic']).optional(),
});

export const appsFileSchema = z
  .array(appSchema)
  .min(1, 'expected at least one app')
  .superRefine((apps, ctx) => {
    const seen = new Set<string>();
    for (const [i, app] of apps.entries()) {
      if (seen.has(app.appId))
        ctx.addIssue({ code: 'custom', path: [i, 'appId'], message: 'duplicate appId' });
      seen.add(app.appId);
    }
  });

const scopeSchema = z.enum(SCOPES as [Scope, ...Scope[]]);

const apiKeysFileSchema = z.array(
  z
    .object({
      key: z.string().min(16).optional(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits')
        .optional(),
      scopes: z.array(scopeSchema).min(1),
      appIds: z.array(z.string().regex(APP_ID)).optional(),
      name: z.string().max(100).optional(),
    })
    .refine((k) => Boolean(k.key) !== Boolean(k.sha256), 'give exactly one of "key" or "sha256"'),
);

/** Where one variable is read and how it is checked; `fix` tells the operator what to do. */
interface Setting<T> {
  schema: z.ZodType<T, string>;
  fix: string;
  secret?: boolean;
}

function read<T>(env: NodeJS.ProcessEnv, name: string, setting: Setting<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = setting.schema.safeParse(raw.trim());
  if (parsed.success) return parsed.data;
  // URLs may carry user:password@ even where the setting itself is not a secret.
  const masked = redact(raw.replace(/\/\/[^/@\s]*@/g, '//***@'));
  const shown = setting.secret ? '' : ` (got "${masked.length > 60 ? `${masked.slice(0, 60)}…` : masked}")`;
  throw new ConfigError(`${name} is invalid${shown}: ${parsed.error.issues[0]?.message}. ${setting.fix}`);
}

function readJsonFile<T>(variable: string, path: string, schema: z.ZodType<T>, fix: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${variable}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code}). ${fix}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${variable}: "${path}" is not valid JSON. ${fix}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ConfigError(`${variable}: "${path}" is invalid${where}: ${issue?.message}. ${fix}`);
  }
  return parsed.data;
}

/** Reads and validates `WECHAT_APPS_FILE`; also used by the SIGHUP reload. */
export function loadAppsFile(path: string, defaultMode: TokenMode): AppConfig[] {
  const apps = readJsonFile(
    'WECHAT_APPS_FILE',
    path,
    appsFileSchema,
    'Fix: a JSON array of { "appId": "wx…", "appSecret": "<32 hex>", "name"?: "…", "tokenMode"?: "stable"|"classic" }.',
  );
  return apps.map((app) => ({
    appId: app.appId,
    appSecret: app.appSecret,
    name: app.name ?? app.appId,
    tokenMode: app.tokenMode ?? defaultMode,
  }));
}

/** Document ids as codegen writes them: sha256 (or sha1) hex, optionally prefixed "sha256:". */
const DOCUMENT_ID = /^(?:sha256:)?[0-9a-f]{40,64}$/;

const trustedDocumentsSchema = z
  .record(z.string(), z.string().trim().min(1, 'expected the document text'))
  .superRefine((documents, ctx) => {
    const ids = Object.keys(documents);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one document' });
    for (const id of ids) {
      if (!DOCUMENT_ID.test(id))
        ctx.addIssue({ code: 'custom', path: [id], message: 'expected "<hex hash>" keys' });
    }
  });

/**
 * Reads the manifest of trusted documents (GATEWAY_TRUSTED_DOCUMENTS): `{ "<hash>": "<document>" }`,
 * as the codegen client preset's `persistedDocuments` option writes it. Ids lose their "sha256:" prefix.
 */
export function loadTrustedDocuments(path: string): ReadonlyMap<string, string> {
  const documents = readJsonFile(
    'GATEWAY_TRUSTED_DOCUMENTS',
    path,
    trustedDocumentsSchema,
    'Fix: point it at the persisted-documents.json that `npm run codegen` writes ({ "<hash>": "<document>" }).',
  );
  return new Map(Object.entries(documents).map(([id, text]) => [id.replace(/^sha256:/, ''), text]));
}

/** `key:scope1+scope2[:appId1+appId2]`, comma-separated; the key is everything before the first `:`. */
function parseApiKeys(text: string): ApiKeyConfig[] {
  const fix =
    'Fix: GATEWAY_API_KEYS="key1:token:read+wechat:read,key2:token:refresh" (optionally ":wxAPPID+wxAPPID").';
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item, index) => {
      const colon = item.indexOf(':');
      const key = colon < 0 ? item : item.slice(0, colon);
      if (colon < 0 || key.length < 16) {
        throw new ConfigError(
          `GATEWAY_API_KEYS entry ${index + 1} is invalid: expected "key:scopes" with a key of at least 16 characters. ${fix}`,
        );
      }
      const rest = item.slice(colon + 1);
      // Scopes contain ':' themselves ("token:read"), so an app list is recognised by its "wx" prefix.
      const appMatch = /:(wx[0-9a-f]{16}(?:\+wx[0-9a-f]{16})*)$/.exec(rest);
      const scopeText = appMatch ? rest.slice(0, appMatch.index) : rest;
      const scopes = scopeText.split('+').map((s) => s.trim());
      for (const scope of scopes) {
        if (!SCOPES.includes(scope as Scope)) {
          throw new ConfigError(
            `GATEWAY_API_KEYS entry ${index + 1} has an unknown scope "${scope}": use ${SCOPES.join(', ')}. ${fix}`,
          );
        }
      }
      return {
        key,
        scopes: scopes as Scope[],
        ...(appMatch?.[1] ? { appIds: appMatch[1].split('+') } : {}),
      };
    });
}

/**
 * The same key twice (say as text in GATEWAY_API_KEYS and as a digest in the file) would give one key
 * two sets of scopes; refused here, so start-up fails with one line rather than a stack.
 */
function assertDistinctKeys(keys: readonly ApiKeyConfig[]): void {
  const seen = new Map<string, number>();
  for (const [index, key] of keys.entries()) {
    const digest = key.sha256 ?? sha256(key.key ?? '').toString('hex');
    const first = seen.get(digest);
    if (first !== undefined) {
      throw new ConfigError(
        `API key ${index + 1} is the same key as API key ${first + 1} (counting GATEWAY_API_KEYS, then GATEWAY_API_KEYS_FILE). Fix: keep one entry per key, with all its scopes.`,
      );
    }
    seen.set(digest, index);
  }
}

function readRateLimits(env: NodeJS.ProcessEnv): RateLimitConfig {
  const perMinute = (name: string, fallback: number) =>
    read(env, name, {
      schema: integer(0, 100_000),
      fix: 'Fix: calls per minute, e.g. 10, or 0 for no limit.',
    }) ?? fallback;
  const requestsPerSecond =
    read(env, 'RATE_LIMIT_REQUESTS_PER_SECOND', {
      schema: integer(0, 1_000_000),
      fix: 'Fix: requests per second per API key, e.g. 50, or 0 for no limit.',
    }) ?? 50;
  const requestBurst =
    read(env, 'RATE_LIMIT_REQUEST_BURST', {
      schema: integer(1, 1_000_000),
      fix: 'Fix: requests, e.g. 100 (at least RATE_LIMIT_REQUESTS_PER_SECOND is sensible).',
    }) ?? Math.max(100, requestsPerSecond);
  return {
    requestsPerSecond,
    requestBurst,
    refreshPerKeyPerMinute: perMinute('REFRESH_LIMIT_PER_KEY_PER_MINUTE', 10),
    refreshPerAppPerMinute: perMinute('REFRESH_LIMIT_PER_APP_PER_MINUTE', 30),
  };
}

function readQueryLimits(env: NodeJS.ProcessEnv): QueryLimitConfig {
  const limit = (name: string, fallback: number, min: number, max: number, example: string) =>
    read(env, name, {
      schema: integer(min, max),
      fix: `Fix: a whole number from ${min} to ${max}, e.g. ${example}.`,
    }) ?? fallback;
  return {
    maxDepth: limit('GRAPHQL_MAX_DEPTH', 8, 2, 100, '8'),
    maxAliases: limit('GRAPHQL_MAX_ALIASES', 15, 0, 1000, '15'),
    maxDirectives: limit('GRAPHQL_MAX_DIRECTIVES', 10, 0, 1000, '10'),
    maxTokens: limit('GRAPHQL_MAX_TOKENS', 1000, 50, 100_000, '1000'),
    maxCost: limit('GRAPHQL_MAX_COST', 5000, 10, 10_000_000, '5000'),
  };
}

/** The WeChat client refuses base URLs with credentials, a query or a fragment: refuse them here first. */
function isPlainBase(raw: string): boolean {
  const url = new URL(raw);
  return !url.username && !url.password && !url.search && !url.hash;
}

export const DEFAULT_API_BASES = ['https://api.weixin.qq.com', 'https://api2.weixin.qq.com'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv =
    read(env, 'NODE_ENV', {
      schema: z.enum(['development', 'production', 'test']),
      fix: 'Fix: NODE_ENV=production, development or test.',
    }) ?? 'development';
  const production = nodeEnv === 'production';

  const tokenMode =
    read(env, 'WECHAT_TOKEN_MODE', {
      schema: z.enum(['stable', 'classic']),
      fix: 'Fix: WECHAT_TOKEN_MODE=stable (recommended) or classic.',
    }) ?? 'stable';

  const appId = read(env, 'WECHAT_APP_ID', {
    schema: z.string().regex(APP_ID, 'expected "wx" followed by 16 lowercase hex digits'),
    fix: 'Fix: copy the AppID from the Official Account platform (Settings → Basic configuration).',
  });
  const appSecret = read(env, 'WECHAT_APP_SECRET', {
    schema: z.string().regex(APP_SECRET, 'expected 32 lowercase hex digits'),
    fix: 'Fix: copy the AppSecret from the Official Account platform.',
    secret: true,
  });
  const appsFile = env.WECHAT_APPS_FILE?.trim() || undefined;
  if (appsFile && (appId || appSecret)) {
    throw new ConfigError(
      'WECHAT_APPS_FILE and WECHAT_APP_ID/WECHAT_APP_SECRET are both set. Fix: use one of them.',
    );
  }
  if (Boolean(appId) !== Boolean(appSecret)) {
    const missing = appId ? 'WECHAT_APP_SECRET' : 'WECHAT_APP_ID';
    throw new ConfigError(`${missing} is missing. Fix: set WECHAT_APP_ID and WECHAT_APP_SECRET together.`);
  }
  const apps: AppConfig[] = appsFile
    ? loadAppsFile(appsFile, tokenMode)
    : appId && appSecret
      ? [{ appId, appSecret, name: env.WECHAT_APP_NAME?.trim() || appId, tokenMode }]
      : [];
  if (production && apps.length === 0) {
    throw new ConfigError(
      'No WeChat app is configured. Fix: set WECHAT_APP_ID and WECHAT_APP_SECRET, or WECHAT_APPS_FILE (the embedded sandbox is for development only).',
    );
  }

  const baseUrls = read(env, 'WECHAT_API_BASE', {
    schema: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((u) => u.trim().replace(/\/+$/, ''))
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z
              .url({ protocol: /^https?$/, error: 'expected http(s) URLs' })
              .refine(isPlainBase, 'expected plain base URLs, without user:password@, query or fragment'),
          )
          .min(1),
      ),
    fix: 'Fix: a comma-separated list such as https://api.weixin.qq.com,https://api2.weixin.qq.com.',
  });

  const apiKeysText = env.GATEWAY_API_KEYS?.trim();
  const apiKeysFile = env.GATEWAY_API_KEYS_FILE?.trim();
  const apiKeys = [
    ...(apiKeysText ? parseApiKeys(apiKeysText) : []),
    ...(apiKeysFile
      ? readJsonFile(
          'GATEWAY_API_KEYS_FILE',
          apiKeysFile,
          apiKeysFileSchema,
          'Fix: a JSON array of { "sha256": "<hex digest of the key>", "scopes": ["token:read", …], "appIds"?: […], "name"?: "…" }.',
        )
      : []),
  ];
  assertDistinctKeys(apiKeys);
  const allowAnonymous =
    read(env, 'GATEWAY_ALLOW_ANONYMOUS', { schema: booleanText, fix: 'Fix: true or false.' }) ?? false;
  if (production && apiKeys.length === 0 && !allowAnonymous) {
    throw new ConfigError(
      'GATEWAY_API_KEYS is required in production. Fix: set GATEWAY_API_KEYS (or GATEWAY_API_KEYS_FILE), or GATEWAY_ALLOW_ANONYMOUS=true to run an open gateway on purpose.',
    );
  }

  const trustedDocumentsPath = env.GATEWAY_TRUSTED_DOCUMENTS?.trim() || undefined;

  const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  return {
    nodeEnv,
    port: read(env, 'PORT', { schema: integer(0, 65535), fix: 'Fix: a TCP port such as 4000.' }) ?? 4000,
    host: env.HOST?.trim() || '127.0.0.1',
    apps,
    wechat: {
      baseUrls: baseUrls ?? DEFAULT_API_BASES,
      tokenMode,
      timeoutMs:
        read(env, 'WECHAT_TIMEOUT_MS', {
          schema: integer(100, 120_000),
          fix: 'Fix: milliseconds, e.g. 5000.',
        }) ?? 5000,
    },
    redis: {
      url: read(env, 'REDIS_URL', {
        schema: z.string().regex(/^rediss?:\/\/\S+$/, 'expected redis:// or rediss://'),
        fix: 'Fix: REDIS_URL=redis://host:6379/0 (or rediss:// for TLS).',
        secret: true,
      }),
      keyPrefix:
        read(env, 'REDIS_KEY_PREFIX', {
          schema: z
            .string()
            .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'expected 1-64 characters from A-Z a-z 0-9 _ . : -')
            .refine((prefix) => redact(prefix) === prefix, 'it looks like a token or secret'),
          fix: 'Fix: a short name such as wxgw: or wxgw-staging: (one per environment sharing a Redis).',
          secret: true,
        }) ?? 'wxgw:',
    },
    token: {
      refreshMarginSeconds:
        read(env, 'TOKEN_REFRESH_MARGIN_SECONDS', {
          schema: integer(0, 3600),
          fix: 'Fix: seconds, e.g. 300.',
        }) ?? 300,
      forceRefreshCooldownSeconds:
        read(env, 'FORCE_REFRESH_COOLDOWN_SECONDS', {
          schema: integer(0, 86_400),
          fix: 'Fix: seconds, e.g. 60.',
        }) ?? 60,
      negativeCacheSeconds:
        read(env, 'TOKEN_NEGATIVE_CACHE_SECONDS', {
          schema: integer(0, 3600),
          fix: 'Fix: seconds, e.g. 10.',
        }) ?? 10,
      clearQuotaCooldownSeconds:
        read(env, 'CLEAR_QUOTA_COOLDOWN_SECONDS', {
          schema: integer(0, 2_678_400),
          fix: 'Fix: seconds, e.g. 3600 (WeChat allows 10 clears a month).',
        }) ?? 3600,
    },
    graphql: {
      graphiql:
        read(env, 'GRAPHIQL', { schema: booleanText, fix: 'Fix: GRAPHIQL=true or false.' }) ?? !production,
      introspection:
        read(env, 'GRAPHQL_INTROSPECTION', { schema: booleanText, fix: 'Fix: true or false.' }) ??
        !production,
      maxBodyBytes:
        read(env, 'MAX_BODY_BYTES', { schema: integer(1024, 16_777_216), fix: 'Fix: bytes, e.g. 65536.' }) ??
        65_536,
      callbackIpsTtlSeconds:
        read(env, 'CALLBACK_IPS_TTL_SECONDS', {
          schema: integer(0, 86_400),
          fix: 'Fix: seconds, e.g. 60.',
        }) ?? 60,
      trustedDocumentsPath,
      trustedDocuments: trustedDocumentsPath ? loadTrustedDocuments(trustedDocumentsPath) : undefined,
    },
    auth: { apiKeys, allowAnonymous },
    limits: {
      rate: readRateLimits(env),
      query: readQueryLimits(env),
      requireContentLength:
        read(env, 'REQUIRE_CONTENT_LENGTH', { schema: booleanText, fix: 'Fix: true or false.' }) ??
        production,
    },
    logLevel:
      read(env, 'LOG_LEVEL', {
        schema: z.enum(logLevels),
        fix: `Fix: one of ${logLevels.join(', ')}.`,
      }) ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    shutdownTimeoutMs:
      read(env, 'SHUTDOWN_TIMEOUT_MS', {
        schema: integer(0, 600_000),
        fix: 'Fix: milliseconds, e.g. 10000.',
      }) ?? 10_000,
  };
}
