import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { BucketStore } from '../../src/limits/bucket-store.js';
import { MemoryBucketStore } from '../../src/limits/memory-bucket-store.js';
import { takeFromBucket, validatePolicy } from '../../src/limits/token-bucket.js';
import { RedisBucketStore } from '../../src/store/redis/redis-bucket-store.js';
import { deleteKeysUnder, keysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const policy = { capacity: 3, refillPerSecond: 2 };

describe('takeFromBucket', () => {
  it('starts full, empties, then refills at the configured rate', () => {
    let state = takeFromBucket(undefined, 0, policy).state;
    state = takeFromBucket(state, 0, policy).state;
    const third = takeFromBucket(state, 0, policy);
    expect(third).toMatchObject({ allowed: true, remaining: 0 });
    const refused = takeFromBucket(third.state, 0, policy);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(takeFromBucket(refused.state, 499, policy).allowed).toBe(false);
    expect(takeFromBucket(refused.state, 500, policy).allowed).toBe(true);
  });

  it('never holds more than its capacity, however long it idles', () => {
    const drained = takeFromBucket(undefined, 0, policy, 3).state;
    expect(takeFromBucket(drained, 3_600_000, policy).remaining).toBe(2);
  });

  it('refills nothing when the clock goes backwards', () => {
    const drained = takeFromBucket(undefined, 10_000, policy, 3).state;
    const back = takeFromBucket(drained, 5_000, policy);
    expect(back.allowed).toBe(false);
    expect(back.state.updatedAt).toBe(10_000);
  });

  it('says when the bucket is full again, so its state can be forgotten', () => {
    expect(takeFromBucket(undefined, 0, policy, 3).forgetAfterMs).toBe(1500);
    expect(takeFromBucket(undefined, 0, policy, 1).forgetAfterMs).toBe(500);
  });

  it('refuses nonsense policies with a message naming the setting', () => {
    expect(() => validatePolicy('X_SETTING', { capacity: 0, refillPerSecond: 1 })).toThrow(
      /X_SETTING: capacity/,
    );
    expect(() => validatePolicy('X_SETTING', { capacity: 1, refillPerSecond: 0 })).toThrow(/refillPerSecond/);
  });
});

/**
 * The same behaviour from both backends. Memory runs on a fake clock; Redis on its own server clock
 * (TIME in the script), so there time passes for real.
 */
function bucketStoreContract(
  name: string,
  make: (clock: { now(): number }) => BucketStore,
  advance: (clock: ReturnType<typeof fakeClock>, ms: number) => Promise<void>,
) {
  describe(`${name} bucket store`, () => {
    it('spends the burst, refuses with the wait, and refills with time', async () => {
      const clock = fakeClock();
      const store = make(clock);
      try {
        const results = [];
        for (let i = 0; i < 4; i++) results.push(await store.take('request:key-a', policy));
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, false]);
        expect(results[3]?.retryAfterMs).toBeGreaterThan(400);
        expect(results[3]?.retryAfterMs).toBeLessThanOrEqual(500);
        await advance(clock, 500);
        expect((await store.take('request:key-a', policy)).allowed).toBe(true);
        expect((await store.take('request:key-a', policy)).allowed).toBe(false);
      } finally {
        await store.close();
      }
    });

    it('keeps separate budgets for separate buckets', async () => {
      const clock = fakeClock();
      const store = make(clock);
      try {
        expect((await store.take('request:key-a', policy, 3)).allowed).toBe(true);
        expect((await store.take('request:key-a', policy)).allowed).toBe(false);
        expect((await store.take('request:key-b', policy)).allowed).toBe(true);
      } finally {
        await store.close();
      }
    });
  });
}

bucketStoreContract(
  'memory',
  (clock) => new MemoryBucketStore({ clock }),
  async (clock, ms) => clock.advance(ms),
);

