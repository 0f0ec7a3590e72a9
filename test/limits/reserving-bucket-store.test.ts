import { describe, expect, it } from 'vitest';
import type { BucketStore } from '../../src/limits/bucket-store.js';
import { MemoryBucketStore } from '../../src/limits/memory-bucket-store.js';
import { ReservingBucketStore, shareLimit } from '../../src/limits/reserving-bucket-store.js';
import type { BucketPolicy } from '../../src/limits/token-bucket.js';

/** A shared store (memory here; Redis in production) that counts the takes reaching it. */
function countingShared(clock: { now(): number }): BucketStore & { takes: number } {
  const inner = new MemoryBucketStore({ clock });
  const shared = {
    kind: 'redis' as const,
    takes: 0,
    take: (bucket: string, policy: BucketPolicy, cost?: number) => {
      shared.takes++;
      return inner.take(bucket, policy, cost);
    },
    close: () => inner.close(),
  };
  return shared;
}

/** A shared store on a clock that moves only when told, and `replicas` reserving from it. */
function setup(replicas = 1) {
  let now = 0;
  const clock = { now: () => now };
  const shared = countingShared(clock);
  const stores = Array.from({ length: replicas }, () => new ReservingBucketStore({ shared, clock }));
  return { shared, store: stores[0] as ReservingBucketStore, stores, advance: (ms: number) => (now += ms) };
}

describe('shareLimit', () => {
  it.each([
    // capacity, refill/s, lease ms, max share → share
    [100, 50, 1000, 1000, 10],
    [10, 10 / 60, 1000, 1000, 1],
    [1_000_000, 1_000_000, 1000, 1000, 1000],
    [5, 100, 1000, 1000, 1],
    [1000, 20, 1000, 1000, 20],
  ])('capacity %d, %d/s, lease %d ms, max %d → %d', (capacity, refillPerSecond, leaseMs, max, share) => {
    expect(shareLimit({ capacity, refillPerSecond }, leaseMs, max)).toBe(share);
  });
});

describe('ReservingBucketStore', () => {
  const policy: BucketPolicy = { capacity: 1_000_000, refillPerSecond: 1_000_000 };

  it('serves most requests from its share: far fewer shared takes than requests', async () => {
    const { shared, store, advance } = setup();
    for (let i = 0; i < 10_000; i++) {
      expect((await store.take('request:k', policy)).allowed).toBe(true);
      advance(0.05);
    }
    expect(shared.takes / 10_000).toBeLessThan(0.05);
  });

  it('answers at once from its share, and leaves reserving the next one to take', async () => {
    const small: BucketPolicy = { capacity: 20, refillPerSecond: 2 };
    const { shared, store, advance } = setup();
    expect(store.takeNow('request:k', small)).toBeUndefined();
    expect(shared.takes).toBe(0);
    // The first share is one token, spent by its own take; the next, reserved within the lease, is two.
    expect((await store.take('request:k', small)).allowed).toBe(true);
    expect(store.takeNow('request:k', small)).toBeUndefined();
    expect((await store.take('request:k', small)).allowed).toBe(true);
    expect(store.takeNow('request:k', small)).toMatchObject({ allowed: true, remaining: 0 });
    expect(store.takeNow('request:k', small)).toBeUndefined();
    expect(shared.takes).toBe(2);
    advance(1000);
    expect(store.takeNow('request:k', small)).toBeUndefined();
  });

  it('never admits more than the shared bucket grants, across replicas', async () => {
    const small: BucketPolicy = { capacity: 100, refillPerSecond: 50 };
    const { stores: replicas, advance } = setup(3);
    let admitted = 0;
    for (let i = 0; i < 600; i++) {
      const replica = replicas[i % 3] as ReservingBucketStore;
      if ((await replica.take('request:k', small)).allowed) admitted++;
    }
    // No time passed: the burst is all there is.
    expect(admitted).toBeLessThanOrEqual(100);
    // Each other replica may sit on at most shareLimit − 1 tokens it has not spent.
    expect(admitted).toBeGreaterThanOrEqual(100 - 2 * (shareLimit(small, 1000, 1000) - 1));
    advance(2000);
    expect((await replicas[0]?.take('request:k', small))?.allowed).toBe(true);
  });

  it('remembers a refusal for the wait it was given instead of asking again per request', async () => {
    const tiny: BucketPolicy = { capacity: 1, refillPerSecond: 1 };
    const { shared, store, advance } = setup();
    expect((await store.take('request:k', tiny)).allowed).toBe(true);
    const refused = await store.take('request:k', tiny);
    expect(refused).toMatchObject({ allowed: false });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    const takes = shared.takes;
    for (let i = 0; i < 100; i++) expect((await store.take('request:k', tiny)).allowed).toBe(false);
    expect(shared.takes).toBe(takes);
    advance(refused.retryAfterMs);
    expect((await store.take('request:k', tiny)).allowed).toBe(true);
  });

  it('lets concurrent requests share one reservation', async () => {
    const { shared, store } = setup();
    await store.take('request:k', policy);
    await store.take('request:k', policy); // share 2 reserved
    const before = shared.takes;
    const answers = await Promise.all(Array.from({ length: 50 }, () => store.take('request:k', policy)));
    expect(answers.every((answer) => answer.allowed)).toBe(true);
    expect(shared.takes - before).toBeLessThan(10);
  });
});
