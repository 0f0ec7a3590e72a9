import { InvalidOptionError } from '../errors.js';

/**
 * Token-bucket arithmetic, shared by the memory backend and mirrored by the Redis Lua script
 * (store/redis/redis-bucket-store.ts): a bucket holds up to `capacity` tokens, refills continuously at
 * `refillPerSecond`, and a request takes `cost` tokens or is refused with the time until it could.
 */

export interface BucketPolicy {
  /** Most tokens a bucket holds: the burst allowed after being idle. */
  capacity: number;
  /** Tokens added per second, up to `capacity`. */
  refillPerSecond: number;
}

export interface BucketState {
  tokens: number;
  /** Epoch ms of the last take. */
  updatedAt: number;
}

export interface TakeResult {
  allowed: boolean;
  /** How long until `cost` tokens are available; 0 when allowed. */
  retryAfterMs: number;
  /** Tokens left after this take. */
  remaining: number;
}

export interface TakeOutcome extends TakeResult {
  state: BucketState;
  /** After this long the bucket is full again, so its state can be forgotten (a missing bucket is full). */
  forgetAfterMs: number;
}

/** Checks a policy up front so a bad setting fails at start-up with a message that says what to change. */
export function validatePolicy(name: string, policy: BucketPolicy): BucketPolicy {
  if (!Number.isFinite(policy.capacity) || policy.capacity < 1) {
    throw new InvalidOptionError(`${name}: capacity must be at least 1 (got ${policy.capacity}).`);
  }
  if (!Number.isFinite(policy.refillPerSecond) || policy.refillPerSecond <= 0) {
    throw new InvalidOptionError(`${name}: refillPerSecond must be above 0 (got ${policy.refillPerSecond}).`);
  }
  return policy;
}

export function takeFromBucket(
  state: BucketState | undefined,
  now: number,
  policy: BucketPolicy,
  cost = 1,
): TakeOutcome {
  const perMs = policy.refillPerSecond / 1000;
  // A clock that went backwards (another replica's, or an adjusted one) refills nothing.
  const elapsed = state ? Math.max(0, now - state.updatedAt) : 0;
  const available = state ? Math.min(policy.capacity, state.tokens + elapsed * perMs) : policy.capacity;
  const updatedAt = state ? Math.max(now, state.updatedAt) : now;
  const allowed = available >= cost;
  const tokens = allowed ? available - cost : available;
  return {
    allowed,
    retryAfterMs: allowed ? 0 : Math.ceil((cost - available) / perMs),
    remaining: Math.floor(tokens),
    state: { tokens, updatedAt },
    forgetAfterMs: Math.ceil((policy.capacity - tokens) / perMs),
  };
}
