import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { TokenManager } from '../../src/token/manager.js';
import { RedisStore } from '../../src/token/redis-store.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { FakeWeChat, wechatError } from './fake-wechat.js';

const APP: AppConfig = {
  appId: 'wx00000000000000dd',
  appSecret: '00112233445566778899aabbccddeeff',
  name: 'Quota app',
  tokenMode: 'stable',
};
const CALLBACK_IP = '/cgi-bin/getcallbackip';

/**
 * A 45009 circuit one replica opened is closed by `clearQuotaCircuits` on another replica, even one
 * that never called the endpoint itself: the circuits live in Redis, keyed by the known API paths.
 */
describeRedis('clearQuotaCircuits across replicas sharing a real Redis', () => {
  const keyPrefix = randomPrefix();
  const wechat = new FakeWeChat();
  const stores: RedisStore[] = [];
  const replicas: TokenManager[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const store = await RedisStore.connect({ url: redisUrl, keyPrefix });
      stores.push(store);
      replicas.push(new TokenManager({ apps: [APP], store, api: wechat, backgroundRefresh: false }));
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(stores.map((store) => store.close()));
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('reopens calls on every replica after one of them clears the quota', async () => {
    const [first, second] = replicas as [TokenManager, TokenManager];
    let upstream = 0;
    const spent = async () => {
      upstream++;
      throw wechatError(45009, 'api', CALLBACK_IP);
    };
    await expect(first.call(APP.appId, CALLBACK_IP, spent)).rejects.toMatchObject({ errcode: 45009 });
    // The other replica reports the circuit before it ever called the endpoint itself.
    expect((await second.status(APP.appId)).circuitOpenUntil).toBeInstanceOf(Date);
    // Both replicas now refuse without calling WeChat.
    await expect(second.call(APP.appId, CALLBACK_IP, spent)).rejects.toMatchObject({ errcode: 45009 });
    expect(upstream).toBe(1);

    expect(await second.clearQuotaCircuits(APP.appId)).toEqual([CALLBACK_IP]);
    await expect(first.call(APP.appId, CALLBACK_IP, async () => ['1.2.3.4'])).resolves.toEqual(['1.2.3.4']);
    expect((await first.status(APP.appId)).circuitOpenUntil).toBeUndefined();
    expect(await first.clearQuotaCircuits(APP.appId)).toEqual([]);
  });
});
