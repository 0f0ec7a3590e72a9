import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deleteKeysUnder, keysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type Replica, startReplica } from '../support/replica.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/** Three replicas over one Redis share each app's JS-SDK tickets: one getticket per app and type. */
describeRedis('JS-SDK tickets shared by replicas through Redis', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ appCount: 1 });
    for (let i = 0; i < 3; i++) {
      const replica = await startReplica({
        redisUrl,
        keyPrefix,
        sandboxUrl: sandbox.url,
        apps: [{ ...sandbox.app, name: 'App', tokenMode: 'stable' }],
      });
      replicas.push(replica);
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await sandbox.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('60 concurrent cold reads on three replicas cost one getticket; entries hash with their app', async () => {
    const { appId } = sandbox.app;
    const reads = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (replicas[i % 3] as Replica).manager.tickets.get(appId, 'jsapi')),
    );
    expect(new Set(reads.map((r) => r.value)).size).toBe(1);
    const counters = await sandbox.counters();
    expect(counters['/cgi-bin/ticket/getticket']).toBe(1);
    expect(counters['/cgi-bin/stable_token']).toBe(1);
    expect((await sandbox.tickets()).jsapi).toEqual([reads[0]?.value]);

    const redis = new Redis(redisUrl);
    try {
      const keys = await keysUnder(redis, keyPrefix);
      expect(keys).toContain(`${keyPrefix}{${appId}}:ticket:jsapi`);
      // The value is stored (replicas need it) with WeChat's expiry as its TTL.
      const ttl = await redis.pttl(`${keyPrefix}{${appId}}:ticket:jsapi`);
      expect(ttl).toBeGreaterThan(7_000_000);
      expect(keys.filter((key) => key.includes(':lock:'))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('a ticket read on another replica after a token rotation is the same ticket', async () => {
    const { appId } = sandbox.app;
    const before = await (replicas[0] as Replica).manager.tickets.get(appId, 'jsapi');
    await sandbox.rotateToken();
    await (replicas[1] as (typeof replicas)[0]).manager.refresh(appId, { force: true });
    const after = await (replicas[2] as Replica).manager.tickets.get(appId, 'jsapi');
    expect(after.value).toBe(before.value);
    expect((await sandbox.counters())['/cgi-bin/ticket/getticket']).toBe(1);
  });
});
