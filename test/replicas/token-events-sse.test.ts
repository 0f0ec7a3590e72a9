import { print } from 'graphql';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import type { TokenManager } from '../../src/credentials/token-manager.js';
import { GatewayError } from '../../src/errors.js';
import { tokenFingerprint } from '../../src/redact.js';
import type { Gateway } from '../../src/server.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import type { TokenEventsSubscription } from '../gql/graphql.js';
import { graphql } from '../gql/index.js';
import { startTestGateway } from '../graphql/support/gateway.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { type SseSubscription, subscribeSse } from '../support/sse.js';
import type { SubscriberCount } from '../support/subscribers.js';

const TokenEventsDocument = graphql(`
  subscription TokenEvents($appId: ID) {
    tokenEvents(appId: $appId) {
      appId
      type
      reason
      fingerprint
      expiresAt
      at
      code
      message
      background
    }
  }
`);

const ForceRefreshDocument = graphql(`
  mutation ForceRefresh {
    refreshToken(force: true) {
      appId
      expiresAt
    }
  }
`);

type Event = TokenEventsSubscription['tokenEvents'];

interface GatewayReplica {
  gateway: Gateway;
  url: string;
  manager: TokenManager;
  /** Subscribers to this replica's token service, counted and waited on as events. */
  subscribers: SubscriberCount;
  close(): Promise<void>;
}

