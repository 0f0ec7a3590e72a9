import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type RedisGateway, startRedisGateway } from '../support/redis-gateway.js';
import { commandsDuring, redisNode } from '../support/redis-monitor.js';
import { type Replica, startReplica } from '../support/replica.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

const APP_COUNT = 25;

/**
 * Lists of apps read every app's token in one store read: a replica that holds no copy of them (just
 * started) answers `apps { tokenStatus }` and /ready with one MGET, never one GET per app.
 */
describeRedis('token statuses of many apps over real Redis', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let warm: Replica;
  let apps: AppConfig[];
  const gateways: RedisGateway[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ appCount: APP_COUNT });
    apps = sandbox.apps.map((app, at) => ({ ...app, name: `App ${at}`, tokenMode: 'stable' }));
    warm = await startReplica({ redisUrl, keyPrefix, sandboxUrl: sandbox.url, apps });
    await Promise.all(apps.map((app) => warm.manager.getToken(app.appId)));
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await warm?.close();
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  /** A gateway started now: its process memory has no copy of any token. */
  async function freshGateway(): Promise<RedisGateway> {
    const gateway = await startRedisGateway({
      env: { REDIS_URL: redisUrl },
      apps,
      keyPrefix,
      sandboxUrl: sandbox.url,
    });
    gateways.push(gateway);
    return gateway;
  }

  /** The reads of this test's token keys Redis received while `run` ran, seen with MONITOR. */
  async function tokenReadsDuring(run: () => Promise<void>): Promise<string[][]> {
    const commands = await commandsDuring([redisNode(redisUrl)], keyPrefix, run);
    return commands
      .map((c) => c.args)
      .filter(
        (args) => ['get', 'mget'].includes(args[0]?.toLowerCase() ?? '') && args[1]?.startsWith(keyPrefix),
      );
  }

  it('answers apps { tokenStatus } for every app with one MGET', async () => {
    const gateway = await freshGateway();
    let states: string[] = [];
    const reads = await tokenReadsDuring(async () => {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ apps { appId tokenStatus { state } } }' }),
      });
      const body = (await response.json()) as { data: { apps: { tokenStatus: { state: string } }[] } };
      states = body.data.apps.map((app) => app.tokenStatus.state);
    });
    expect(states).toEqual(Array.from({ length: APP_COUNT }, () => 'FRESH'));
    expect(reads.map(([command]) => command?.toLowerCase())).toEqual(['mget']);
    expect(reads[0]).toHaveLength(1 + APP_COUNT);
  });

  it('answers /ready for every app with one MGET', async () => {
    const gateway = await freshGateway();
    let status = 0;
    const reads = await tokenReadsDuring(async () => {
      status = (await fetch(new URL('/ready', gateway.url))).status;
    });
    expect(status).toBe(200);
    expect(reads.map(([command]) => command?.toLowerCase())).toEqual(['mget']);
  });
});
