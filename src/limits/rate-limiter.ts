import type { RateLimitConfig } from '../config/index.js';
import { RateLimitedError } from '../errors.js';
import type { BucketStore } from './bucket-store.js';
import { type BucketPolicy, validatePolicy } from './token-bucket.js';

/** The refreshToken budgets of one request's caller; the resolver checks them once it knows the app. */
export interface RefreshBudget {
  check(appId: string): Promise<void>;
}

/** Who a budget belongs to: the caller's key id (never the key). */
export interface RateLimitedCaller {
  id: string;
}

/** The bucket of each caller's request budget, named once per caller (one object per API key). */
const requestBuckets = new WeakMap<RateLimitedCaller, string>();

/** The bucket of a caller's request budget. */
function requestBucketOf(caller: RateLimitedCaller): string {
  let bucket = requestBuckets.get(caller);
  if (bucket === undefined) {
    bucket = `request:${caller.id}`;
    requestBuckets.set(caller, bucket);
  }
  return bucket;
}

/** One budget: its bucket names and the policy, or undefined when the limit is off (0). */
interface Budget {
  policy: BucketPolicy;
  describe: string;
}

function perMinute(count: number, describe: string): Budget | undefined {
  if (count === 0) return undefined;
  return { policy: validatePolicy(describe, { capacity: count, refillPerSecond: count / 60 }), describe };
}

/**
 * The gateway's budgets: every request draws from its key's budget; `refreshToken` also draws from a
 * per-key and a per-app budget (on top of the token manager's forced-refresh cooldown), so neither
 * one key nor all keys together can make the gateway hammer WeChat's token endpoint.
 */
export class RateLimiter {
  private readonly request: Budget | undefined;
  private readonly refreshPerKey: Budget | undefined;
  private readonly refreshPerApp: Budget | undefined;

  constructor(
    private readonly store: BucketStore,
    config: RateLimitConfig,
  ) {
    this.request =
      config.requestsPerSecond === 0
        ? undefined
        : {
            policy: validatePolicy('RATE_LIMIT_REQUESTS_PER_SECOND / RATE_LIMIT_REQUEST_BURST', {
              capacity: config.requestBurst,
              refillPerSecond: config.requestsPerSecond,
            }),
            describe: `${config.requestsPerSecond} requests per second (burst ${config.requestBurst}) per API key`,
          };
    this.refreshPerKey = perMinute(
      config.refreshPerKeyPerMinute,
      `${config.refreshPerKeyPerMinute} refreshToken calls per minute per API key`,
    );
    this.refreshPerApp = perMinute(
      config.refreshPerAppPerMinute,
      `${config.refreshPerAppPerMinute} refreshToken calls per minute per app`,
    );
  }

  /** Takes one request from the caller's budget, or throws RATE_LIMITED with the wait. */
  async checkRequest(caller: RateLimitedCaller): Promise<void> {
    await this.take(requestBucketOf(caller), this.request);
  }

  /**
   * `checkRequest` without waiting, when the store can answer at once: true when the request was
   * taken from the budget, false when it is refused (nothing taken), undefined when only
   * `checkRequest` can tell (nothing taken).
   */
  admitsNow(caller: RateLimitedCaller): boolean | undefined {
    if (!this.request) return true;
    return this.store.takeNow?.(requestBucketOf(caller), this.request.policy)?.allowed;
  }

  /** Takes one refresh from the caller's and the app's budgets, or throws RATE_LIMITED. */
  async checkRefresh(caller: RateLimitedCaller, appId: string): Promise<void> {
    await this.take(`refresh-key:${caller.id}`, this.refreshPerKey);
    await this.take(`refresh-app:${appId}`, this.refreshPerApp);
  }

  /** The refresh budgets of one caller, for the GraphQL context. */
  refreshBudgetOf(caller: RateLimitedCaller): RefreshBudget {
    return { check: (appId) => this.checkRefresh(caller, appId) };
  }

  private async take(bucket: string, budget: Budget | undefined): Promise<void> {
    if (!budget) return;
    const result = await this.store.take(bucket, budget.policy);
    if (!result.allowed) {
      const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      throw new RateLimitedError(`Rate limit reached (${budget.describe}); retry in ${seconds} s.`, seconds);
    }
  }
}
