import { type Clock, systemClock } from '../clock.js';
import { DEFAULT_REDIS_KEY_PREFIX, redisKeyPrefixProblem } from '../config/defaults.js';
import { InvalidOptionError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { redact } from '../redact.js';
import {
  type RedisEndpoint,
  type RedisEndpointOptions,
  resolveRedisEndpoint,
} from '../store/redis/endpoint.js';
import { appOfHoldKey } from './store.js';

export interface RedisStoreOptions extends RedisEndpointOptions {
  /** Prepended to every key and to the notification channel, so several gateways can share a Redis. @default 'wxgw:' */
  keyPrefix?: string;
  /** Apps whose notifications to subscribe to before `ready()` resolves; others are added on first use. @default [] */
  appIds?: readonly string[];
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
  /** Token expiry and cache freshness are judged by this clock's `now()`. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** @default silentLogger */
  logger?: Logger;
}

export type ResolvedRedisStoreOptions = Required<
  Omit<RedisStoreOptions, keyof RedisEndpointOptions | 'appIds'>
> & { endpoint: RedisEndpoint; appIds: readonly string[] };

function integerIn(name: string, value: number, min: number, max: number, fix: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(
      `RedisStore ${name} must be a whole number from ${min} to ${max} (got ${value}). ${fix}`,
    );
  }
  return value;
}

/** Checks every option up front, so a bad value fails at start-up instead of on the first command. */
export function resolveRedisStoreOptions(options: RedisStoreOptions): ResolvedRedisStoreOptions {
  const endpoint = resolveRedisEndpoint(options);
  const keyPrefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  if (redisKeyPrefixProblem(keyPrefix)) {
    throw new InvalidOptionError(
      `RedisStore keyPrefix must be 1-64 characters from A-Z a-z 0-9 _ . : - (got "${redact(keyPrefix).slice(0, 64)}"). Fix: e.g. REDIS_KEY_PREFIX=wxgw:`,
    );
  }
  return {
    endpoint,
    keyPrefix,
    appIds: options.appIds ?? [],
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
    clock: options.clock ?? systemClock,
    logger: options.logger ?? silentLogger,
  };
}

/**
 * Key and channel names under the prefix. Every key of one app carries the app as its Redis Cluster hash
 * tag (`<prefix>{<appId>}:token`), so an app's keys share one slot and each script touches one slot.
 * Parts are appIds and purposes, never credentials.
 */
export function redisKeys(prefix: string) {
  const part = (name: string): string => {
    if (name.length === 0 || name.length > 200 || /[\s{}]/.test(name) || redact(name) !== name) {
      throw new TypeError(
        'RedisStore key parts must be 1-200 characters without spaces or braces and must not look like a token or secret; name keys by appId and purpose.',
      );
    }
    return name;
  };
  return {
    token: (appId: string) => `${prefix}{${part(appId)}}:token`,
    lock: (appId: string) => `${prefix}{${part(appId)}}:lock`,
    /** The app's fencing counter: grows with every lease, so a lapsed holder cannot overwrite a newer token. */
    fence: (appId: string) => `${prefix}{${part(appId)}}:fence`,
    /** Per-app entries (JS-SDK tickets) and their fetch locks, in the app's slot. */
    entry: (appId: string, name: string) => `${prefix}{${part(appId)}}:${part(name)}`,
    entryLock: (appId: string, name: string) => `${prefix}{${part(appId)}}:lock:${part(name)}`,
    /** Hold keys are `<purpose>:<appId>[:…]`: the appId (second part) is the hash tag. */
    hold: (key: string) => `${prefix}{${part(appOfHoldKey(key))}}:hold:${part(key)}`,
    /** Sharded channel (SPUBLISH/SSUBSCRIBE) in the app's slot, so notifications stay on its node. */
    channel: (appId: string) => `${prefix}{${part(appId)}}:events`,
    /** The appId of one of `channel`'s names, or undefined for any other channel. */
    appOfChannel: (channel: string) => /^\{([^{}]+)\}:events$/.exec(channel.slice(prefix.length))?.[1],
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** Hold durations come from settings and quota windows: 0 means none, fractions round up to whole ms. */
export function holdMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new TypeError(`A store hold must last a finite number of milliseconds ≥ 0 (got ${ttlMs}).`);
  }
  return Math.ceil(ttlMs);
}

export function assertTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) {
    throw new TypeError(`A fetch lock ttl must be a whole number of milliseconds above 0 (got ${ttlMs}).`);
  }
}
