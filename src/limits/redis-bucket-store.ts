import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { errorText, redact } from '../redact.js';
import { describeEndpoint, reconnectDelayMs } from '../token/redis-options.js';
import type { BucketStore, Clock } from './bucket-store.js';
import { MemoryBucketStore } from './memory-bucket-store.js';
import type { BucketPolicy, TakeResult } from './token-bucket.js';

/**
 * The same arithmetic as `takeFromBucket`, done atomically in Redis so replicas share one budget.
 * KEYS: bucket hash. ARGV: capacity, refill per ms, now (epoch ms), cost.
 * Returns { allowed (0|1), retry after ms, remaining }. The key expires once the bucket would be full.
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil or at == nil then
  tokens = capacity
  at = now
end
tokens = math.min(capacity, tokens + math.max(0, now - at) * perMs)
at = math.max(now, at)
local allowed = 0
local retry = 0
if tokens >= cost then
  allowed = 1
  tokens = tokens - cost
else
  retry = math.ceil((cost - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((capacity - tokens) / perMs)) + 1000)
return { allowed, retry, math.floor(tokens) }`;

type ScriptedRedis = Redis & {
  wxgwBucketTake(key: string, capacity: number, perMs: number, now: number, cost: number): Promise<number[]>;
};

/** Bucket names become key parts: purposes, key ids and appIds only. */
const BUCKET_NAME = /^[A-Za-z0-9_.:-]{1,120}$/;

export interface RedisBucketStoreOptions {
  url: string;
  /** Shared with the token store, so `<prefix>ratelimit:*` sits beside the tokens. @default 'wxgw:' */
  keyPrefix?: string;
  /** @default Date */
  clock?: Clock;
  /** How long one take may wait for Redis before this replica counts locally. @default 500 */
  commandTimeoutMs?: number;
  /** @default silentLogger */
  logger?: Logger;
}

/**
 * Token buckets in Redis, one hash per bucket under `<prefix>ratelimit:`. While Redis is unreachable
 * each replica keeps budgets in its own memory (logged once per outage), so a Redis outage neither
 * blocks every request nor lifts every limit.
 */
export class RedisBucketStore implements BucketStore {
  readonly kind = 'redis' as const;
  private readonly client: ScriptedRedis;
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly fallback: MemoryBucketStore;
  private readonly log: Logger;
  private degraded = false;
  /** Settles once Redis is first ready or `commandTimeoutMs` has passed, whichever is first. */
  private readonly firstContact: Promise<void>;

  constructor(options: RedisBucketStoreOptions) {
    this.prefix = `${options.keyPrefix ?? 'wxgw:'}ratelimit:`;
    this.clock = options.clock ?? Date;
    this.fallback = new MemoryBucketStore({ clock: this.clock });
    this.log = (options.logger ?? silentLogger).child({
      component: 'rate-limit',
      redis: describeEndpoint(options.url),
    });
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs ?? 500,
      retryStrategy: (attempt) => reconnectDelayMs(attempt, 2000),
      scripts: { wxgwBucketTake: { numberOfKeys: 1, lua: TAKE_SCRIPT } },
    }) as ScriptedRedis;
    this.client.on('error', () => {
      // Connection errors surface as failed takes (logged there); this keeps ioredis from printing them.
    });
    const commandTimeoutMs = options.commandTimeoutMs ?? 500;
    // Right after start-up the connection is still being made: wait for it (bounded) rather than count
    // the first requests locally. Later outages fail fast, with the offline queue off.
    this.firstContact = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, commandTimeoutMs);
      timer.unref();
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.client.on('ready', () => {
      if (this.degraded) this.log.info('Redis is back: rate limits are shared by all replicas again');
      this.degraded = false;
    });
  }

  /** Resolves once Redis answers (tests use it; the gateway starts without waiting). */
  async ready(): Promise<void> {
    if (this.client.status === 'ready') return;
    await new Promise<void>((resolve) => this.client.once('ready', () => resolve()));
  }

  async take(bucket: string, policy: BucketPolicy, cost = 1): Promise<TakeResult> {
    if (!BUCKET_NAME.test(bucket) || redact(bucket) !== bucket) {
      throw new TypeError('Rate-limit bucket names are purposes, key ids and appIds only.');
    }
    await this.firstContact;
    try {
      const [allowed, retryAfterMs, remaining] = await this.client.wxgwBucketTake(
        `${this.prefix}${bucket}`,
        policy.capacity,
        policy.refillPerSecond / 1000,
        this.clock.now(),
        cost,
      );
      return { allowed: allowed === 1, retryAfterMs: retryAfterMs ?? 0, remaining: remaining ?? 0 };
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.log.warn(
          { err: errorText(error) },
          'Redis unreachable: rate limits are counted per replica until it is back',
        );
      }
      return this.fallback.takeNow(bucket, policy, cost);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
