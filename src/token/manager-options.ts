import { TOKEN_DEFAULTS } from '../config/defaults.js';
import type { AppConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { WeChatApi } from '../wechat/endpoints.js';
import type { Clock, Random } from './clock.js';
import type { TokenStore } from './store.js';

export interface TokenManagerOptions {
  apps: AppConfig[];
  store: TokenStore;
  api: WeChatApi;
  /** @default systemClock */
  clock?: Clock;
  /** @default Math.random */
  random?: Random;
  /** @default silentLogger */
  logger?: Logger;
  /** Told whether each `getToken` was answered from the cache (`hit`) or waited for a fetch (`miss`), for metrics. */
  onCacheLookup?: (appId: string, result: 'hit' | 'miss') => void;
  /** A token inside this many seconds of its expiry is renewed. @default 300 */
  refreshMarginSeconds?: number;
  /** Minimum gap between two forced refreshes of one app, shared by replicas. @default 60 */
  forceRefreshCooldownSeconds?: number;
  /** How long a configuration error is rethrown without asking WeChat again. @default 10 */
  negativeCacheSeconds?: number;
  /** Retries after WeChat answers "busy" (-1/-1000). @default 3 */
  busyRetries?: number;
  /** Ceiling of the first busy backoff; each next one doubles (full jitter). @default 200 */
  busyBackoffBaseMs?: number;
  /** All busy backoffs of one call add up to less than this. @default 5000 */
  busyBackoffTotalMs?: number;
  /**
   * The longest one upstream call can take, to check the lock against: the client's per-attempt
   * timeout × the number of base URLs it may fail over to (`wechat.timeoutMs × wechat.baseUrls.length`).
   * @default 10000
   */
  upstreamTimeoutMs?: number;
  /**
   * Lifetime of the per-app fetch lock; must outlive a whole fetch with its busy retries, or a second
   * replica could fetch at the same time. @default the larger of 60000 and one fetch's budget
   * (upstreamTimeoutMs × (busyRetries + 1) + busyBackoffTotalMs) plus 10000
   */
  lockTtlMs?: number;
  /** How long a caller waits for another replica's fetch before giving up. @default 10000 */
  lockWaitMs?: number;
  /** Whether `start()` runs the proactive refresh timers. @default true */
  backgroundRefresh?: boolean;
  /** Replicas start a background refresh up to this much earlier than due (≤ 10 % of a token's life). @default 30000 */
  backgroundJitterMs?: number;
  /** Shortest gap between two refreshes of one app that the token's expiry asks for. @default 1000 */
  backgroundMinDelayMs?: number;
  /** Backoff ceiling after the first background failure; doubles per failure. @default 1000 */
  backgroundFailureBaseMs?: number;
  /** Background failure backoff never exceeds this. @default 60000 */
  backgroundFailureMaxMs?: number;
  /** How long `stop()` waits for refreshes in flight. @default 5000 */
  stopTimeoutMs?: number;
}

export type ResolvedTokenManagerOptions = Required<
  Omit<TokenManagerOptions, 'clock' | 'random' | 'logger' | 'onCacheLookup'>
>;

const NUMBER_DEFAULTS = {
  ...TOKEN_DEFAULTS,
  busyRetries: 3,
  busyBackoffBaseMs: 200,
  busyBackoffTotalMs: 5000,
  upstreamTimeoutMs: 10_000,
  lockWaitMs: 10_000,
  backgroundJitterMs: 30_000,
  backgroundMinDelayMs: 1000,
  backgroundFailureBaseMs: 1000,
  backgroundFailureMaxMs: 60_000,
  stopTimeoutMs: 5000,
} as const;

type NumberOption = keyof typeof NUMBER_DEFAULTS;

/** The default lock outlives the longest fetch by this much, and is never shorter than a minute. */
const LOCK_HEADROOM_MS = 10_000;
const MIN_DEFAULT_LOCK_TTL_MS = 60_000;

/** Fills defaults and rejects impossible settings with a message that says what to change. */
export function resolveTokenManagerOptions(options: TokenManagerOptions): ResolvedTokenManagerOptions {
  const numbers = {} as Record<NumberOption, number>;
  for (const name of Object.keys(NUMBER_DEFAULTS) as NumberOption[]) {
    const value = options[name] ?? NUMBER_DEFAULTS[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`TokenManager option ${name} must be a finite number ≥ 0 (got ${value}).`);
    }
    numbers[name] = value;
  }
  if (!Number.isInteger(numbers.busyRetries) || numbers.busyRetries > 10) {
    throw new RangeError(
      `TokenManager option busyRetries must be a whole number from 0 to 10 (got ${numbers.busyRetries}).`,
    );
  }
  if (
    numbers.backgroundFailureBaseMs < 1 ||
    numbers.backgroundFailureMaxMs < numbers.backgroundFailureBaseMs
  ) {
    throw new RangeError(
      'TokenManager options: backgroundFailureBaseMs must be ≥ 1 and backgroundFailureMaxMs ≥ backgroundFailureBaseMs, so a failing refresh never loops tightly.',
    );
  }
  const fetchBudgetMs = numbers.upstreamTimeoutMs * (numbers.busyRetries + 1) + numbers.busyBackoffTotalMs;
  const lockTtlMs = options.lockTtlMs ?? Math.max(MIN_DEFAULT_LOCK_TTL_MS, fetchBudgetMs + LOCK_HEADROOM_MS);
  if (!Number.isFinite(lockTtlMs) || lockTtlMs <= fetchBudgetMs) {
    throw new RangeError(
      `TokenManager option lockTtlMs (${lockTtlMs}) must exceed one fetch with all its busy retries, upstreamTimeoutMs × (busyRetries + 1) + busyBackoffTotalMs = ${fetchBudgetMs} ms: raise lockTtlMs or lower those.`,
    );
  }
  const seen = new Set<string>();
  for (const app of options.apps) {
    if (seen.has(app.appId)) throw new RangeError(`TokenManager: appId ${app.appId} is configured twice.`);
    seen.add(app.appId);
  }
  return {
    apps: options.apps,
    store: options.store,
    api: options.api,
    backgroundRefresh: options.backgroundRefresh ?? true,
    ...numbers,
    lockTtlMs,
  };
}
