import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { GatewayError } from '../../src/errors.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type Replica, startReplica } from '../support/replica.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * A configuration error (here a wrong secret, 40125) is remembered in the shared store: three replicas
 * hammered by callers ask WeChat once per negative-cache window in total, not once per replica.
 */
describeRedis('the negative cache shared by three replicas', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let app: AppConfig;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = { ...sandbox.app, appSecret: 'f'.repeat(32), name: 'Misconfigured', tokenMode: 'stable' };
    for (let i = 0; i < 3; i++) {
      replicas.push(
        await startReplica({
          redisUrl,
          keyPrefix,
          sandboxUrl: sandbox.url,
          apps: [app],
          manager: { negativeCacheSeconds: 30 },
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('asks WeChat once for the whole fleet, and every caller gets the same error', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => replicas[i % 3]?.manager.getToken(app.appId)),
    );
    for (let i = 0; i < 30; i++) {
      outcomes.push(...(await Promise.allSettled([replicas[i % 3]?.manager.getToken(app.appId)])));
    }
    const codes = new Set(
      outcomes.map((outcome) =>
        outcome.status === 'rejected' && outcome.reason instanceof GatewayError
          ? outcome.reason.code
          : 'other',
      ),
    );
    expect(codes.size).toBe(1);
    expect(codes.has('other')).toBe(false);
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(1);
  });
});
