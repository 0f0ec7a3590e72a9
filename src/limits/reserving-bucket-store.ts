import { type Clock, systemClock } from '../clock.js';
import type { BucketStore } from './bucket-store.js';
import type { BucketPolicy, TakeResult } from './token-bucket.js';

export interface ReservingBucketStoreOptions {
  /** The store every replica shares (Redis); shares of a bucket are reserved from it. */
  shared: BucketStore;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** How long a reserved share may be spent in this process before what is left of it lapses. @default 1000 */
  leaseMs?: number;
  /** Most tokens reserved at once (also bounded by a tenth of the burst and a lease's worth of refill). @default 1000 */
  maxShare?: number;
  /** Buckets remembered before lapsed ones are swept. @default 10000 */
  maxBuckets?: number;
}

interface Lease {
  tokens: number;
  expiresAt: number;
  /** The size of the share this lease was, which the next one grows from or shrinks to. */
  share: number;
  /** While refused: the shared bucket has no token for `cost` before this (refill is the only source). */
  refusedUntil?: number;
}

/** The largest share of one bucket a replica takes at once: small buckets stay exact (share 1). */
export function shareLimit(policy: BucketPolicy, leaseMs: number, maxShare: number): number {
  return Math.max(
    1,
    Math.min(
      maxShare,
      Math.floor(policy.capacity / 10),
      Math.ceil((policy.refillPerSecond * leaseMs) / 1000),
    ),
  );
}

/**
 * Shared budgets without a round trip per request (docs/scaling.md, "Rate limits"): a replica reserves
 * a share of a bucket from the shared store in one take, spends it locally, and reserves the next
 * share once it is spent, doubling the share each time a lease is spent within `leaseMs` (up to
 * `shareLimit`) and halving it when one lapses half used. A refusal is remembered for the wait the
 * shared store gave, so a flood over the limit costs no command per request either.
 *
 * Error bound: admission never exceeds what the shared bucket grants (every local token was taken from
 * it first), so replicas together never pass the limit. A key may be refused early by at most the
 * unspent part of each other replica's current share (≤ `shareLimit` − 1 tokens per replica), which lapses
 * after `leaseMs`.
 */
export class ReservingBucketStore implements BucketStore {
  readonly kind: BucketStore['kind'];
  private readonly shared: BucketStore;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly leaseMs: number;
  private readonly maxShare: number;
  private readonly maxBuckets: number;
  private readonly leases = new Map<string, Lease>();
  private readonly reserving = new Map<string, Promise<unknown>>();

  constructor(options: ReservingBucketStoreOptions) {
    this.shared = options.shared;
    this.kind = options.shared.kind;
    this.clock = options.clock ?? systemClock;
    this.leaseMs = options.leaseMs ?? 1000;
    this.maxShare = options.maxShare ?? 1000;
    this.maxBuckets = options.maxBuckets ?? 10_000;
    for (const [name, value] of Object.entries({
      leaseMs: this.leaseMs,
      maxShare: this.maxShare,
      maxBuckets: this.maxBuckets,
    })) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(`ReservingBucketStore ${name} must be a positive whole number (got ${value}).`);
      }
    }
  }

  async take(bucket: string, policy: BucketPolicy, cost = 1): Promise<TakeResult> {
    for (;;) {
      const local = this.takeLocally(bucket, cost);
      if (local) return local;
      const running = this.reserving.get(bucket);
      if (!running) break;
      // Another request of this bucket is reserving: its share may serve this one too.
      await running;
    }
    const reservation = this.reserve(bucket, policy, cost);
    this.reserving.set(bucket, reservation);
    try {
      return await reservation;
    } finally {
      this.reserving.delete(bucket);
    }
  }

  /** What is left of this replica's share answers at once; reserving the next one needs `take`. */
  takeNow(bucket: string, _policy: BucketPolicy, cost = 1): TakeResult | undefined {
    return this.takeLocally(bucket, cost);
  }

  async close(): Promise<void> {
    this.leases.clear();
    await this.shared.close();
  }

  private takeLocally(bucket: string, cost: number): TakeResult | undefined {
    const lease = this.leases.get(bucket);
    if (!lease) return undefined;
    const now = this.clock.now();
    if (lease.refusedUntil !== undefined && now < lease.refusedUntil) {
      return { allowed: false, retryAfterMs: Math.ceil(lease.refusedUntil - now), remaining: 0 };
    }
    if (now >= lease.expiresAt || lease.tokens < cost) return undefined;
    lease.tokens -= cost;
    return { allowed: true, retryAfterMs: 0, remaining: Math.floor(lease.tokens) };
  }

  private nextShare(previous: Lease | undefined, limit: number, now: number): number {
    if (!previous || previous.refusedUntil !== undefined) return 1;
    if (now < previous.expiresAt) return Math.min(limit, previous.share * 2);
    return previous.tokens > previous.share / 2
      ? Math.max(1, Math.floor(previous.share / 2))
      : previous.share;
  }

  private async reserve(bucket: string, policy: BucketPolicy, cost: number): Promise<TakeResult> {
    const now = this.clock.now();
    const limit = shareLimit(policy, this.leaseMs, this.maxShare);
    let share = Math.max(cost, this.nextShare(this.leases.get(bucket), limit, now));
    let result = await this.shared.take(bucket, policy, share);
    if (!result.allowed && share > cost) {
      share = cost;
      result = await this.shared.take(bucket, policy, cost);
    }
    const at = this.clock.now();
    if (this.leases.size >= this.maxBuckets) this.sweep(at);
    this.leases.delete(bucket);
    this.leases.set(
      bucket,
      result.allowed
        ? { tokens: share - cost, expiresAt: at + this.leaseMs, share }
        : { tokens: 0, expiresAt: at, share: 1, refusedUntil: at + result.retryAfterMs },
    );
    return result.allowed ? { ...result, remaining: Math.max(0, result.remaining) } : result;
  }

  private sweep(now: number): void {
    for (const [name, lease] of this.leases) {
      if (lease.expiresAt <= now && (lease.refusedUntil ?? 0) <= now) this.leases.delete(name);
    }
    for (const name of this.leases.keys()) {
      if (this.leases.size < this.maxBuckets) break;
      this.leases.delete(name);
    }
  }
}
