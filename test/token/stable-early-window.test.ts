import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TokenManager } from '../../src/token/manager.js';
import { RedisStore } from '../../src/token/redis-store.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

const MARGIN_SECONDS = 1;

/**
 * The sandbox models stable_token's early window (a new token only in the last 2.4 s of a 6 s life, long enough that a loaded machine's late timers do not blur one renewal into the next),
 * three replicas share one Redis and renew in the background: across several renewals no request
 * fails or waits on WeChat, and the stored token always has more than the margin left.
 */
describeRedis('stable tokens renewed inside WeChat early window', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let client: WeChatClient;
  const stores: RedisStore[] = [];
  const replicas: TokenManager[] = [];
  const misses: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ settings: { expiresInSeconds: 6, stableEarlyRenewalSeconds: 2.4 } });
    client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      const store = await RedisStore.connect({ url: redisUrl, keyPrefix });
      stores.push(store);
      replicas.push(
        new TokenManager({
          apps: [{ ...sandbox.app, name: 'Stable', tokenMode: 'stable' }],
          store,
          api: client,
          refreshMarginSeconds: MARGIN_SECONDS,
          stableEarlyWindowSeconds: 2.4,
          backgroundJitterMs: 100,
          backgroundMinDelayMs: 50,
          busyBackoffTotalMs: 100,
          onCacheLookup: (_appId, result) => {
            if (result === 'miss') misses.push(result);
          },
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

  it('renews ahead of expiry, once per renewal for all replicas, with no request failing or waiting', async () => {
    const appId = sandbox.app.appId;
    for (const replica of replicas) replica.start();
    while ((await replicas[0]?.status(appId))?.state !== 'FRESH') await sleep(10);
    const failures: unknown[] = [];
    const tokens = new Set<string>();
    let leastLeftMs = Number.POSITIVE_INFINITY;
    const started = Date.now();
    while (Date.now() - started < 10_000) {
      await Promise.all(
        replicas.map((replica) =>
          replica
            .call(appId, '/cgi-bin/getcallbackip', (token) => client.getCallbackIp(token))
            .catch((error: unknown) => failures.push(error)),
        ),
      );
      const stored = await stores[0]?.get(appId);
      if (stored) {
        tokens.add(stored.accessToken);
        leastLeftMs = Math.min(leastLeftMs, stored.expiresAt - Date.now());
      } else {
        leastLeftMs = 0;
      }
      await sleep(25);
    }
    expect(failures).toEqual([]);
    expect(misses).toEqual([]); // no request waited on WeChat after the start-up fetch
    expect(leastLeftMs).toBeGreaterThan(MARGIN_SECONDS * 1000);
    expect(tokens.size).toBeGreaterThanOrEqual(3); // the first token and at least two renewals
    // One call per token, plus a few handed-back retries at most: not one per replica.
    const calls = (await sandbox.counters())['/cgi-bin/stable_token'] ?? 0;
    expect(calls).toBeLessThanOrEqual(tokens.size + 3);
  });
});
