import type { Clock, Random } from '../clock.js';
import { TOKEN_DEFAULTS } from '../config/defaults.js';
import type { AppConfig } from '../config/index.js';
import { InvalidOptionError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';
import type { Stores } from '../store/ports.js';
import type { BusyRetryPolicy, FailureBackoffPolicy } from '../upstream/backoff.js';
import type { WeChatApi, WeComApi } from '../wechat/endpoints.js';
import type { WeChatFrontendApi } from '../wechat/frontend-endpoints.js';
import type { RefreshSchedulePolicy } from './schedule.js';

export interface TokenManagerOptions {
  apps: AppConfig[];
  /**
   * The app an omitted `appId` means when several are configured (the embedded sandbox's demo
   * Official Account in `npm run dev`). @default none: `appId` may be omitted only with one app
   */
  defaultAppId?: string;
  stores: Stores;
  /**
   * WeChat's token endpoint, and the ticket endpoint the apps' JS-SDK tickets come from; WeCom's
   * gettoken and tickets, needed once a WeCom app is configured.
   */
  api: Pick<WeChatApi, 'fetchToken'> & Pick<WeChatFrontendApi, 'getTicket'> & Partial<WeComApi>;
  /** @default systemClock */
  clock?: Clock;
  /** @default Math.random */
  random?: Random;
  /** @default silentLogger */
  logger?: Logger;
  /** Told whether each `getToken` was answered from the cache (`hit`) or waited for a fetch (`miss`), for metrics. */
  onCacheLookup?: (appId: string, result: 'hit' | 'miss') => void;
  /**
   * The gateway's redaction (src/redact.ts), the one its logger and WeChat client use: it learns the
   * AppSecret of every app this manager serves and every credential value from the moment the engine
   * accepts it. @default a redactor of its own
   */
  redactor?: Redactor;
  /** A token inside this many seconds of its expiry is renewed. @default 300 */
  refreshMarginSeconds?: number;
  /**
   * WeChat's early-renewal window of stable tokens: normal-mode stable_token hands out a new token only
   * in the last this-many seconds of the current one's life (before, it hands back the same). Stable
   * tokens are renewed in the background just after it opens. @default 300
   */
  stableEarlyWindowSeconds?: number;
  /**
   * A token obtained less than this many seconds ago that WeChat rejects on an API call is not renewed
   * again at once: callers get WECHAT_TOKEN_REJECTED with `retryAfterSeconds`, so a WeChat that rejects
   * every token costs one token fetch per window per app, across replicas. @default 30
   */
  rejectedRenewalWindowSeconds?: number;
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
   * Lease of the per-app fetch lock. The holder renews it every third of it while its fetch runs, so
   * a fetch may take as long as WeChat does; a holder that dies (or pauses past it) frees the app
   * within one lease, and its late write is fenced. @default 3000
   */
  lockLeaseMs?: number;
  /** How long a caller waits for another replica's fetch before giving up. @default 10000 */
  lockWaitMs?: number;
  /** Whether `start()` runs the proactive renewal timers. @default true */
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
  /**
   * Background renewals running at once on this replica; the others due wait their turn. A start with
   * thousands of apps and no token in the store asks WeChat for them this many at a time, not all at
   * once (which timed out Redis commands and upstream calls alike). @default 16
   */
  backgroundConcurrency?: number;
}

export type ResolvedTokenManagerOptions = Required<
  Omit<TokenManagerOptions, 'clock' | 'random' | 'logger' | 'onCacheLookup' | 'redactor' | 'defaultAppId'>
>;

/** What the credential engine runs on, in its own units. */
export interface EngineSettings {
  schedule: RefreshSchedulePolicy;
  failureBackoff: FailureBackoffPolicy;
  busy: BusyRetryPolicy;
  negativeCacheMs: number;
  forceCooldownMs: number;
  rejectedRenewalWindowMs: number;
  leaseMs: number;
  leaseWaitMs: number;
  stopTimeoutMs: number;
  backgroundRenewal: boolean;
  /** Background renewals running at once. */
  backgroundConcurrency: number;
  /**
   * Credentials renewed only once used (`after-use` kinds) are renewed ahead while used within this
   * long on this replica; undefined: for as long as the process runs.
   */
  renewIfUsedWithinMs?: number;
}

export function engineSettings(options: ResolvedTokenManagerOptions): EngineSettings {
  return {
    schedule: {
      marginMs: options.refreshMarginSeconds * 1000,
      jitterMs: options.backgroundJitterMs,
      minDelayMs: options.backgroundMinDelayMs,
    },
    failureBackoff: { baseMs: options.backgroundFailureBaseMs, maxMs: options.backgroundFailureMaxMs },
    busy: {
      retries: options.busyRetries,
      baseMs: options.busyBackoffBaseMs,
      totalMs: options.busyBackoffTotalMs,
    },
    negativeCacheMs: options.negativeCacheSeconds * 1000,
    forceCooldownMs: options.forceRefreshCooldownSeconds * 1000,
    rejectedRenewalWindowMs: options.rejectedRenewalWindowSeconds * 1000,
    leaseMs: options.lockLeaseMs,
    leaseWaitMs: options.lockWaitMs,
    stopTimeoutMs: options.stopTimeoutMs,
    backgroundRenewal: options.backgroundRefresh,
    backgroundConcurrency: options.backgroundConcurrency,
  };
}

const NUMBER_DEFAULTS = {
  ...TOKEN_DEFAULTS,
  stableEarlyWindowSeconds: 300,
  rejectedRenewalWindowSeconds: 30,
  busyRetries: 3,
  busyBackoffBaseMs: 200,
  busyBackoffTotalMs: 5000,
  lockLeaseMs: 3000,
  lockWaitMs: 10_000,
  backgroundJitterMs: 30_000,
  backgroundMinDelayMs: 1000,
  backgroundFailureBaseMs: 1000,
  backgroundFailureMaxMs: 60_000,
  stopTimeoutMs: 5000,
  backgroundConcurrency: 16,
} as const;

type NumberOption = keyof typeof NUMBER_DEFAULTS;

/** Redis counts PX in whole milliseconds; a shorter lease could lapse between two renewals. */
const MIN_LOCK_LEASE_MS = 100;

/** Fills defaults and rejects impossible settings with a message that says what to change. */
export function resolveTokenManagerOptions(options: TokenManagerOptions): ResolvedTokenManagerOptions {
  const numbers = {} as Record<NumberOption, number>;
  for (const name of Object.keys(NUMBER_DEFAULTS) as NumberOption[]) {
    const value = options[name] ?? NUMBER_DEFAULTS[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidOptionError(`TokenManager option ${name} must be a finite number ≥ 0 (got ${value}).`);
    }
    numbers[name] = value;
  }
  if (!Number.isInteger(numbers.busyRetries) || numbers.busyRetries > 10) {
    throw new InvalidOptionError(
      `TokenManager option busyRetries must be a whole number from 0 to 10 (got ${numbers.busyRetries}).`,
    );
  }
  if (
    numbers.backgroundFailureBaseMs < 1 ||
    numbers.backgroundFailureMaxMs < numbers.backgroundFailureBaseMs
  ) {
    throw new InvalidOptionError(
      'TokenManager options: backgroundFailureBaseMs must be ≥ 1 and backgroundFailureMaxMs ≥ backgroundFailureBaseMs, so a failing refresh never loops tightly.',
    );
  }
  if (!Number.isInteger(numbers.backgroundConcurrency) || numbers.backgroundConcurrency < 1) {
    throw new InvalidOptionError(
      `TokenManager option backgroundConcurrency must be a whole number ≥ 1 (got ${numbers.backgroundConcurrency}): at least one renewal must be able to run.`,
    );
  }
  if (!Number.isInteger(numbers.lockLeaseMs) || numbers.lockLeaseMs < MIN_LOCK_LEASE_MS) {
    throw new InvalidOptionError(
      `TokenManager option lockLeaseMs must be a whole number of milliseconds ≥ ${MIN_LOCK_LEASE_MS} (got ${numbers.lockLeaseMs}); a few seconds is right: the holder renews it while it fetches.`,
    );
  }
  const seen = new Set<string>();
  for (const app of options.apps) {
    if (seen.has(app.appId))
      throw new InvalidOptionError(`TokenManager: appId ${app.appId} is configured twice.`);
    seen.add(app.appId);
  }
  return {
    apps: options.apps,
    stores: options.stores,
    api: options.api,
    backgroundRefresh: options.backgroundRefresh ?? true,
    ...numbers,
  };
}
