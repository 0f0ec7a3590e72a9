import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComponentManager } from '../../src/credentials/component-manager.js';
import { authorizerTokenKind } from '../../src/credentials/kinds/authorizer-token.js';
import { GatewayError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { componentPushPlugins } from '../../src/plugins/use-component-push.js';
import { Redactor } from '../../src/redact.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { CredentialEvent, Stores } from '../../src/store/ports.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { ComponentApi } from '../../src/wechat/component-api.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { createSandbox, type Sandbox } from '../../src/wechat/sandbox/server.js';
import { CallTracker, FakeClock, isSettled } from '../credentials/fake-clock.js';
import { deleteKeysUnder, keysUnder, randomPrefix } from '../redis/helpers.js';
import { COMPONENT, MERCHANT, pushTo } from '../support/component.js';
import { redisUrl } from '../support/redis.js';

/**
 * Issue 26's must-show over HTTP: three replicas of the component manager on one store (Redis when the
 * session has one), the real sandbox answering the Open Platform endpoints and pushing encrypted
 * tickets and authorizations to each replica's push endpoint. Virtual time (one FakeClock for the
 * sandbox, the push endpoints and the replicas), so every count is exact and nothing sleeps.
 */

const OTHER_MERCHANT = 'wxb2b2b2b2b2b2b2b2';
const TOKEN_KIND = authorizerTokenKind(COMPONENT.appId);
const BACKENDS = redisUrl ? (['memory', 'redis'] as const) : (['memory'] as const);

describe.each(BACKENDS)('Open Platform replicas on %s', (backend) => {
  const clock = new FakeClock(Date.now());
  const tracker = new CallTracker();
  const prefix = randomPrefix();
  const memory = new MemoryStores({ clock });
  let sandbox: Sandbox;
  let client: WeChatClient;
  let stores: Stores[] = [];
  let replicas: ComponentManager[] = [];
  const servers: Server[] = [];
  let bases: string[] = [];

  async function openStores(): Promise<Stores[]> {
    if (backend === 'memory') return [memory, memory, memory];
    const opened = await Promise.all(
      [0, 1, 2].map(() =>
        RedisStores.connect({ url: redisUrl, keyPrefix: prefix, appIds: [COMPONENT.appId, MERCHANT], clock }),
      ),
    );
    return opened.map(
      (s): Stores => ({
        kind: s.kind,
        credentials: tracker.track(s.credentials),
        leases: tracker.track(s.leases),
        holds: tracker.track(s.holds),
        authorizers: tracker.track(s.authorizers),
        health: () => s.health(),
        onHealthChange: (listener) => s.onHealthChange(listener),
        close: () => s.close(),
      }),
    );
  }

  /** Three replicas (each with its push endpoint) over the store, as after a deploy. */
  async function startReplicas(): Promise<void> {
    stores = await openStores();
    const api = tracker.track(new ComponentApi(client));
    replicas = stores.map(
      (s) =>
        new ComponentManager({
          components: [COMPONENT],
          stores: s,
          api,
          clock,
          logger: silentLogger,
          backgroundRefresh: false,
          lockLeaseMs: 5_000,
        }),
    );
    bases = await Promise.all(
      replicas.map(async (components, i) => {
        const yoga = createYoga({
          schema: undefined as never,
          logging: false,
          plugins: componentPushPlugins({
            config: { components: [COMPONENT] },
            store: stores[i] as Stores,
            components,
            redactor: new Redactor(),
            logger: silentLogger,
            clock,
          }),
        });
        const server = createServer(yoga);
        servers.push(server);
        await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
        return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      }),
    );
  }

  async function stopReplicas(): Promise<void> {
    await run(Promise.all(replicas.map((r) => r.stop())));
    await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
    if (backend === 'redis') await Promise.all(stores.map((s) => s.close()));
  }

  /** WeChat's push, delivered over HTTP to replica `i`. */
  async function deliver(push: ComponentPush, i = 0): Promise<string> {
    return (await pushTo(bases[i] as string, push)).text();
  }

  /** Lets virtual time run (lease polls) until `promise` settles. */
  async function run<T>(promise: Promise<T>): Promise<T> {
    for (let i = 0; i < 400 && !(await isSettled(promise)); i++) await clock.advance(25);
    return promise;
  }

  const counters = () => sandbox.counters();
  const count = async (endpoint: string) =>
    (await counters())[endpoint as keyof Awaited<ReturnType<typeof counters>>];

  beforeAll(async () => {
    sandbox = await createSandbox({ apps: [], components: [COMPONENT], clock });
    client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 10_000, clock });
    clock.settleWith = () => tracker.idle();
    await startReplicas();
  });

  afterAll(async () => {
    await stopReplicas();
    await client.close();
    await sandbox.close();
    if (backend === 'redis') await deleteKeysUnder(redisUrl, prefix);
  });

  it('a merchant authorizes; 200 concurrent cold reads over 3 replicas cost 1 authorizer and 1 component token call', async () => {
    expect(await deliver(sandbox.component.ticketPush(COMPONENT.appId, clock.now()), 1)).toBe('success');
    await clock.advance(1000);
    const { push } = sandbox.component.authorize(COMPONENT.appId, MERCHANT, clock.now());
    expect(await deliver(push, 2)).toBe('success');
    expect(await replicas[0]?.authorizers.get(COMPONENT.appId, MERCHANT)).toMatchObject({
      state: 'AUTHORIZED',
      permissions: [1, 15],
    });
    const reads = Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (replicas[i % 3] as ComponentManager).authorizerToken(COMPONENT.appId, MERCHANT),
      ),
    );
    const tokens = await run(reads);
    expect(new Set(tokens.map((t) => t.value)).size).toBe(1);
    expect(await count('/cgi-bin/component/api_authorizer_token')).toBe(1);
    expect(await count('/cgi-bin/component/api_component_token')).toBe(1);
    expect(await count('/cgi-bin/component/api_query_auth')).toBe(1);
  });

  it('30 ticket pushes, to every replica, some repeated: still 1 component token call', async () => {
    for (let i = 0; i < 30; i++) {
      await clock.advance(1000);
      const push = sandbox.component.ticketPush(COMPONENT.appId, clock.now());
      expect(await deliver(push, i % 3)).toBe('success');
      if (i % 10 === 0) expect(await deliver(push, (i + 1) % 3)).toBe('success');
    }
    await run(replicas[1]?.componentToken(COMPONENT.appId) as Promise<unknown>);
    expect(await count('/cgi-bin/component/api_component_token')).toBe(1);
  });

  it('the same authorization push repeated is acted on once', async () => {
    await clock.advance(1000);
    const { push } = sandbox.component.authorize(COMPONENT.appId, OTHER_MERCHANT, clock.now(), true);
    const before = await count('/cgi-bin/component/api_query_auth');
    expect(await Promise.all([deliver(push, 0), deliver(push, 1), deliver(push, 2)])).toEqual([
      'success',
      'success',
      'success',
    ]);
    expect(await count('/cgi-bin/component/api_query_auth')).toBe(before + 1);
  });

  it('replicas restarted with the store kept: 0 new calls', async () => {
    const before = await counters();
    await stopReplicas();
    await startReplicas();
    const tokens = await run(Promise.all(replicas.map((r) => r.authorizerToken(COMPONENT.appId, MERCHANT))));
    expect(new Set(tokens.map((t) => t.value)).size).toBe(1);
    await run(replicas[0]?.componentToken(COMPONENT.appId) as Promise<unknown>);
    expect(await counters()).toEqual(before);
  });

  it('a refused refresh token (61023) is recovered from the authorizer list: no caller error', async () => {
    const s = stores[0] as Stores;
    const record = await s.authorizers.get(COMPONENT.appId, MERCHANT);
    await s.authorizers.put(COMPONENT.appId, {
      ...(record as NonNullable<typeof record>),
      refreshToken: 'refreshtoken@@@lost',
    });
    const stale = await s.credentials.getLatest({ appId: MERCHANT, kind: TOKEN_KIND });
    await s.credentials.deleteIfSame({ appId: MERCHANT, kind: TOKEN_KIND }, stale?.value as string);
    const lists = await count('/cgi-bin/component/api_get_authorizer_list');
    const reads = await run(
      Promise.allSettled(
        Array.from({ length: 30 }, (_, i) =>
          (replicas[i % 3] as ComponentManager).authorizerToken(COMPONENT.appId, MERCHANT),
        ),
      ),
    );
    expect(reads.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await count('/cgi-bin/component/api_get_authorizer_list')).toBe(lists + 1);
    expect((await s.authorizers.get(COMPONENT.appId, MERCHANT))?.refreshToken).toBe(record?.refreshToken);
  });

  it.runIf(backend === 'redis')(
    'every refresh token deleted from Redis: recovered from the list on the next read',
    async () => {
      // Every record and the component's index of them (docs/scaling.md, "Authorizers in a Cluster").
      const redis = new Redis(redisUrl);
      const records = (await keysUnder(redis, prefix)).filter(
        (key) =>
          key.endsWith(`}:authorizer:${COMPONENT.appId}`) || key.includes(`{${COMPONENT.appId}:authorizers:`),
      );
      expect(records.length).toBeGreaterThan(2);
      await redis.del(...records);
      redis.disconnect();
      const s = stores[1] as Stores;
      const current = await s.credentials.getLatest({ appId: MERCHANT, kind: TOKEN_KIND });
      await s.credentials.deleteIfSame({ appId: MERCHANT, kind: TOKEN_KIND }, current?.value as string);
      // A minute passes since the last recovery, on Redis's clock too (its hold would have lapsed).
      await clock.advance(61_000);
      await s.holds.hold(`authorizer-recovery:${COMPONENT.appId}`, 0);
      const lists = await count('/cgi-bin/component/api_get_authorizer_list');
      const token = await run((replicas[1] as ComponentManager).authorizerToken(COMPONENT.appId, MERCHANT));
      expect(await count('/cgi-bin/component/api_get_authorizer_list')).toBe(lists + 1);
      expect(token.value).toBeTruthy();
      expect((await s.authorizers.list(COMPONENT.appId)).map((r) => r.appId)).toEqual([
        MERCHANT,
        OTHER_MERCHANT,
      ]);
    },
  );

  it('unauthorized: every replica answers AUTHORIZER_UNAUTHORIZED once the store has told it', async () => {
    await Promise.all(replicas.map((r) => r.authorizerToken(COMPONENT.appId, MERCHANT)));
    const told = stores.map(
      (s) =>
        new Promise<CredentialEvent>((resolve) => {
          const stop = s.credentials.subscribe((event) => {
            if (event.type === 'invalidated' && event.appId === MERCHANT) {
              stop();
              resolve(event);
            }
          });
        }),
    );
    await clock.advance(1000);
    expect(await deliver(sandbox.component.revoke(COMPONENT.appId, MERCHANT, clock.now()), 0)).toBe(
      'success',
    );
    await Promise.all(told);
    const answers = await run(
      Promise.allSettled(replicas.map((r) => r.authorizerToken(COMPONENT.appId, MERCHANT))),
    );
    for (const answer of answers) {
      expect(answer.status).toBe('rejected');
      expect((answer as PromiseRejectedResult).reason).toBeInstanceOf(GatewayError);
      expect((answer as PromiseRejectedResult).reason.code).toBe('AUTHORIZER_UNAUTHORIZED');
    }
    expect((await replicas[2]?.authorizers.get(COMPONENT.appId, MERCHANT))?.state).toBe('UNAUTHORIZED');
  });
});
