import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { redact, tokenFingerprint } from '../../src/redact.js';
import { RedisStore } from '../../src/token/redis-store.js';
import type { LockLease, StoreEvent } from '../../src/token/store.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { deleteKeysUnder, keysUnder, randomPrefix, tokenExpiringIn } from './helpers.js';

describeRedis('RedisStore against a real Redis', () => {
  const keyPrefix = randomPrefix();
  let a: RedisStore;
  let b: RedisStore;
  let inspector: Redis;

  beforeAll(async () => {
    // Two stores with their own connections stand for two replicas.
    // Notifications are per app (sharded channels): each store follows the apps it serves.
    a = await RedisStore.connect({ url: redisUrl, keyPrefix, appIds: ['wxnotify000000001'] });
    b = await RedisStore.connect({ url: redisUrl, keyPrefix, appIds: ['wxnotify000000001'] });
    inspector = new Redis(redisUrl);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await inspector?.quit();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('round-trips a token and lets Redis expire it at expiresAt', async () => {
    const token = tokenExpiringIn(400);
    await a.set('wxroundtrip000001', token, 'cold');

    expect(await a.get('wxroundtrip000001')).toEqual(token);
    expect(await b.get('wxroundtrip000001')).toEqual(token);
    const ttl = await inspector.pttl(`${keyPrefix}{wxroundtrip000001}:token`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);

    await vi.waitFor(
      async () => expect(await inspector.exists(`${keyPrefix}{wxroundtrip000001}:token`)).toBe(0),
      {
        timeout: 2000,
        interval: 50,
      },
    );
    expect(await a.get('wxroundtrip000001')).toBeUndefined();
    expect(await b.get('wxroundtrip000001')).toBeUndefined();
  });

  it('deletes a token only while it is still the same one', async () => {
    const token = tokenExpiringIn(60_000);
    await a.set('wxdeleteifsame001', token, 'cold');

    expect(await b.deleteIfSame('wxdeleteifsame001', tokenExpiringIn(60_000).accessToken)).toBe(false);
    expect(await b.get('wxdeleteifsame001')).toEqual(token);

    expect(await b.deleteIfSame('wxdeleteifsame001', token.accessToken)).toBe(true);
    expect(await b.get('wxdeleteifsame001')).toBeUndefined();
    // a cached the token when it wrote it; b's notification drops that copy.
    await vi.waitFor(async () => expect(await a.get('wxdeleteifsame001')).toBeUndefined(), {
      timeout: 1000,
      interval: 10,
    });
  });

  it('lets exactly one of many concurrent callers delete the same token', async () => {
    const token = tokenExpiringIn(60_000);
    await a.set('wxdeleterace00001', token, 'cold');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).deleteIfSame('wxdeleterace00001', token.accessToken),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('grants the fetch lock to exactly one of many concurrent acquirers', async () => {
    const owners = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).acquireLock('wxlockrace0000001', 5000)),
    );
    const winners = owners.filter((owner) => owner !== undefined);
    expect(winners).toHaveLength(1);
    await a.releaseLock('wxlockrace0000001', winners[0]?.owner ?? '');
  });

  it('renews a lease only for its holder and fences the late write of a holder that lost it', async () => {
    const appId = 'wxleasefence00001';
    const first = await a.acquireLock(appId, 150);
    if (!first) throw new Error('no lease');
    expect(await a.renewLock(appId, first.owner, 150)).toBe(true);
    expect(await b.renewLock(appId, 'someone-else', 150)).toBe(false);
    let second: LockLease | undefined;
    await vi.waitFor(
      async () => {
        second = await b.acquireLock(appId, 5_000);
        expect(second).toBeDefined();
      },
      { timeout: 2_000, interval: 25 },
    );
    if (!second) throw new Error('no second lease');
    expect(second.fence).toBeGreaterThan(first.fence);
    expect(await a.renewLock(appId, first.owner, 5_000)).toBe(false);
    const stale = { ...tokenExpiringIn(60_000), fence: first.fence };
    const newer = { ...tokenExpiringIn(60_000), fence: second.fence };
    const events: StoreEvent[] = [];
    b.subscribe((event) => events.push(event));
    expect(await a.set(appId, stale, 'margin')).toBe(false); // a newer lease exists
    expect(await b.set(appId, newer, 'margin')).toBe(true);
    expect(await a.set(appId, stale, 'margin')).toBe(false); // a newer token is stored
    expect((await b.get(appId))?.accessToken).toBe(newer.accessToken);
    expect((await a.get(appId))?.accessToken).toBe(newer.accessToken);
    expect(events.filter((event) => event.type === 'updated')).toHaveLength(1);
    await b.releaseLock(appId, second.owner);
  });

  it('releases the lock only for its owner', async () => {
    const owner = await a.acquireLock('wxlockowner000001', 5000);
    expect(owner?.owner).toBeTypeOf('string');

    await b.releaseLock('wxlockowner000001', 'someone-else');
    expect(await b.acquireLock('wxlockowner000001', 5000)).toBeUndefined();

    await a.releaseLock('wxlockowner000001', owner?.owner ?? '');
    const next = await b.acquireLock('wxlockowner000001', 5000);
    expect(next?.owner).toBeTypeOf('string');
    expect(next?.owner).not.toBe(owner?.owner);
    await b.releaseLock('wxlockowner000001', next?.owner ?? '');
  });

  it('frees the lock of a crashed holder when its ttl runs out', async () => {
    const crashed = await a.acquireLock('wxlockexpiry00001', 150);
    expect(crashed?.owner).toBeTypeOf('string');
    expect(await b.acquireLock('wxlockexpiry00001', 150)).toBeUndefined();

    let next: LockLease | undefined;
    await vi.waitFor(
      async () => {
        next = await b.acquireLock('wxlockexpiry00001', 5000);
        expect(next?.owner).toBeTypeOf('string');
      },
      { timeout: 2000, interval: 50 },
    );
    // The crashed holder coming back late must not release the new holder's lock.
    await a.releaseLock('wxlockexpiry00001', crashed?.owner ?? '');
    expect(await a.acquireLock('wxlockexpiry00001', 5000)).toBeUndefined();
    await b.releaseLock('wxlockexpiry00001', next?.owner ?? '');
  });

  it('claims a key once until it expires, and says how long is left', async () => {
    expect(await a.claim('cooldown:wxclaim0000000001', 300)).toEqual({ ok: true });
    const refused = await b.claim('cooldown:wxclaim0000000001', 300);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.remainingMs).toBeGreaterThan(0);
      expect(refused.remainingMs).toBeLessThanOrEqual(300);
    }
    await vi.waitFor(
      async () => expect(await b.claim('cooldown:wxclaim0000000001', 300)).toEqual({ ok: true }),
      {
        timeout: 2000,
        interval: 50,
      },
    );
  });

  it('lets exactly one of many concurrent claimers win', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim('cooldown:wxclaimrace00000001', 5000)),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
  });

  it('holds a key whatever its state and reports how long it is held', async () => {
    expect(await b.heldForMs('circuit:wxhold00000000001')).toBe(0);
    await a.hold('circuit:wxhold00000000001', 200);
    const held = await b.heldForMs('circuit:wxhold00000000001');
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThanOrEqual(200);

    // A hold extends an existing one (and a claim), unlike claim.
    await b.hold('circuit:wxhold00000000001', 10_000);
    expect(await a.heldForMs('circuit:wxhold00000000001')).toBeGreaterThan(200);
    expect((await a.claim('circuit:wxhold00000000001', 100)).ok).toBe(false);
  });

  it('takes no hold for a zero duration, as MemoryStore does, and rounds fractions up', async () => {
    // FORCE_REFRESH_COOLDOWN_SECONDS=0: every forced refresh may go, none is remembered.
    expect(await a.claim('cooldown:wxzero00000000001', 0)).toEqual({ ok: true });
    expect(await b.claim('cooldown:wxzero00000000001', 0)).toEqual({ ok: true });
    expect(await inspector.exists(`${keyPrefix}{wxzero00000000001}:hold:cooldown:wxzero00000000001`)).toBe(0);
    // A running hold still refuses a zero claim; holding for zero frees it.
    await a.hold('circuit:wxzero00000000001', 10_000.4);
    expect(
      await inspector.pttl(`${keyPrefix}{wxzero00000000001}:hold:circuit:wxzero00000000001`),
    ).toBeGreaterThan(9_000);
    expect((await b.claim('circuit:wxzero00000000001', 0)).ok).toBe(false);
    await b.hold('circuit:wxzero00000000001', 0);
    expect(await a.heldForMs('circuit:wxzero00000000001')).toBe(0);
    expect(await b.heldForMs('circuit:wxzero00000000001')).toBe(0);
    await expect(a.claim('cooldown:wxzero00000000001', -1)).rejects.toThrow(TypeError);
  });

  it('shows one replica’s update and invalidation on the other at once, despite its local cache', async () => {
    const seenByB: StoreEvent[] = [];
    const seenByA: StoreEvent[] = [];
    const stopB = b.subscribe((event) => seenByB.push(event));
    const stopA = a.subscribe((event) => seenByA.push(event));
    try {
      const first = tokenExpiringIn(60_000);
      await a.set('wxnotify000000001', first, 'cold');
      // b caches `first` for up to 1 s from here on.
      expect(await b.get('wxnotify000000001')).toEqual(first);

      const second = tokenExpiringIn(60_000);
      await a.set('wxnotify000000001', second, 'forced');
      await vi.waitFor(() => expect(seenByB).toHaveLength(2), { timeout: 1000, interval: 10 });
      expect(seenByB.at(-1)).toEqual({
        type: 'updated',
        appId: 'wxnotify000000001',
        fingerprint: tokenFingerprint(second.accessToken),
        expiresAt: second.expiresAt,
        reason: 'forced',
      });
      expect(await b.get('wxnotify000000001')).toEqual(second);

      expect(await a.deleteIfSame('wxnotify000000001', second.accessToken)).toBe(true);
      await vi.waitFor(() => expect(seenByB).toHaveLength(3), { timeout: 1000, interval: 10 });
      expect(seenByB.at(-1)).toEqual({
        type: 'invalidated',
        appId: 'wxnotify000000001',
        fingerprint: tokenFingerprint(second.accessToken),
      });
      expect(await b.get('wxnotify000000001')).toBeUndefined();

      // The writer hears its own changes exactly once, and no event carries a token.
      expect(seenByA.map((event) => event.type)).toEqual(['updated', 'updated', 'invalidated']);
      for (const event of [...seenByA, ...seenByB]) {
        expect(JSON.stringify(event)).not.toContain(first.accessToken);
        expect(JSON.stringify(event)).not.toContain(second.accessToken);
      }
    } finally {
      stopA();
      stopB();
    }
  });

  it('serves its local copy for at most notifiedCacheTtlMs when a change bypasses the notifications', async () => {
    const uncached = await RedisStore.connect({
      url: redisUrl,
      keyPrefix,
      cacheTtlMs: 0,
      notifiedCacheTtlMs: 0,
    });
    // Two seconds of cache, so the steps below fit in it however loaded the machine is.
    const cached = await RedisStore.connect({
      url: redisUrl,
      keyPrefix,
      cacheTtlMs: 2_000,
      notifiedCacheTtlMs: 2_000,
    });
    try {
      const token = tokenExpiringIn(60_000);
      await cached.set('wxcachettl0000001', token, 'cold');
      expect(await uncached.get('wxcachettl0000001')).toEqual(token);
      // An operator deletes the key by hand: no notification goes out.
      await inspector.del(`${keyPrefix}{wxcachettl0000001}:token`);

      expect(await uncached.get('wxcachettl0000001')).toBeUndefined();
      expect(await cached.get('wxcachettl0000001')).toEqual(token);
      await vi.waitFor(async () => expect(await cached.get('wxcachettl0000001')).toBeUndefined(), {
        timeout: 3_000,
        interval: 50,
      });
    } finally {
      await uncached.close();
      await cached.close();
    }
  });

  it('never puts a credential in a key name and gives every key an expiry', async () => {
    const token = tokenExpiringIn(60_000);
    await a.set('wxkeys00000000001', token, 'cold');
    const owner = await a.acquireLock('wxkeys00000000001', 5000);
    await a.claim('cooldown:wxkeys00000000001', 5000);
    await a.hold('circuit:wxkeys00000000001', 5000);

    const keys = await keysUnder(inspector, keyPrefix);
    expect(keys).toEqual(
      expect.arrayContaining([
        `${keyPrefix}{wxkeys00000000001}:token`,
        `${keyPrefix}{wxkeys00000000001}:lock`,
        `${keyPrefix}{wxkeys00000000001}:hold:cooldown:wxkeys00000000001`,
        `${keyPrefix}{wxkeys00000000001}:hold:circuit:wxkeys00000000001`,
      ]),
    );
    for (const key of keys) {
      expect(key).not.toContain(token.accessToken);
      expect(redact(key)).toBe(key);
      expect(await inspector.pttl(key)).toBeGreaterThan(0);
    }
    await a.releaseLock('wxkeys00000000001', owner?.owner ?? '');
  });

  it('refuses key parts that look like a token', async () => {
    await expect(a.claim(`cooldown:${tokenExpiringIn(1).accessToken}`, 1000)).rejects.toThrow(
      /look like a token/,
    );
  });

  it('reports healthy while both connections are up', async () => {
    expect(await a.health()).toEqual({ ok: true, degraded: false });
  });
});
