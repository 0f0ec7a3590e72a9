import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { tokenFingerprint } from '../../src/redact.js';
import type { HoldEvent } from '../../src/store/ports.js';
import { keysUnder, randomPrefix } from '../redis/helpers.js';
import { nextEvent } from '../support/events.js';
import { postGraphql } from '../support/fetch-answer.js';
import { expectForcedRefreshHeard, type RedisGateway, startRedisGateway } from '../support/redis-gateway.js';
import { type ClusterTopology, describeTopology, startCluster } from '../support/redis-topologies.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { type SseSubscription, subscribeSse } from '../support/sse.js';
import { healthNowOrChange, isHealthy } from '../support/store-health.js';

/** Plain documents: this suite needs no generated types. */
const CallbackIpsDocument = `
  query ClusterCallbackIps {
    callbackIps {
      ips
    }
  }
`;

const ForceRefreshDocument = `
  mutation ClusterForceRefresh {
    refreshToken(force: true) {
      appId
      expiresAt
    }
  }
`;

const EventsDocument = `
  subscription ClusterTokenEvents {
    tokenEvents {
      type
      reason
      fingerprint
    }
  }
`;

async function post(url: string, query: string): Promise<{ data?: unknown; errors?: unknown[] }> {
  return (await postGraphql(url, { query }, { accept: 'application/graphql-response+json' })).json;
}

/**
 * Two gateways on a real 3-master Redis Cluster (started here by `redis-cli --cluster create`), the
 * sandbox as WeChat: one token fetch for a cold stampede, notifications across nodes on the app's
 * sharded channel, every key of an app on the node that owns its hash tag, and a slot moved under
 * traffic (MOVED, handled by ioredis).
 */
