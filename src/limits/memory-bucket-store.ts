import { type Clock, systemClock } from '../clock.js';
import { InvalidOptionError } from '../errors.js';
import type { BucketStore } from './bucket-store.js';
import { type BucketPolicy, type BucketState, type TakeResult, takeFromBucket } from './token-bucket.js';

export interface MemoryBucketStoreOptions {
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** Buckets kept before full ones are swept, then the oldest dropped (a dropped bucket is full). @default 10000 */
  maxBuckets?: number;
}

/** Token buckets in this process: exact for one replica, per replica when there are several. */
export class MemoryBucketStore implements BucketStore {
  readonly kind = 'memory' as const;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly maxBuckets: number;
  private readonly buckets = new Map<string, { state: BucketState; forgetAt: number }>();
  /** The bucket last moved to the end of `buckets`' order (least recently used first). */
  private mostRecent: string | undefined;

  constructor(options: MemoryBucketStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxBuckets = options.maxBuckets ?? 10_000;
    if (!Number.isInteger(this.maxBuckets) || this.maxBuckets < 1) {
      throw new InvalidOptionError(
        `MemoryBucketStore maxBuckets must be a positive whole number (got ${this.maxBuckets}).`,
      );
    }
  }

  async take(bucket: string, policy: BucketPolicy, cost = 1): Promise<TakeResult> {
    return this.takeNow(bucket, policy, cost);
  }

  /** Synchronous take, also the Redis store's fallback while Redis is unreachable. */
  takeNow(bucket: string, policy: BucketPolicy, cost = 1): TakeResult {
    const now = this.clock.now();
    const held = this.buckets.get(bucket);
    const outcome = takeFromBucket(held?.state, now, policy, cost);
    if (held && bucket === this.mostRecent) {
      // Already last in the map's order: updated in place, nothing to move.
      held.state = outcome.state;
      held.forgetAt = now + outcome.forgetAfterMs;
    } else {
      this.buckets.delete(bucket);
      this.buckets.set(bucket, { state: outcome.state, forgetAt: now + outcome.forgetAfterMs });
      this.mostRecent = bucket;
      if (this.buckets.size > this.maxBuckets) this.sweep(now);
    }
    return { allowed: outcome.allowed, retryAfterMs: outcome.retryAfterMs, remaining: outcome.remaining };
  }

  /** How many buckets are held (tests check the bound). */
  get size(): number {
    return this.buckets.size;
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }

  private sweep(now: number): void {
    for (const [name, entry] of this.buckets) {
      if (entry.forgetAt <= now) this.buckets.delete(name);
    }
    // Still too many: drop the least recently used (Map order is insertion order, refreshed on each take).
    for (const name of this.buckets.keys()) {
      if (this.buckets.size <= this.maxBuckets) break;
      this.buckets.delete(name);
    }
  }
}
