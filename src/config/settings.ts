import { z } from 'zod';
import { KEY_RULE } from '../auth/api-keys.js';
import { SCOPES } from '../auth/scopes.js';
import type { Authority } from '../net/authority.js';
import {
  DEFAULT_CLEAR_QUOTA_COOLDOWN_SECONDS,
  DEFAULT_IP_LIST_TTL_SECONDS,
  DEFAULT_REDIS_KEY_PREFIX,
  TOKEN_DEFAULTS,
} from './defaults.js';
import { type DefaultContext, LOG_LEVELS, optional, queryLimit, required, type Setting } from './setting.js';
import {
  allowedHosts,
  booleanText,
  corsOrigins,
  hostPorts,
  integer,
  keyPrefix,
  redisUrl,
} from './setting-schemas.js';
import { WECHAT_SETTINGS } from './settings-wechat.js';

/**
 * Every environment variable the gateway reads, one row each: `loadConfig` reads them through this
 * table, the README's configuration table is printed from it (`npm run docs:settings`, and a test
 * fails when the README drifts), and docs/architecture.md points here. To add a setting: add a row,
 * map it into `Config` in load.ts, run `npm run docs:settings`.
 */

const text = z.string();
const production = ({ nodeEnv }: DefaultContext) => nodeEnv === 'production';
const notProduction = ({ nodeEnv }: DefaultContext) => nodeEnv !== 'production';

