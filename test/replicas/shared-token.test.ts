import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig, TokenMode } from '../../src/config/index.js';
import type { TokenEvent } from '../../src/credentials/types.js';
import { tokenFingerprint } from '../../src/redact.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { nextEvent } from '../support/events.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type Replica, startReplica } from '../support/replica.js';
import { appsInBothModes, startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * Three gateway replicas, each with its own Redis connections, WeChat connection pool and TokenManager,
 * share one Redis and the sandbox over HTTP. One app per token mode: stable and classic.
 */
describeRedis('three replicas sharing one Redis and the sandbox', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  const apps = {} as Record<TokenMode, AppConfig>;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ appCount: 2 });
    Object.assign(apps, appsInBothModes(sandbox));
    for (let i = 0; i < 3; i++) {
      replicas.push(
        await startReplica({
          redisUrl,
          keyPrefix,
          sandboxUrl: sandbox.url,
          apps: [apps.stable, apps.classic],
          manager: { forceRefreshCooldownSeconds: 1 },
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it.each([
    ['stable', '/cgi-bin/stable_token'],
    ['classic', '/cgi-bin/token'],
  ] as const)(
    'answers 300 concurrent cold getToken across the replicas with one %s token call',
    async (mode, endpoint) => {
      const { appId } = apps[mode];
      // Slow enough that every caller arrives while the one fetch is still in flight.
      await sandbox.setFault({ kind: 'latency', ms: 150, endpoint, times: 1 });
      const before = (await sandbox.counters())[endpoint];

      const tokens = await Promise.all(
        Array.from({ length: 300 }, (_, i) => replicas[i % 3]?.manager.getToken(appId)),
      );

      expect((await sandbox.counters())[endpoint] - before).toBe(1);
      expect(new Set(tokens.map((token) => token?.value)).size).toBe(1);
    },
  );

  it.each(['stable', 'classic'] as const)(
    'shows a %s token force-refreshed on one replica on the other two within 1 s',
    async (mode) => {
      const { appId } = apps[mode];
      const [refresher, ...others] = replicas as [Replica, Replica, Replica];
      const old = await refresher.manager.getToken(appId);
      // Both others have read (and cached locally) the old token, as serving replicas would have.
      for (const other of others) expect((await other.manager.getToken(appId)).value).toBe(old.value);
      const heard: TokenEvent[][] = others.map(() => []);
      const unsubscribes = others.map((other, i) =>
        other.manager.subscribe((event) => heard[i]?.push(event)),
      );

      const updated = others.map((other, i) =>
        nextEvent(
          other.manager,
          (event) => event.type === 'updated' && event.appId === appId,
          `replica ${i + 2} hearing the forced refresh`,
          1_000,
        ),
      );
      const renewed = await refresher.manager.refresh(appId, { force: true });
      expect(renewed.value).not.toBe(old.value);

      // Within 1 s each other replica hears of it, and from then on serves it.
      await Promise.all(updated);
      for (const other of others) {
        expect((await other.manager.getToken(appId)).value).toBe(renewed.value);
        expect(await other.manager.status(appId)).toMatchObject({
          state: 'FRESH',
          accessToken: renewed.value,
          degraded: false,
        });
      }
      // They learnt it from the store's pub/sub, not by fetching it themselves.
      const update = {
        type: 'updated',
        appId,
        reason: 'forced',
        fingerprint: tokenFingerprint(renewed.value),
      };
      for (const events of heard) expect(events).toEqual([expect.objectContaining(update)]);
      for (const unsubscribe of unsubscribes) unsubscribe();
    },
  );
});