describeTopology('two gateways on a 3-master Redis Cluster', () => {
  const keyPrefix = randomPrefix();
  let cluster: ClusterTopology;
  let sandbox: TestSandbox;
  let app: AppConfig;
  const gateways: RedisGateway[] = [];
  const open: SseSubscription[] = [];

  function startGateway(): Promise<RedisGateway> {
    const nodes = cluster.nodes.map(({ host, port }) => `${host}:${port}`).join(',');
    return startRedisGateway({
      env: { REDIS_CLUSTER_NODES: nodes, FORCE_REFRESH_COOLDOWN_SECONDS: '0' },
      apps: [app],
      keyPrefix,
      sandboxUrl: sandbox.url,
    });
  }

  beforeAll(async () => {
    cluster = await startCluster(3);
    sandbox = await startSandbox({ settings: { forceRefreshMinIntervalSeconds: 0 } });
    app = { ...sandbox.app, name: 'Cluster app', tokenMode: 'stable' };
    gateways.push(await startGateway(), await startGateway());
  }, 60_000);

  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await sandbox?.close();
    await cluster?.stop();
  });

  it('answers 200 cold requests spread over both gateways with one token fetch', async () => {
    await sandbox.setFault({ kind: 'latency', ms: 150, endpoint: '/cgi-bin/stable_token', times: 1 });
    const before = (await sandbox.counters())['/cgi-bin/stable_token'];
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(gateways[i % 2]?.url ?? '', CallbackIpsDocument)),
    );
    expect(answers.filter((answer) => answer.errors)).toEqual([]);
    expect((await sandbox.counters())['/cgi-bin/stable_token'] - before).toBe(1);
  });

  it('shows a refresh forced on one gateway on the other within 2 s', async () => {
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    const old = await b.manager.getToken(app.appId);
    const before = b.subscribers.count();
    const subscription = await subscribeSse(b.url, { query: EventsDocument });
    open.push(subscription);
    // Events are heard once the subscription has reached the token service.
    await b.subscribers.reached(before + 1);

    const forced = await post(a.url, ForceRefreshDocument);
    expect(forced.errors).toBeUndefined();
    const renewed = await a.manager.getToken(app.appId);
    expect(renewed.value).not.toBe(old.value);

    await expectForcedRefreshHeard(subscription, b, app.appId, renewed);
  });

  it('keeps every key of the app on the node that owns its hash tag, each with an expiry', async () => {
    const store = gateways[0]?.store;
    await store?.holds.claim(`cooldown:${app.appId}`, 10_000);
    await store?.holds.hold(`circuit:${app.appId}:daily-quota:/cgi-bin/getcallbackip`, 10_000);
    const owner = await cluster.portOf(`${keyPrefix}{${app.appId}}:token`);
    const found = new Map<number, string[]>();
    for (const { port } of cluster.masters) {
      const node = new Redis(port, '127.0.0.1');
      try {
        const keys = await keysUnder(node, keyPrefix);
        found.set(port, keys);
        for (const key of keys) expect(await node.pttl(key), key).toBeGreaterThan(0);
      } finally {
        node.disconnect();
      }
    }
    // Rate-limit buckets are tagged by their own name (e.g. refresh-app:<appId>), not by the app.
    const appKeys = [...found.entries()].filter(([, keys]) =>
      keys.some((key) => key.includes(app.appId) && !key.startsWith(`${keyPrefix}ratelimit:`)),
    );
    expect(appKeys.map(([port]) => port)).toEqual([owner]);
    expect(found.get(owner)).toEqual(
      expect.arrayContaining([
        `${keyPrefix}{${app.appId}}:token`,
        `${keyPrefix}{${app.appId}}:hold:cooldown:${app.appId}`,
        `${keyPrefix}{${app.appId}}:hold:circuit:${app.appId}:daily-quota:/cgi-bin/getcallbackip`,
      ]),
    );
    await store?.holds.hold(`circuit:${app.appId}:daily-quota:/cgi-bin/getcallbackip`, 0);
    await store?.holds.hold(`cooldown:${app.appId}`, 0);
    expect([...found.values()].flat().some((key) => key.startsWith(`${keyPrefix}ratelimit:{`))).toBe(true);
  });

  it('keeps serving while the app’s slot moves to another node (MOVED handled by the client), its notifications following the slot', async () => {
    const tokenKey = `${keyPrefix}{${app.appId}}:token`;
    const from = await cluster.portOf(tokenKey);
    const to = cluster.masters.find(({ port }) => port !== from)?.port ?? 0;
    let failures = 0;
    let served = 0;
    let moving = true;
    const traffic = (async () => {
      while (moving) {
        const answer = await post(gateways[served % 2]?.url ?? '', CallbackIpsDocument);
        if (answer.errors) failures++;
        served++;
      }
    })();
    const [a, b] = gateways as [RedisGateway, RedisGateway];
    // The node losing the slot unsubscribes b from the app's sharded channel; b follows the slot to its
    // new node and, subscribed again, has its copies and holds read anew (a hold resync says so).
    const resubscribed = nextEvent<HoldEvent>(
      { subscribe: (listener) => b.store.holds.watch(listener) },
      (event) => event.type === 'resync',
      'b subscribed again on the slot’s new node',
      10_000,
    );
    try {
      await cluster.moveSlotOf(tokenKey, to);
      expect(await cluster.portOf(tokenKey)).toBe(to);
      await resubscribed;
      // b hears a's refresh as a notification on the new node, not by its local copy lapsing.
      const heard = nextEvent(
        b.manager,
        (event) => event.type === 'updated' && event.appId === app.appId && event.reason === 'forced',
        'b hearing the refresh forced on a after the slot move',
      );
      const renewed = await a.manager.refresh(app.appId, { force: true });
      expect(await heard).toMatchObject({ fingerprint: tokenFingerprint(renewed.value) });
      expect((await b.manager.getToken(app.appId)).value).toBe(renewed.value);
    } finally {
      moving = false;
      await traffic;
    }
    expect(served).toBeGreaterThan(0);
    expect(failures).toBe(0);
  });

  it('recovers when the node holding the app restarts empty: served from local copies, then re-fetched', async () => {
    const tokenKey = `${keyPrefix}{${app.appId}}:token`;
    const port = await cluster.portOf(tokenKey);
    const node = cluster.masters.find((master) => master.port === port);
    if (!node) throw new Error('no master owns the app');
    let failures = 0;
    let served = 0;
    let running = true;
    const traffic = (async () => {
      while (running) {
        const answer = await post(gateways[served % 2]?.url ?? '', CallbackIpsDocument);
        if (answer.errors) failures++;
        served++;
      }
    })();
    // The restarted node loses the token: a replica fetches a new one under the lock and stores it.
    const stored = nextEvent(
      gateways.map((gateway) => gateway.manager),
      (event) => event.type === 'updated' && event.appId === app.appId,
      'a gateway storing the token anew',
      15_000,
    );
    try {
      await node.restart();
      await cluster.waitUntilOk();
      await stored;
      const probe = new Redis(port, '127.0.0.1');
      try {
        expect(await probe.pttl(tokenKey)).toBeGreaterThan(0);
      } finally {
        probe.disconnect();
      }
      // Each store is healthy by now, or becomes so: its health is announced when it changes.
      for (const gateway of gateways) {
        expect(
          await healthNowOrChange(gateway.store, isHealthy, 'the store healthy after the restart', 15_000),
        ).toEqual({ ok: true, degraded: false });
      }
    } finally {
      running = false;
      await traffic;
    }
    expect(served).toBeGreaterThan(0);
    expect(failures).toBe(0);
  });
});
