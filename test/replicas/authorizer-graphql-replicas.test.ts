import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TokenEvent } from '../../src/credentials/types.js';
import type { Stores } from '../../src/store/ports.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { deleteKeysUnder, keysUnder, randomPrefix } from '../redis/helpers.js';
import { COMPONENT, MERCHANT, pushTo } from '../support/component.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * Issue 26's must-show over HTTP, through GraphQL: three gateway replicas on one Redis serve an Open
 * Platform authorizer as an app. Cold concurrent reads cost WeChat one authorizer token and one
 * component token; a revocation pushed to one replica is AUTHORIZER_UNAUTHORIZED on every replica's
 * GraphQL once its store notification arrived.
 */

const KEY = 'reader-key-0123456789abcdef';
const READS = 200;

describeRedis('an authorizer served by three gateway replicas on Redis', () => {
  const keyPrefix = randomPrefix();
  const logs = captureLogs();
  let sandbox: TestSandbox;
  const stores: Stores[] = [];
  const replicas: TestGateway[] = [];

  async function startReplica(): Promise<TestGateway> {
    const store = await RedisStores.connect({ url: redisUrl, keyPrefix, appIds: [sandbox.app.appId] });
    stores.push(store);
    const replica = await startTestGateway({
      sandbox,
      store,
      logger: logs.logger,
      components: [COMPONENT],
      env: { GATEWAY_API_KEYS: `${KEY}:token:read+wechat:read`, RATE_LIMIT_REQUEST_BURST: '1000' },
    });
    replicas.push(replica);
    return replica;
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ components: [COMPONENT] });
    // The merchant authorized the platform on an earlier deploy; its tokens are gone since (the
    // refresh token and the verify ticket are kept): the three replicas start cold.
    const earlier = await startReplica();
    await deliver(sandbox.direct.component.ticketPush(COMPONENT.appId, Date.now()), 0);
    await deliver(sandbox.direct.component.authorize(COMPONENT.appId, MERCHANT, Date.now()).push, 0);
    await earlier.close();
    await stores.splice(0).pop()?.close();
    replicas.splice(0);
    const redis = new Redis(redisUrl);
    const tokens = (await keysUnder(redis, keyPrefix)).filter((key) =>
      /component-token|authorizer-token/.test(key),
    );
    expect(tokens.length).toBeGreaterThan(0);
    await redis.del(...tokens);
    await redis.quit();
    for (let i = 0; i < 3; i++) await startReplica();
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    await Promise.all(stores.map((store) => store.close()));
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  async function deliver(push: ComponentPush, i: number): Promise<string> {
    return (await pushTo((replicas[i] as TestGateway).origin, push)).text();
  }

  type Answer = {
    data?: Record<string, { accessToken?: string | null; ips?: string[] } | null>;
    errors?: { extensions: { code: string }; message: string }[];
  };
  async function ask(i: number, query: string): Promise<Answer> {
    const reply = await (replicas[i] as TestGateway).graphql(query, { a: MERCHANT }, { 'x-api-key': KEY });
    return (await reply.json()) as Answer;
  }
  const calls = async (endpoint: string) =>
    ((await sandbox.counters()) as Record<string, number>)[endpoint] ?? 0;

  it('serves 200 concurrent cold reads with one authorizer token and one component token', async () => {
    const authorizerCalls = await calls('/cgi-bin/component/api_authorizer_token');
    const componentCalls = await calls('/cgi-bin/component/api_component_token');
    // tokenStatus reads the store only (never WeChat): cold, every replica says MISSING.
    for (const i of [0, 1, 2]) {
      const cold = await ask(i, 'query($a: ID!) { tokenStatus(appId: $a) { state accessToken } }');
      expect(cold.data?.tokenStatus).toEqual({ state: 'MISSING', accessToken: null });
    }
    // Reads that need the token (callbackIps is fetched with it), spread over the replicas at once.
    const answers = await Promise.all(
      Array.from({ length: READS }, (_, n) =>
        ask(n % 3, 'query($a: ID!) { callbackIps(appId: $a) { ips } }'),
      ),
    );
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.callbackIps?.ips?.length).toBeGreaterThan(0);
    }
    expect(await calls('/cgi-bin/component/api_authorizer_token')).toBe(authorizerCalls + 1);
    expect(await calls('/cgi-bin/component/api_component_token')).toBe(componentCalls + 1);
    // Every replica's tokenStatus now shows the one token to a token:read key.
    const shown = await Promise.all(
      [0, 1, 2].map((i) => ask(i, 'query($a: ID!) { tokenStatus(appId: $a) { state accessToken } }')),
    );
    const tokens = shown.map((answer) => answer.data?.tokenStatus?.accessToken);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).toMatch(/.{20,}/);
  });

  it('answers AUTHORIZER_UNAUTHORIZED on every replica once its store notification arrived', async () => {
    const heard = replicas.map(
      (replica) =>
        new Promise<void>((done) => {
          const stop = replica.manager.subscribe((event: TokenEvent) => {
            if (event.appId === MERCHANT && event.type === 'invalidated') {
              stop();
              done();
            }
          });
        }),
    );
    expect(await deliver(sandbox.direct.component.revoke(COMPONENT.appId, MERCHANT, Date.now()), 2)).toBe(
      'success',
    );
    await Promise.all(heard);
    for (const i of [0, 1, 2]) {
      for (const query of [
        'query($a: ID!) { tokenStatus(appId: $a) { state accessToken } }',
        'query($a: ID!) { callbackIps(appId: $a) { ips } }',
      ]) {
        const answer = await ask(i, query);
        expect(answer.errors?.[0]?.extensions.code).toBe('AUTHORIZER_UNAUTHORIZED');
      }
    }
  });
});
