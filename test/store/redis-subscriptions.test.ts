import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorizerTokenKind } from '../../src/credentials/kinds/authorizer-token.js';
import type { HoldEvent } from '../../src/store/ports.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { deleteKeysUnder, randomPrefix, tokenExpiringIn } from '../redis/helpers.js';
import { COMPONENT } from '../support/component.js';
import { describeRedis, redisUrl } from '../support/redis.js';

const CAPACITY = 5;
const CONFIGURED = 'wx00000000000000c1';
const authorizer = (i: number) => `wx${(0xb000 + i).toString(16).padStart(16, '0')}`;

/**
 * Issue 28: a gateway reading 100,000 authorizers must not follow a channel per authorizer for good.
 * Authorizers' channels are followed while they are among the `localAuthorizerCacheSize` most recently
 * used (the least recently used is left with SUNSUBSCRIBE), status reads (`getMany`) follow none, and
 * configured apps stay followed. Counted in Redis itself (PUBSUB SHARDCHANNELS).
 */
describeRedis('store notifications of authorizers over real Redis', () => {
  const keyPrefix = randomPrefix();
  const kind = authorizerTokenKind(COMPONENT.appId);
  let stores: RedisStores;
  let admin: Redis;

  beforeAll(async () => {
    admin = new Redis(redisUrl);
    stores = await RedisStores.connect({
      url: redisUrl,
      keyPrefix,
      appIds: [CONFIGURED],
      localAuthorizerCacheSize: CAPACITY,
    });
  });

  afterAll(async () => {
    await stores?.close();
    await admin?.quit();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  /** The channels under this test's prefix Redis has subscribers for, once every SSUBSCRIBE answered. */
  async function channels(): Promise<string[]> {
    await stores.ready();
    const names = (await admin.call('PUBSUB', 'SHARDCHANNELS', `${keyPrefix}*`)) as string[];
    return names.sort();
  }

  it('follows at most localAuthorizerCacheSize authorizers, the most recently used, and every configured app', async () => {
    const resyncs: (readonly string[])[] = [];
    const unwatch = stores.holds.watch((event: HoldEvent) => {
      if (event.type === 'resync' && event.appIds) resyncs.push(event.appIds);
    });
    const used = Array.from({ length: 4 * CAPACITY }, (_, i) => authorizer(i));
    for (const appId of used) {
      await stores.credentials.set({ appId, kind }, tokenExpiringIn(3_600_000), 'cold');
      await stores.credentials.get({ appId, kind });
    }
    const followed = await channels();
    expect(followed).toEqual(
      [CONFIGURED, ...used.slice(-CAPACITY)].map((appId) => `${keyPrefix}{${appId}}:events`).sort(),
    );
    // The hold watchers heard which apps they no longer hear about.
    expect(resyncs.flat().sort()).toEqual(used.slice(0, -CAPACITY).sort());
    expect(stores.holds.follows(used[0] as string)).toBe(false);
    expect(stores.holds.follows(used.at(-1) as string)).toBe(true);

    // Reading the statuses of many more (a page of 100) follows none of them.
    const page = Array.from({ length: 100 }, (_, i) => authorizer(1000 + i));
    await stores.credentials.getMany(page.map((appId) => ({ appId, kind })));
    expect(await channels()).toEqual(followed);
    unwatch();
  });
});
