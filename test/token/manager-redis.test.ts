import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/token/manager.js';
import { redisKeys } from '../../src/token/redis-options.js';
import { RedisStore } from '../../src/token/redis-store.js';
import { deleteKeysUnder, randomPrefix, tokenExpiringIn } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';

const APP: AppConfig = {
  appId: 'wx00000000000000cc',
  appSecret: '00112233445566778899aabbccddeeff',
  name: 'Shared app',
  tokenMode: 'classic',
};

describeRedis('TokenManager replicas sharing a real Redis', () => {
  const keyPrefix = randomPrefix();
  const wechat = new FakeWeChat();
  const stores: RedisStore[] = [];
  const replicas: TokenManager[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      const store = await RedisStore.connect({ url: redisUrl, keyPrefix });
      stores.push(store);
      replicas.push(
        new TokenManager({
          apps: [APP],
          store,
          api: wechat,
          lockLeaseMs: 2_000,
          busyBackoffTotalMs: 100,
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('makes one classic /cgi-bin/token call for a cold app however many replicas and callers ask', async () => {
    wechat.delayMs = 50;
    const tokens = await Promise.all(
      replicas.flatMap((replica) => Array.from({ length: 30 }, () => replica.getToken(APP.appId))),
    );
    expect(wechat.tokenCalls).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
  });

  it('renews a rejected token once for all replicas', async () => {
    const calls = wechat.tokenCalls.length;
    const stale = await replicas[0]?.getToken(APP.appId);
    const results = await Promise.all(
      replicas.map((replica) =>
        replica.call(APP.appId, '/cgi-bin/getcallbackip', async (token) => {
          if (token === stale?.accessToken) {
            throw wechatError(40001, 'api', '/cgi-bin/getcallbackip');
          }
          return token;
        }),
      ),
    );
    expect(new Set(results).size).toBe(1);
    expect(wechat.tokenCalls.length - calls).toBe(1);
  });

  it('reads Redis, not its local copy, under the lock: a renewal another replica stored is not fetched again', async () => {
    // The local copy is renewable; Redis already holds the renewed token, whose notification is late
    // (written here without one): the lock holder must see it and leave WeChat alone.
    const store = stores[1];
    const replica = replicas[1];
    if (!store || !replica) throw new Error('replicas were not set up');
    await store.set(APP.appId, tokenExpiringIn(60_000), 'cold');
    expect((await store.get(APP.appId))?.expiresAt).toBeLessThan(Date.now() + 61_000);
    const renewed = tokenExpiringIn(7_200_000);
    const raw = new Redis(redisUrl);
    try {
      await raw.set(redisKeys(keyPrefix).token(APP.appId), JSON.stringify(renewed), 'PX', 7_200_000);
    } finally {
      raw.disconnect();
    }
    const calls = wechat.tokenCalls.length;
    expect((await replica.refresh(APP.appId, { force: false })).accessToken).toBe(renewed.accessToken);
    expect(wechat.tokenCalls.length - calls).toBe(0);
  });
});
