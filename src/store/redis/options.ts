import { type Clock, systemClock } from '../../clock.js';
import { DEFAULT_REDIS_KEY_PREFIX, redisKeyPrefixProblem } from '../../config/defaults.js';
import { InvalidOptionError } from '../../errors.js';
import { type Logger, silentLogger } from '../../logger.js';
import { redact } from '../../redact.js';
import { type RedisEndpoint, type RedisEndpointOptions, resolveRedisEndpoint } from './endpoint.js';

export interface RedisStoresOptions extends RedisEndpointOptions {
  /** Prepended to every key and channel, so several gateways can share a Redis. @default 'wxgw:' */
  keyPrefix?: string;
  /** Apps whose notifications to subscribe to before `ready()` resolves; others on first use. @default [] */
  appIds?: readonly string[];
  /** Open Platform components whose authorizers' previous layout is moved before `ready()` resolves. @default [] */
  componentAppIds?: readonly string[];
  /**
   * How long a credential read from Redis is served from process memory before Redis is asked again. A
   * change notification drops the copy sooner; this bounds staleness when one is lost. 0 reads Redis on
   * every `get`. @default 1000
   */
  cacheTtlMs?: number;
  /**
   * How long a copy is served while the notification connection is up (outside a Cluster): every change
   * a gateway makes is announced and drops the copy at once, so this only bounds how long a change that
   * bypasses the gateways (a key edited by hand) goes unseen. @default 30000
   */
  notifiedCacheTtlMs?: number;
  /** How long to wait for a TCP (and TLS) connection before counting Redis as down. @default 2000 */
  connectTimeoutMs?: number;
  /** How long one command may take before it fails and the stores serve locally. @default 1000 */
  commandTimeoutMs?: number;
  /** Upper bound of the reconnect backoff (50 ms, doubling). @default 2000 */
  maxReconnectDelayMs?: number;
  /**
   * Open Platform authorizers' records and token copies kept in this replica's memory, each set (the
   * least recently used dropped beyond it): read from Redis otherwise, and the fallback while Redis is
   * down only for those kept. Configured apps' copies are never dropped. @default 10000
   */
  localAuthorizerCacheSize?: number;
  /** Expiry and copy freshness are judged by this clock's `now()`. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** @default silentLogger */
  logger?: Logger;
}

/** `localAuthorizerCacheSize` when not given (OPEN_PLATFORM_LOCAL_CACHE_SIZE). */
export const DEFAULT_LOCAL_AUTHORIZER_CACHE_SIZE = 10_000;

export type ResolvedRedisStoresOptions = Required<
  Omit<RedisStoresOptions, keyof RedisEndpointOptions | 'appIds' | 'componentAppIds'>
> & { endpoint: RedisEndpoint; appIds: readonly string[]; componentAppIds: readonly string[] };

function integerIn(name: string, value: number, min: number, max: number, fix: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(
      `RedisStores ${name} must be a whole number from ${min} to ${max} (got ${value}). ${fix}`,
    );
  }
  return value;
}

/** Checks every option up front, so a bad value fails at start-up instead of on the first command. */
export function resolveRedisStoresOptions(options: RedisStoresOptions): ResolvedRedisStoresOptions {
  const endpoint = resolveRedisEndpoint(options);
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  if (redisKeyPrefixProblem(keyPrefix)) {
    throw new InvalidOptionError(
      `RedisStores keyPrefix must be 1-64 characters from A-Z a-z 0-9 _ . : - (got "${redact(keyPrefix).slice(0, 64)}"). Fix: e.g. REDIS_KEY_PREFIX=wxgw:`,
    );
  }
  return {
    endpoint,
    keyPrefix,
    appIds: options.appIds ?? [],
    componentAppIds: options.componentAppIds ?? [],
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
    localAuthorizerCacheSize: integerIn(
      'localAuthorizerCacheSize',
      options.localAuthorizerCacheSize ?? DEFAULT_LOCAL_AUTHORIZER_CACHE_SIZE,
      0,
      1_000_000,
      'Use about 10000 (OPEN_PLATFORM_LOCAL_CACHE_SIZE).',
    ),
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  };
}

/** Hold durations come from settings and quota windows: 0 means none, fractions round up to whole ms. */
export function holdMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new TypeError(`A store hold must last a finite number of milliseconds ≥ 0 (got ${ttlMs}).`);
  }
  return Math.ceil(ttlMs);
}

/** A lease lasts a whole number of milliseconds above 0 (Redis refuses PX 0). */
export function assertLeaseTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new TypeError(`A lease ttl must be a whole number of milliseconds above 0 (got ${ttlMs}).`);
  }
}
