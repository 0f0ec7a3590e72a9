import { type Clock, systemClock } from '../../clock.js';
import type { BucketStore } from '../../limits/bucket-store.js';
import { MemoryBucketStore } from '../../limits/memory-bucket-store.js';
import type { BucketPolicy, TakeResult } from '../../limits/token-bucket.js';
import type { Logger } from '../../logger.js';
import { silentLogger } from '../../logger.js';
import { redact } from '../../redact.js';
import { RedisConnection } from './connection.js';
import { type RedisEndpointOptions, resolveRedisEndpoint } from './endpoint.js';

/**
 * The same arithmetic as `takeFromBucket`, done atomically in Redis so replicas share one budget, on the
 * Redis server's clock (TIME), so a replica whose clock is off neither drains nor refills others' buckets.
 * KEYS: bucket hash. ARGV: capacity, refill per ms, cost.
 * Returns { allowed (0|1), retry after ms, remaining }. The key expires once the bucket would be full.
 */
const TAKE_SCRIPT = `
local capacity = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
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

interface BucketScript {
  wxgwBucketTake(key: string, capacity: number, perMs: number, cost: number): Promise<number[]>;
}

/** Bucket names become key parts: purposes, key ids and appIds only. */
const BUCKET_NAME = /^[A-Za-z0-9_.:-]{1,120}$/;

export interface RedisBucketStoreOptions extends RedisEndpointOptions {
  /** Shared with the token store, so `<prefix>ratelimit:*` sits beside the tokens. @default 'wxgw:' */
  keyPrefix?: string;
  /** The clock of the per-replica fallback while Redis is unreachable (Redis itself uses TIME). @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** How long one take may wait for Redis before this replica counts locally. @default 500 */
  commandTimeoutMs?: number;
  /** How long to wait for a TCP (and TLS) connection. @default 2000 */
  connectTimeoutMs?: number;
  /** @default silentLogger */
  logger?: Logger;
}

/**
 * Token buckets in Redis, one hash per bucket at `<prefix>ratelimit:{<bucket>}` (its own Cluster hash
 * tag). While Redis is unreachable each replica keeps budgets in its own memory (logged once per outage),
 * so a Redis outage neither blocks every request nor lifts every limit.
 */
export class RedisBucketStore implements BucketStore {
  readonly kind = 'redis' as const;
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly fallback: MemoryBucketStore;
  private readonly log: Logger;
  private readonly connectTimeoutMs: number;
  private degraded = false;
  /** Settles once Redis is first ready or `commandTimeoutMs` has passed, whichever is first. */
  private readonly firstContact: Promise<void>;

  constructor(options: RedisBucketStoreOptions) {
    this.prefix = `${options.keyPrefix ?? 'wxgw:'}ratelimit:`;
    this.fallback = new MemoryBucketStore({ clock: options.clock ?? systemClock });
    this.log = (options.logger ?? silentLogger).child({ component: 'rate-limit' });
    const commandTimeoutMs = options.commandTimeoutMs ?? 500;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    this.connection = new RedisConnection(resolveRedisEndpoint(options), {
      name: 'rate-limit',
      role: 'commands',
      connectTimeoutMs: this.connectTimeoutMs,
      commandTimeoutMs,
      maxReconnectDelayMs: 2000,
      scripts: { wxgwBucketTake: { numberOfKeys: 1, lua: TAKE_SCRIPT } },
      logger: this.log,
      onReady: () => {
        if (this.degraded) this.log.info('Redis is back: rate limits are shared by all replicas again');
        this.degraded = false;
      },
    });
    // Right after start-up the connection is still being made: wait for it (bounded) rather than count
    // the first requests locally. Later outages fail fast, with the offline queue off.
    this.firstContact = this.connection.ready(commandTimeoutMs).catch(() => undefined);
  }

  /** Resolves once Redis answers; rejects with `STORE_UNAVAILABLE` after the connect timeout. */
  async ready(): Promise<void> {
    await this.connection.ready(this.connectTimeoutMs);
  }

  async take(bucket: string, policy: BucketPolicy, cost = 1): Promise<TakeResult> {
    if (!BUCKET_NAME.test(bucket) || redact(bucket) !== bucket) {
      throw new TypeError('Rate-limit bucket names are purposes, key ids and appIds only.');
    }
    await this.firstContact;
    try {
      const redis = this.connection.client as RedisConnection['client'] & BucketScript;
      const [allowed, retryAfterMs, remaining] = await redis.wxgwBucketTake(
        `${this.prefix}{${bucket}}`,
        policy.capacity,
        policy.refillPerSecond / 1000,
        cost,
      );
      return { allowed: allowed === 1, retryAfterMs: retryAfterMs ?? 0, remaining: remaining ?? 0 };
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.log.warn(
          { err: this.connection.describe(error) },
          'Redis unreachable: rate limits are counted per replica until it is back',
        );
      }
      return this.fallback.takeNow(bucket, policy, cost);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    await this.connection.quit(1000);
  }
}
