import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TokenManager } from '../../src/token/manager.js';
import { RedisStore } from '../../src/token/redis-store.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/** Three replicas, one Redis, the real sandbox: the store lock decides who renews a classic token. */
describeRedis('replicas refreshing in the background through one Redis', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let client: WeChatClient;
  const stores: RedisStore[] = [];
  const replicas: TokenManager[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ settings: { expiresInSeconds: 2 } });
    client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      const store = await RedisStore.connect({ url: redisUrl, keyPrefix });
      stores.push(store);
      replicas.push(
        new TokenManager({
          apps: [{ ...sandbox.app, name: 'Shared', tokenMode: 'classic' }],
          store,
          api: client,
          refreshMarginSeconds: 0.8,
          backgroundJitterMs: 100,
          backgroundMinDelayMs: 50,
          lockLeaseMs: 5_000,
          busyBackoffTotalMs: 100,
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all(stores.map((store) => store.close()));
    await client.close();
    await sandbox.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('renews about once per token lifetime in total, not once per replica, and no caller sees an error', async () => {
    for (const replica of replicas) replica.start();
    const failures: unknown[] = [];
    const started = Date.now();
    while (Date.now() - started < 4_000) {
      await Promise.all(
        replicas.map((replica) =>
          replica
            .call(sandbox.app.appId, '/cgi-bin/getcallbackip', (token) => client.getCallbackIp(token))
            .catch((error: unknown) => failures.push(error)),
        ),
      );
      await sleep(25);
    }
    expect(failures).toEqual([]);
    // 2 s tokens renewed 0.8-0.9 s early: a cold fetch plus one renewal per ~1.2 s ≈ 4 in 4 s.
    // Uncoordinated replicas would make about three times as many.
    const tokenCalls = (await sandbox.counters())['/cgi-bin/token'];
    expect(tokenCalls).toBeGreaterThanOrEqual(3);
    expect(tokenCalls).toBeLessThanOrEqual(6);
  });
});