/** `tokenEvents` over Server-Sent Events, on two gateway replicas sharing one Redis. */
describeRedis('the tokenEvents subscription across replicas', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let app: AppConfig;
  const replicas: GatewayReplica[] = [];
  const open: SseSubscription[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  async function startGatewayReplica(env: Record<string, string> = {}): Promise<GatewayReplica> {
    const store = await RedisStores.connect({ url: redisUrl, keyPrefix, appIds: [app.appId] });
    const stack = await startTestGateway({
      sandbox,
      store,
      apps: [app],
      env,
      manager: { busyRetries: 1, forceRefreshCooldownSeconds: 0 },
    });
    return {
      gateway: stack.gateway,
      url: stack.url,
      get manager() {
        return stack.manager;
      },
      subscribers: stack.subscribers,
      async close() {
        await stack.close();
        await store.close();
      },
    };
  }

  async function subscribe(replica: GatewayReplica, appId?: string): Promise<SseSubscription> {
    const before = replica.subscribers.count();
    const subscription = await subscribeSse(replica.url, {
      query: print(TokenEventsDocument),
      ...(appId ? { variables: { appId } } : {}),
    });
    open.push(subscription);
    expect(subscription.status).toBe(200);
    expect(subscription.contentType).toMatch(/^text\/event-stream/);
    // Events are only heard once the subscription has reached the token service.
    await replica.subscribers.settlesAt(before + 1);
    return subscription;
  }

  async function nextEvent(subscription: SseSubscription): Promise<{ event: Event; raw: string }> {
    const message = await subscription.next();
    expect(message.event).toBe('next');
    const body = JSON.parse(message.data) as { data?: { tokenEvents: Event }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    if (!body.data) throw new Error(`no data in ${message.data}`);
    return { event: body.data.tokenEvents, raw: message.data };
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    sandbox = await startSandbox({ settings: { forceRefreshMinIntervalSeconds: 0 } });
    app = { ...sandbox.app, name: 'Events app', tokenMode: 'stable' };
    replicas.push(await startGatewayReplica(), await startGatewayReplica());
  });

  afterAll(async () => {
    for (const subscription of open) subscription.close();
    await Promise.all(replicas.map((replica) => replica.close()));
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
    process.off('unhandledRejection', onUnhandled);
  });

  it('streams a refresh forced through the mutation on another replica, without the token', async () => {
    const [a, b] = replicas as [GatewayReplica, GatewayReplica];
    const subscription = await subscribe(b); // appId omitted: the gateway has one app.
    // The first token is fetched while b listens, so its COLD event is read here: published
    // through Redis, it could otherwise reach b after a later subscription and come first.
    const old = await a.manager.getToken(app.appId);
    expect((await nextEvent(subscription)).event).toMatchObject({
      type: 'REFRESHED',
      reason: 'COLD',
      fingerprint: tokenFingerprint(old.value),
    });

    const response = await fetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: print(ForceRefreshDocument) }),
    });
    expect(await response.json()).toEqual({
      data: { refreshToken: { appId: app.appId, expiresAt: expect.any(String) } },
    });
    const renewed = await a.manager.getToken(app.appId);
    expect(renewed.value).not.toBe(old.value);

    const { event, raw } = await nextEvent(subscription);
    expect(event).toEqual({
      appId: app.appId,
      type: 'REFRESHED',
      reason: 'FORCED',
      fingerprint: tokenFingerprint(renewed.value),
      expiresAt: new Date(renewed.expiresAt).toISOString(),
      at: expect.any(String),
      code: null,
      message: null,
      background: null,
    });
    expect(raw).not.toContain(renewed.value);
    expect(raw).not.toContain(old.value);
    expect(raw).not.toContain(app.appSecret);
  });

  it('streams invalidations from other replicas and this replica’s failures, for its app only', async () => {
    const [a, b] = replicas as [GatewayReplica, GatewayReplica];
    const subscription = await subscribe(b, app.appId);
    const current = await a.manager.getToken(app.appId);

    expect(await a.manager.invalidateIfSame(app.appId, current.value)).toBe(true);
    expect((await nextEvent(subscription)).event).toMatchObject({
      type: 'INVALIDATED',
      fingerprint: tokenFingerprint(current.value),
      reason: null,
    });

    // WeChat stays busy through every retry of b's own fetch.
    await sandbox.setFault({ kind: 'busy', endpoint: '/cgi-bin/stable_token', times: 2 });
    const failure = await b.manager.getToken(app.appId).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GatewayError);
    const { event, raw } = await nextEvent(subscription);
    expect(event).toMatchObject({
      appId: app.appId,
      type: 'ERROR',
      code: (failure as GatewayError).code,
      message: expect.any(String),
      background: false,
      fingerprint: null,
    });
    expect(raw).not.toContain(app.appSecret);
  });

  it('removes the listener when the client disconnects', async () => {
    const [, b] = replicas as [GatewayReplica, GatewayReplica];
    const idle = b.subscribers.count();
    const subscription = await subscribe(b);
    subscription.close();
    expect(await subscription.ended).toBe('closed');
    await b.subscribers.settlesAt(idle);
  });

  it('answers UNKNOWN_APP for an app this gateway does not serve, then completes', async () => {
    const [, b] = replicas as [GatewayReplica, GatewayReplica];
    const subscription = await subscribeSse(b.url, {
      query: print(TokenEventsDocument),
      variables: { appId: 'wx0000000000000000' },
    });
    const message = await subscription.next();
    expect(JSON.parse(message.data)).toMatchObject({
      errors: [{ path: ['tokenEvents'], extensions: { code: 'UNKNOWN_APP', retryable: false } }],
    });
    expect((await subscription.next()).event).toBe('complete');
    expect(await subscription.ended).toBe('complete');
  });

  it('asks for an API key like tokenStatus does, and keeps a key to its apps', async () => {
    const reader = 'reader-key-0123456789abcdef';
    const elsewhere = 'elsewhere-key-0123456789abcdef';
    const guarded = await startGatewayReplica({
      GATEWAY_API_KEYS: `${reader}:token:read,${elsewhere}:token:read:wx0000000000000000`,
    });
    replicas.push(guarded);
    const query = { query: print(TokenEventsDocument) };

    const anonymous = await subscribeSse(guarded.url, query);
    expect(anonymous.status).toBe(401);
    const limited = await subscribeSse(guarded.url, query, { authorization: `Bearer ${elsewhere}` });
    expect(JSON.parse((await limited.next()).data)).toMatchObject({
      errors: [{ extensions: { code: 'FORBIDDEN' } }],
    });
    expect(await limited.ended).toBe('complete');

    const subscription = await subscribeSse(guarded.url, query, { authorization: `Bearer ${reader}` });
    open.push(subscription);
    await guarded.subscribers.settlesAt(1);
    await replicas[0]?.manager.refresh(app.appId, { force: true });
    expect((await nextEvent(subscription)).event).toMatchObject({ type: 'REFRESHED', reason: 'FORCED' });
  });

  it('ends open subscriptions cleanly when the gateway closes, and leaves no listener behind', async () => {
    const extra = await startGatewayReplica();
    replicas.push(extra);
    const subscription = await subscribe(extra);
    await extra.gateway.close();
    expect((await subscription.next()).event).toBe('complete');
    expect(await subscription.ended).toBe('complete');
    expect(extra.subscribers.count()).toBe(0);
    expect(unhandled).toEqual([]);
  });
});