export const SETTINGS = {
  NODE_ENV: required({
    description: '`development`, `production` or `test`',
    schema: z.enum(['development', 'production', 'test']),
    default: ({ defaultNodeEnv }) => defaultNodeEnv,
    shownDefault: '`production` for the built entry (`npm start`), `development` for `npm run dev`',
    fix: 'Fix: NODE_ENV=production, development or test.',
  }),
  PORT: required({
    description: 'TCP port to listen on',
    schema: integer(0, 65535),
    default: 4000,
    shownDefault: '`4000`',
    fix: 'Fix: a TCP port such as 4000.',
  }),
  HOST: required({
    description: 'address to listen on (`0.0.0.0`: every interface)',
    schema: text,
    default: '127.0.0.1',
    shownDefault: '`127.0.0.1`',
    fix: 'Fix: an address of this machine, such as 127.0.0.1 or 0.0.0.0.',
  }),
  ...WECHAT_SETTINGS,
  REDIS_URL: optional({
    description:
      'one Redis node for all replicas: `redis://[user:password@]host:port[/db]`, `rediss://` for TLS ([scaling](docs/scaling.md))',
    schema: redisUrl,
    shownDefault: 'unset → in-memory store',
    fix: 'Fix: REDIS_URL=redis://host:6379/0 (or rediss:// for TLS).',
    secret: true,
  }),
  REDIS_SENTINELS: optional({
    description: 'Redis Sentinel instead: the sentinels, `host:port,…`, with `REDIS_SENTINEL_MASTER`',
    schema: hostPorts,
    shownDefault: 'unset',
    fix: 'Fix: REDIS_SENTINELS=10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379 with REDIS_SENTINEL_MASTER=mymaster.',
  }),
  REDIS_SENTINEL_MASTER: optional({
    description: 'the master name the sentinels monitor (required with `REDIS_SENTINELS`)',
    schema: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 characters from A-Z a-z 0-9 _ . -'),
    shownDefault: 'unset',
    fix: 'Fix: the name in the sentinels\' "sentinel monitor" line, e.g. mymaster.',
  }),
  REDIS_SENTINEL_PASSWORD: optional({
    description: 'password of the sentinels themselves (not of the data nodes)',
    schema: text,
    shownDefault: 'unset',
    fix: "Fix: the sentinels' requirepass, or leave it unset.",
    secret: true,
  }),
  REDIS_CLUSTER_NODES: optional({
    description: 'Redis Cluster instead: seed nodes `host:port,…` (the rest are discovered)',
    schema: hostPorts,
    shownDefault: 'unset',
    fix: 'Fix: REDIS_CLUSTER_NODES=10.0.0.1:6379,10.0.0.2:6379 (a few seed nodes).',
  }),
  REDIS_USERNAME: optional({
    description: "ACL user of the data nodes, in every mode (overrides the URL's)",
    schema: text,
    shownDefault: 'unset',
    fix: 'Fix: the ACL user name, or leave it unset.',
    secret: true,
  }),
  REDIS_PASSWORD: optional({
    description: "password of the data nodes, in every mode (overrides the URL's)",
    schema: text,
    shownDefault: 'unset',
    fix: 'Fix: the password, or leave it unset.',
    secret: true,
  }),
  REDIS_TLS: optional({
    description: 'TLS to the nodes (and sentinels) of `REDIS_SENTINELS` or `REDIS_CLUSTER_NODES`',
    schema: booleanText,
    shownDefault: '`false`',
    fix: 'Fix: REDIS_TLS=true or false (with REDIS_URL, write rediss:// instead).',
  }),
  REDIS_KEY_PREFIX: required({
    description: 'prefix of every Redis key and channel (1-64 of `A-Z a-z 0-9 _ . : -`)',
    schema: keyPrefix,
    default: DEFAULT_REDIS_KEY_PREFIX,
    shownDefault: `\`${DEFAULT_REDIS_KEY_PREFIX}\``,
    fix: 'Fix: a short name such as wxgw: or wxgw-staging: (one per environment sharing a Redis).',
    secret: true,
  }),
  TOKEN_REFRESH_MARGIN_SECONDS: required({
    description: 'refresh this long before expiry',
    schema: integer(0, 3600),
    default: TOKEN_DEFAULTS.refreshMarginSeconds,
    shownDefault: `\`${TOKEN_DEFAULTS.refreshMarginSeconds}\``,
    fix: 'Fix: seconds, e.g. 300.',
  }),
  FORCE_REFRESH_COOLDOWN_SECONDS: required({
    description: 'minimum gap between two forced refreshes of one app',
    schema: integer(0, 86_400),
    default: TOKEN_DEFAULTS.forceRefreshCooldownSeconds,
    shownDefault: `\`${TOKEN_DEFAULTS.forceRefreshCooldownSeconds}\``,
    fix: 'Fix: seconds, e.g. 60.',
  }),
  TOKEN_NEGATIVE_CACHE_SECONDS: required({
    description: 'how long a configuration error is remembered before WeChat is asked again',
    schema: integer(0, 3600),
    default: TOKEN_DEFAULTS.negativeCacheSeconds,
    shownDefault: `\`${TOKEN_DEFAULTS.negativeCacheSeconds}\``,
    fix: 'Fix: seconds, e.g. 10.',
  }),
  OPEN_PLATFORM_PUSH_MAX_AGE_SECONDS: required({
    description: 'a component push whose signed timestamp is further than this from now is refused',
    schema: integer(30, 3600),
    default: 300,
    shownDefault: '`300`',
    fix: 'Fix: seconds, e.g. 300.',
  }),
  OPEN_PLATFORM_RENEW_IF_USED_WITHIN_HOURS: required({
    description:
      'an authorizer token is renewed ahead of expiry only while used on the replica within this many hours; the others are obtained on their next use',
    schema: integer(1, 720),
    default: 24,
    shownDefault: '`24`',
    fix: 'Fix: hours, e.g. 24.',
  }),
  OPEN_PLATFORM_MAX_CONCURRENT_CALLS: required({
    description:
      'upstream calls in flight at once per component on a replica (authorizer tokens, the authorizer list, component APIs); the others wait their turn ([scaling](docs/scaling.md))',
    schema: integer(1, 1000),
    default: 16,
    shownDefault: '`16`',
    fix: 'Fix: a whole number of calls, e.g. 16.',
  }),
  OPEN_PLATFORM_LOCAL_CACHE_SIZE: required({
    description:
      "authorizers' records, token copies and notification channels a replica keeps with Redis, each (the least recently used dropped, read from Redis again, unsubscribed); while Redis is down, only those kept are served ([scaling](docs/scaling.md))",
    schema: integer(0, 1_000_000),
    default: 10_000,
    shownDefault: '`10000`',
    fix: 'Fix: a whole number of authorizers, e.g. 10000.',
  }),
  CLEAR_QUOTA_COOLDOWN_SECONDS: required({
    description:
      'minimum gap between two `clearQuota` calls of one app, shared by replicas (`CLEAR_QUOTA_COOLDOWN` otherwise); WeChat allows 10 a month',
    schema: integer(0, 2_678_400),
    default: DEFAULT_CLEAR_QUOTA_COOLDOWN_SECONDS,
    shownDefault: `\`${DEFAULT_CLEAR_QUOTA_COOLDOWN_SECONDS}\``,
    fix: 'Fix: seconds, e.g. 3600.',
  }),
  GATEWAY_API_KEYS: optional({
    description: `\`key:scope1+scope2[:wxAPPID+component=wxCOMPONENT+…],…\`; scopes ${SCOPES.map((s) => `\`${s}\``).join(', ')}; a key is ${KEY_RULE} (\`npm run keygen\`)`,
    schema: text,
    shownDefault: 'dev: open; prod: required',
    fix: 'Fix: see `npm run keygen`.',
    secret: true,
  }),
  GATEWAY_API_KEYS_FILE: optional({
    description:
      'JSON file `[{ "sha256", "scopes", "appIds"?, "componentAppIds"?, "name"? }]` (keys stored as digests)',
    schema: text,
    shownDefault: 'unset',
    fix: 'Fix: the path of a JSON API keys file.',
  }),
  GATEWAY_ALLOW_ANONYMOUS: required({
    description: '`true` to run an open gateway in production on purpose',
    schema: booleanText,
    default: false,
    shownDefault: '`false`',
    fix: 'Fix: true or false.',
  }),
  GATEWAY_ALLOW_UNKNOWN_SETTINGS: required({
    description:
      '`true` to start in production although a `WECHAT_`, `WECOM_` or `GATEWAY_` variable is not a setting (each is then only a warning)',
    schema: booleanText,
    default: false,
    shownDefault: '`false`',
    fix: 'Fix: true or false.',
  }),
  GATEWAY_TRUSTED_DOCUMENTS: optional({
    description: 'path of a persisted/trusted documents file',
    schema: text,
    shownDefault: 'unset',
    fix: 'Fix: the path of persisted-documents.json.',
  }),
  GATEWAY_CORS_ORIGINS: required({
    description:
      'comma-separated exact origins whose web pages may call the gateway (CORS, no credentials); others are refused with 403',
    schema: corsOrigins,
    default: (): string[] => [],
    shownDefault: 'unset: same-origin pages only (a cross-origin preflight gets 403 and a warning)',
    fix: 'Fix: GATEWAY_CORS_ORIGINS=https://shop.example.com,https://m.example.com (exact origins, never *).',
  }),
  GATEWAY_ALLOWED_HOSTS: required({
    description:
      'comma-separated `host[:port]` names clients reach the gateway by; a request naming another host in `Host` gets 421 (DNS rebinding). IP addresses always pass',
    schema: allowedHosts,
    default: (): Authority[] => [],
    shownDefault: 'unset: any `Host` (set it in production)',
    fix: 'Fix: GATEWAY_ALLOWED_HOSTS=wxgw.internal.example.com,wxgw:4000 (names and optional ports, no scheme).',
  }),
  GRAPHIQL: required({
    description: 'serve GraphiQL at `/graphql`',
    schema: booleanText,
    default: notProduction,
    shownDefault: '`true`, `false` when `NODE_ENV=production`',
    fix: 'Fix: GRAPHIQL=true or false.',
  }),
  STATUS_PAGE: required({
    description: 'serve the HTML status page at `/status` (and its event stream `/status/events`)',
    schema: booleanText,
    default: notProduction,
    shownDefault: '`true`, `false` when `NODE_ENV=production`',
    fix: 'Fix: STATUS_PAGE=true or false.',
  }),
  GRAPHQL_INTROSPECTION: required({
    description: 'allow introspection',
    schema: booleanText,
    default: notProduction,
    shownDefault: '`true`, `false` when `NODE_ENV=production`',
    fix: 'Fix: true or false.',
  }),
  MAX_BODY_BYTES: required({
    description: 'request bodies over this get 413',
    schema: integer(1024, 16_777_216),
    default: 65_536,
    shownDefault: '`65536`',
    fix: 'Fix: bytes, e.g. 65536.',
  }),
  RATE_LIMIT_REQUESTS_PER_SECOND: required({
    description: 'GraphQL requests per API key per second, sustained (`0`: no limit)',
    schema: integer(0, 1_000_000),
    default: 50,
    shownDefault: '`50`',
    fix: 'Fix: requests per second per API key, e.g. 50, or 0 for no limit.',
  }),
  RATE_LIMIT_REQUEST_BURST: required({
    description: 'requests a key may make at once after idling',
    schema: integer(1, 1_000_000),
    default: ({ above }) => Math.max(100, Number(above.RATE_LIMIT_REQUESTS_PER_SECOND)),
    shownDefault: '`100` (or the rate, if higher)',
    fix: 'Fix: requests, e.g. 100 (at least RATE_LIMIT_REQUESTS_PER_SECOND is sensible).',
  }),
  REFRESH_LIMIT_PER_KEY_PER_MINUTE: required({
    description: '`refreshToken` calls per key per minute (`0`: no limit)',
    schema: integer(0, 100_000),
    default: 10,
    shownDefault: '`10`',
    fix: 'Fix: calls per minute, e.g. 10, or 0 for no limit.',
  }),
  REFRESH_LIMIT_PER_APP_PER_MINUTE: required({
    description: '`refreshToken` calls per app per minute, all keys together (`0`: no limit)',
    schema: integer(0, 100_000),
    default: 30,
    shownDefault: '`30`',
    fix: 'Fix: calls per minute, e.g. 10, or 0 for no limit.',
  }),
  GATEWAY_MAX_STREAMS: required({
    description:
      'long-lived streams (`tokenEvents` subscriptions, `/status/events`) open at once on one replica; more get 429 `TOO_MANY_STREAMS`',
    schema: integer(1, 1_000_000),
    default: 1000,
    shownDefault: '`1000`',
    fix: 'Fix: streams, e.g. 1000.',
  }),
  GATEWAY_MAX_STREAMS_PER_CALLER: required({
    description:
      'streams open at once per API key, or per client address where there is no key; more get 429 `TOO_MANY_STREAMS`',
    schema: integer(1, 1_000_000),
    default: 20,
    shownDefault: '`20`',
    fix: 'Fix: streams, e.g. 20.',
  }),
  GRAPHQL_MAX_DEPTH: queryLimit('deepest field nesting of a document', 8, 2, 100),
  GRAPHQL_MAX_ALIASES: queryLimit('aliases in one document', 15, 0, 1000),
  GRAPHQL_MAX_DIRECTIVES: queryLimit('directives in one document', 10, 0, 1000),
  GRAPHQL_MAX_TOKENS: queryLimit('lexical tokens in one document', 1000, 50, 100_000),
  GRAPHQL_MAX_COST: queryLimit("graphql-armor's cost estimate of one document", 5000, 10, 10_000_000),
  REQUIRE_CONTENT_LENGTH: required({
    description: 'POSTs without `Content-Length` get 411',
    schema: booleanText,
    default: production,
    shownDefault: '`true` in production, else `false`',
    fix: 'Fix: true or false.',
  }),
  CALLBACK_IPS_TTL_SECONDS: required({
    description: 'how long callback IPs and API domain IPs are cached',
    schema: integer(0, 86_400),
    default: DEFAULT_IP_LIST_TTL_SECONDS,
    shownDefault: `\`${DEFAULT_IP_LIST_TTL_SECONDS}\``,
    fix: 'Fix: seconds, e.g. 60.',
  }),
  LOG_LEVEL: required({
    description: '`fatal` … `trace`, `silent`',
    schema: z.enum(LOG_LEVELS),
    default: ({ nodeEnv }) => (nodeEnv === 'test' ? 'silent' : 'info'),
    shownDefault: '`info` (`silent` in tests)',
    fix: `Fix: one of ${LOG_LEVELS.join(', ')}.`,
  }),
  SHUTDOWN_TIMEOUT_MS: required({
    description: 'how long a graceful shutdown may take',
    schema: integer(0, 600_000),
    default: 10_000,
    shownDefault: '`10000`',
    fix: 'Fix: milliseconds, e.g. 10000.',
  }),
};

export type SettingName = keyof typeof SETTINGS;
export type SettingValues = {
  [K in SettingName]: (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;
};
