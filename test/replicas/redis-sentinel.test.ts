import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { GatewayError } from '../../src/errors.js';
import { keysUnder, randomPrefix } from '../redis/helpers.js';
import { postGraphql } from '../support/fetch-answer.js';
import { guarded } from '../support/guard.js';
import { expectForcedRefreshHeard, type RedisGateway, startRedisGateway } from '../support/redis-gateway.js';
import { describeTopology, kill, type SentinelTopology, startSentinel } from '../support/redis-topologies.js';
import { appsInBothModes, startSandbox, type TestSandbox } from '../support/sandbox.js';
import { type SseSubscription, subscribeSse } from '../support/sse.js';
import { isDegraded, isHealthy, listenForHealth } from '../support/store-health.js';

/** Plain documents: this suite needs no generated types. */
const CallbackIpsDocument = `
  query SentinelCallbackIps($appId: ID) {
    callbackIps(appId: $appId) {
      ips
    }
  }
`;

const EventsDocument = `
  subscription SentinelTokenEvents($appId: ID) {
    tokenEvents(appId: $appId) {
      type
      reason
      fingerprint
    }
  }
`;

async function post(url: string, appId: string): Promise<boolean> {
  return postGraphql(
    url,
    { query: CallbackIpsDocument, variables: { appId } },
    { accept: 'application/graphql-response+json' },
  ).then(
    (answer) => answer.status === 200 && answer.json !== undefined && answer.json.errors === undefined,
    () => false,
  );
}

async function readyStatus(gateway: RedisGateway): Promise<number> {
  const base = new URL(gateway.url);
  return (await fetch(new URL('/ready', base))).status;
}

/**
 * Two gateways on a Sentinel-managed master with one replica and three sentinels (started here; the
 * master counts as down after 1 s). The test SIGKILLs the master under steady traffic: stable mode
 * serves every request from the local copies, classic mode refuses the fetches it cannot lock and
 * recovers; once a sentinel has promoted the replica, notifications flow again and both gateways are
 * ready, with no key left without an expiry.
 */
describeTopology('two gateways on Redis Sentinel, the master killed under traffic', () => {
  const keyPrefix = randomPrefix();
  let topology: SentinelTopology;
  let sandbox: TestSandbox;
  let stable: AppConfig;
  let classic: AppConfig;
  const gateways: RedisGateway[] = [];
  const open: SseSubscription[] = [];

  function startGateway(): Promise<RedisGateway> {
    return startRedisGateway({
      env: {
        REDIS_SENTINELS: topology.sentinels.map(({ host, port }) => `${host}:${port}`).join(','),
        REDIS_SENTINEL_MASTER: topology.masterName,
      },
      apps: [stable, classic],
      keyPrefix,
      sandboxUrl: sandbox.url,
    });
  }

  beforeAll(async () => {
    topology = await startSentinel();
    sandbox = await startSandbox({ appCount: 2, settings: { forceRefreshMinIntervalSeconds: 0 } });
    ({ stable, classic } = appsInBothModes(sandbox));
    gateways.push(await startGateway(), await startGateway());
  }, 60_000);

  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await sandbox?.close();
    await topology?.stop();
  });

  it('serves every stable request through the failover, then notifies and is ready again', async () => {
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    for (const gateway of gateways) {
      // Both have a token of each app, as serving replicas would.
      await gateway.manager.getToken(stable.appId);
      await gateway.manager.getToken(classic.appId);
      expect(await readyStatus(gateway)).toBe(200);
    }

    let failed = 0;
    let served = 0;
    let running = true;
    const answered = new Set<() => void>();
    // Back-to-back requests: traffic is counted in answers, never in milliseconds.
    const traffic = (async () => {
      while (running) {
        const ok = await post(gateways[served % 2]?.url ?? '', stable.appId);
        if (!ok) failed++;
        served++;
        for (const wake of [...answered]) wake();
      }
    })();
    /** Resolves once `more` further requests have been answered. */
    const answeredMore = (more: number) =>
      guarded(
        `${more} more answers`,
        new Promise<void>((resolve) => {
          const target = served + more;
          const wake = () => {
            if (served < target) return;
            answered.delete(wake);
            resolve();
          };
          answered.add(wake);
        }),
        15_000,
      );
    // The promotion is an event: the sentinels publish `+switch-master` when they have failed over.
    const [firstSentinel] = topology.sentinels;
    const watcher = new Redis(firstSentinel?.port ?? 0, '127.0.0.1');
    await watcher.subscribe('+switch-master');
    const switched = new Promise<string>((resolve) =>
      watcher.once('message', (_channel, text) => resolve(text)),
    );
    let refusedWhileDown: unknown;
    // Each store announces losing the master and having the new one: heard as they happen. Every
    // store was healthy, so the first healthy announcement is the one after the failover.
    // Listened for from now, timed from the kill and the promotion that cause them.
    const aDegraded = listenForHealth(a.store, isDegraded);
    const healthyAgain = gateways.map((gateway) => listenForHealth(gateway.store, isHealthy));
    try {
      await answeredMore(20);
      await kill(topology.master.child);

      // Classic mode: a fetch needs the lock, which cannot be taken while no master answers.
      expect(await aDegraded.within('a’s store degraded by the lost master', 2_000)).toMatchObject({
        ok: true,
        degraded: true,
      });
      refusedWhileDown = await a.manager
        .refresh(classic.appId, { force: true })
        .catch((error: unknown) => error);

      // `<name> <old ip> <old port> <new ip> <new port>`
      const promotion = await guarded('the sentinels promote the replica', switched, 20_000);
      expect(promotion.split(' ')[4]).toBe(String(topology.replica.port));
      expect(await topology.currentMasterPort()).toBe(topology.replica.port);
      for (const [i, gateway] of gateways.entries()) {
        expect(await healthyAgain[i]?.within('the store healthy on the new master', 15_000)).toEqual({
          ok: true,
          degraded: false,
        });
        // The change dropped /ready's cached answer: it says ready at once.
        expect(await readyStatus(gateway)).toBe(200);
      }
      await answeredMore(20);
    } finally {
      running = false;
      await traffic;
      watcher.disconnect();
    }
    expect(served).toBeGreaterThan(50);
    expect(failed).toBe(0);
    expect(refusedWhileDown).toBeInstanceOf(GatewayError);
    expect((refusedWhileDown as GatewayError).code).toBe('STORE_UNAVAILABLE');

    // Classic mode recovers: the lock can be taken on the new master.
    const classicToken = await a.manager.refresh(classic.appId, { force: true });
    expect(classicToken.value).toBeTruthy();

    // Notifications flow again: a refresh forced on a is heard on b's stream within 2 s.
    const before = b.subscribers.count();
    const subscription = await subscribeSse(b.url, {
      query: EventsDocument,
      variables: { appId: stable.appId },
    });
    open.push(subscription);
    // Events are heard once the subscription has reached the token service.
    await b.subscribers.reached(before + 1);
    const renewed = await a.manager.refresh(stable.appId, { force: true });
    await expectForcedRefreshHeard(subscription, b, stable.appId, renewed);

    // Nothing in Redis is left without an expiry.
    const master = new Redis(topology.replica.port, '127.0.0.1');
    try {
      const keys = await keysUnder(master, keyPrefix);
      expect(keys).toContain(`${keyPrefix}{${stable.appId}}:token`);
      for (const key of keys) expect(await master.pttl(key), key).toBeGreaterThan(0);
    } finally {
      master.disconnect();
    }
  }, 60_000);
});
