import { DEFAULT_REDIS_KEY_PREFIX, REDIS_KEY_PREFIX_PATTERN } from '../config/defaults.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { redact } from '../redact.js';

export interface RedisStoreOptions {
  /**
   * One Redis endpoint: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS. Sentinel and
   * Cluster are not supported (a single URL cannot describe them).
   */
  url: string;
  /** Prepended to every key and to the notification channel, so several gateways can share a Redis. @default 'wxgw:' */
  keyPrefix?: string;
  /**
   * How long a token read from Redis is served from process memory before Redis is asked again. A change
   * notification drops the copy sooner; this bounds staleness when a notification is lost. 0 reads Redis
   * on every `get`. @default 1000
   */
  cacheTtlMs?: number;
  /**
   * How long a copy is served while the notification connection is up: every change a gateway makes
   * is announced and drops the copy at once, so this only bounds how long a change that bypasses the
   * gateways (a key edited by hand) goes unseen. Keeps Redis off the hot path (docs/scaling.md).
   * @default 30000
   */
  notifiedCacheTtlMs?: number;
  /** How long to wait for a TCP (and TLS) connection before counting Redis as down. @default 2000 */
  connectTimeoutMs?: number;
  /** How long one command may take before it fails and the store serves locally. @default 1000 */
  commandTimeoutMs?: number;
  /** Upper bound of the reconnect backoff (50 ms, doubling). @default 2000 */
  maxReconnectDelayMs?: number;
  /** Token expiry and cache freshness are judged by this clock. @default Date */
  clock?: { now(): number };
  /** @default silentLogger */
  logger?: Logger;
}

export type ResolvedRedisStoreOptions = Required<RedisStoreOptions>;

const URL_PATTERN = /^rediss?:\/\/\S+$/;

function integerIn(name: string, value: number, min: number, max: number, fix: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(
      `RedisStore ${name} must be a whole number from ${min} to ${max} (got ${value}). ${fix}`,
    );
  }
  return value;
}

/** Checks every option up front, so a bad value fails at start-up instead of on the first command. */
export function resolveRedisStoreOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  if (typeof options.url !== 'string' || !URL_PATTERN.test(options.url)) {
    throw new TypeError(
      'RedisStore url must start with redis:// or rediss://, e.g. redis://127.0.0.1:6379/0 (Sentinel and Cluster URLs are not supported).',
    );
  }
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  if (!REDIS_KEY_PREFIX_PATTERN.test(keyPrefix) || redact(keyPrefix) !== keyPrefix) {
    throw new TypeError(
      `RedisStore keyPrefix must be 1-64 characters from A-Z a-z 0-9 _ . : - (got "${redact(keyPrefix).slice(0, 64)}"). Fix: e.g. REDIS_KEY_PREFIX=wxgw:`,
    );
  }
  return {
    url: options.url,
    keyPrefix,
    cacheTtlMs: integerIn(
      'cacheTtlMs',
      options.cacheTtlMs ?? 1000,
      0,
      60_000,
      'Use 0 to disable, or about 1000.',
    ),
    notifiedCacheTtlMs: integerIn(
      'notifiedCacheTtlMs',
      options.notifiedCacheTtlMs ?? 30_000,
      0,
      600_000,
      'Use about 30000, or 0 to read Redis on every get.',
    ),
    connectTimeoutMs: integerIn(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? 2000,
      50,
      60_000,
      'Use about 2000.',
    ),
    commandTimeoutMs: integerIn(
      'commandTimeoutMs',
      options.commandTimeoutMs ?? 1000,
      10,
      60_000,
      'Use about 1000.',
    ),
    maxReconnectDelayMs: integerIn(
      'maxReconnectDelayMs',
      options.maxReconnectDelayMs ?? 2000,
      50,
      60_000,
      'Use about 2000.',
    ),
    clock: options.clock ?? Date,
    logger: options.logger ?? silentLogger,
  };
}

/** Reconnect delay before attempt `attempt` (1-based): 50 ms doubling, capped. */
export function reconnectDelayMs(attempt: number, maxMs: number): number {
  return Math.min(maxMs, 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
}

/** Where `host:port` of a URL is, for log lines and health details: never the password. */
export function describeEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'the configured Redis';
  }
}

/** Key and channel names under the prefix. Parts are appIds and purposes, never credentials. */
export function redisKeys(prefix: string) {
  const part = (name: string): string => {
    if (name.length === 0 || name.length > 200 || /\s/.test(name) || redact(name) !== name) {
      throw new TypeError(
        'RedisStore key parts must be 1-200 characters without spaces and must not look like a token or secret; name keys by appId and purpose.',
      );
    }
    return name;
  };
  return {
    token: (appId: string) => `${prefix}token:${part(appId)}`,
    lock: (appId: string) => `${prefix}lock:${part(appId)}`,
    hold: (key: string) => `${prefix}hold:${part(key)}`,
    channel: `${prefix}events`,
    holdsChannel: `${prefix}holds`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