const realWait = (_clock: unknown, ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('MemoryBucketStore bound', () => {
  it('forgets full buckets first, then the least recently used, never exceeding maxBuckets', async () => {
    const clock = fakeClock();
    const store = new MemoryBucketStore({ clock, maxBuckets: 3 });
    for (const key of ['a', 'b', 'c']) await store.take(`request:${key}`, policy, 3);
    await store.take('request:d', policy, 3);
    expect(store.size).toBe(3);
    // "a" was the least recently used and is gone: it starts full again.
    expect((await store.take('request:a', policy)).remaining).toBe(2);
    // "d" was kept: still empty.
    expect((await store.take('request:d', policy)).allowed).toBe(false);
  });

  it('a bucket taken from again is the most recently used, also when it was the last taken', async () => {
    const clock = fakeClock();
    const store = new MemoryBucketStore({ clock, maxBuckets: 3 });
    const roomy = { capacity: 10, refillPerSecond: 2 };
    for (const key of ['a', 'a', 'b', 'c', 'a']) await store.take(`request:${key}`, roomy, 1);
    await store.take('request:d', roomy, 1);
    expect(store.size).toBe(3);
    // "b" was the least recently used: it starts full again; "a" kept the three it spent.
    expect((await store.take('request:b', roomy)).remaining).toBe(9);
    expect((await store.take('request:a', roomy)).remaining).toBe(6);
  });
});

describeRedis('RedisBucketStore', () => {
  const prefix = randomPrefix();
  const stores: RedisBucketStore[] = [];
  const open = (clock: { now(): number }, keyPrefix = prefix) => {
    const store = new RedisBucketStore({ url: redisUrl, keyPrefix, clock });
    stores.push(store);
    return store;
  };
  let stage = 0;
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await deleteKeysUnder(redisUrl, prefix);
  });

  // Each contract test starts from empty buckets: its own prefix under the file's prefix.
  bucketStoreContract('redis', (clock) => open(clock, `${prefix}${++stage}:`), realWait);

  it('shares one budget between two replicas', async () => {
    const clock = fakeClock();
    const first = open(clock);
    const second = open(clock);
    await Promise.all([first.ready(), second.ready()]);
    const wide = { capacity: 10, refillPerSecond: 1 };
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? first : second).take('request:shared', wide)),
    );
    expect(answers.filter((a) => a.allowed)).toHaveLength(10);
    await realWait(clock, 1000);
    expect((await second.take('request:shared', wide)).allowed).toBe(true);
    expect((await first.take('request:shared', wide)).allowed).toBe(false);
  });

  it('stores buckets under the prefix with an expiry, named by bucket only', async () => {
    const clock = fakeClock();
    const store = open(clock);
    await store.ready();
    await store.take('request:0123456789abcdef', policy, 2);
    const redis = new Redis(redisUrl);
    try {
      // The bucket is its own Cluster hash tag.
      const keys = await keysUnder(redis, `${prefix}ratelimit:{request:0123456789abcdef`);
      expect(keys).toEqual([`${prefix}ratelimit:{request:0123456789abcdef}`]);
      const ttl = await redis.pttl(`${prefix}ratelimit:{request:0123456789abcdef}`);
      // Two tokens at 2/s refill in 1000 ms, plus a second of slack.
      expect(ttl).toBeGreaterThan(1000);
      expect(ttl).toBeLessThanOrEqual(2000);
    } finally {
      await redis.quit();
    }
  });

  it('runs on Redis server time: a replica 15 s ahead does not refuse a key sending 1 request per second', async () => {
    const skewed = open({ now: () => Date.now() + 15_000 });
    const honest = open({ now: () => Date.now() });
    await Promise.all([skewed.ready(), honest.ready()]);
    const perSecond = { capacity: 2, refillPerSecond: 1 };
    // On each replica's own clock, the skewed one's take would stamp the bucket 15 s ahead and the honest
    // one would see no refill for 15 s: its second take in a row would be refused.
    const allowed: boolean[] = [];
    for (const store of [skewed, honest, honest, skewed, honest]) {
      if (allowed.length > 0) await realWait(undefined, 1000);
      allowed.push((await store.take('request:steady', perSecond)).allowed);
    }
    expect(allowed).toEqual([true, true, true, true, true]);
  });

  it('refuses bucket names that look like a credential', async () => {
    const store = open(fakeClock());
    await expect(store.take(`request:${'a'.repeat(70)}`, policy)).rejects.toThrow(/key ids and appIds/);
  });
});

describe('RedisBucketStore without Redis', () => {
  it('counts locally while Redis is unreachable', async () => {
    const clock = fakeClock();
    // Port 1 on loopback refuses connections at once.
    const store = new RedisBucketStore({ url: 'redis://127.0.0.1:1', clock, commandTimeoutMs: 100 });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push((await store.take('request:k', policy)).allowed);
      expect(answers).toEqual([true, true, true, false]);
    } finally {
      await store.close();
    }
  });
});
