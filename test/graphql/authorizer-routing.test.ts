import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenEvent } from '../../src/credentials/types.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { COMPONENT, MERCHANT, pushTo } from '../support/component.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { subscribeSse } from '../support/sse.js';

/**
 * Issue 26 item 6: every app-scoped field accepts an authorizer's appId and is served with its
 * authorizer token, through the one token service (a configured app with the same appId wins).
 */

const REVOKED = 'wxb2b2b2b2b2b2b2b2';

const ISV_KEY = 'isv-key-0123456789abcdef';
const SHOP_KEY = 'shop-key-0123456789abcdef';

let sandbox: TestSandbox;
let gateway: TestGateway;
/** The same gateway over the same store, with API keys: one limited to the component, one to an app. */
let keyed: TestGateway;
const store = new MemoryStores();
const logs = captureLogs();
const events: TokenEvent[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ components: [COMPONENT] });
  gateway = await startTestGateway({
    sandbox,
    store,
    logger: logs.logger,
    components: [{ ...COMPONENT, name: 'Demo ISV' }],
  });
  keyed = await startTestGateway({
    sandbox,
    store,
    logger: logs.logger,
    components: [{ ...COMPONENT, name: 'Demo ISV' }],
    env: {
      GATEWAY_API_KEYS: `${ISV_KEY}:token:read+wechat:read+component:admin:component=${COMPONENT.appId},${SHOP_KEY}:token:read+wechat:read+component:admin:${sandbox.app.appId}`,
    },
  });
  gateway.manager.subscribe((event) => events.push(event));
  await deliver(sandbox.direct.component.ticketPush(COMPONENT.appId, Date.now()));
  for (const appId of [MERCHANT, REVOKED])
    await deliver(sandbox.direct.component.authorize(COMPONENT.appId, appId, Date.now()).push);
});
afterAll(async () => {
  await keyed.close();
  await gateway.close();
  await sandbox.close();
});

function deliver(push: ComponentPush) {
  return pushTo(gateway.origin, push);
}

type Answer = { data?: Record<string, Record<string, unknown>>; errors?: { extensions: { code: string } }[] };
async function ask(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  return (await gateway.graphql(query, variables)).json() as Promise<Answer>;
}

const calls = async (endpoint: string) =>
  ((await sandbox.counters()) as Record<string, number>)[endpoint] ?? 0;

describe('app-scoped fields for an Open Platform authorizer', () => {
  it('serves every app-scoped field with the authorizer token, obtained once', async () => {
    const before = await calls('/cgi-bin/component/api_authorizer_token');
    const answer = await ask(
      `query($a: ID!) {
        callbackIps(appId: $a) { appId ips }
        apiDomainIps(appId: $a) { appId ips }
        apiQuota(appId: $a, cgiPath: "/cgi-bin/getcallbackip") { appId dailyLimit }
        jsSdkConfig(appId: $a, url: "https://shop.example/page") { appId signature }
        cardSignature(appId: $a) { signature }
        callbackIpCheck(appId: $a, ip: "203.0.113.9") { allowed }
      }`,
      { a: MERCHANT },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.callbackIps?.appId).toBe(MERCHANT);
    expect(answer.data?.callbackIps?.ips).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(answer.data?.apiDomainIps?.appId).toBe(MERCHANT);
    expect(answer.data?.apiQuota?.appId).toBe(MERCHANT);
    expect(answer.data?.jsSdkConfig).toMatchObject({ appId: MERCHANT });
    expect(answer.data?.cardSignature?.signature).toMatch(/^[0-9a-f]{40}$/);
    expect(await calls('/cgi-bin/component/api_authorizer_token')).toBe(before + 1);
    // The merchant's account has no token of its own here: everything used the authorizer token.
    expect(await calls('/cgi-bin/token')).toBe(0);
    expect(await calls('/cgi-bin/stable_token')).toBe(0);

    const status = await ask('query($a: ID!) { tokenStatus(appId: $a) { appId state accessToken } }', {
      a: MERCHANT,
    });
    expect(status.data?.tokenStatus).toMatchObject({ appId: MERCHANT, state: 'FRESH' });
    const cleared = await ask('mutation($a: ID!) { clearQuota(appId: $a) { appId } }', { a: MERCHANT });
    expect(cleared.errors).toBeUndefined();
    expect(cleared.data?.clearQuota?.appId).toBe(MERCHANT);
    const refreshed = await ask('mutation($a: ID!) { refreshToken(appId: $a) { appId state } }', {
      a: MERCHANT,
    });
    expect(refreshed.data?.refreshToken).toEqual({ appId: MERCHANT, state: 'FRESH' });
    const check = await ask(
      'query($a: ID!) { networkCheck(appId: $a, action: ALL, operator: DEFAULT) { dns { ip } } }',
      { a: MERCHANT },
    );
    expect(check.errors).toBeUndefined();
    expect(await calls('/cgi-bin/component/api_authorizer_token')).toBe(before + 1);
  });

  it('streams the authorizer’s events and answers AUTHORIZER_UNAUTHORIZED once it revoked', async () => {
    events.length = 0;
    await deliver(sandbox.direct.component.revoke(COMPONENT.appId, REVOKED, Date.now()));
    expect(events.map((e) => [e.type, e.appId])).toContainEqual(['unauthorized', REVOKED]);
    for (const field of ['tokenStatus(appId: $a) { state }', 'callbackIps(appId: $a) { ips }']) {
      const answer = await ask(`query($a: ID!) { ${field} }`, { a: REVOKED });
      expect(answer.errors?.[0]?.extensions.code).toBe('AUTHORIZER_UNAUTHORIZED');
    }
    // A push is acted on once per CreateTime: the update comes seconds later, as WeChat's would.
    const later = Date.now() + 5_000;
    await deliver(sandbox.direct.component.authorize(COMPONENT.appId, MERCHANT, later, true).push);
    await deliver(sandbox.direct.component.authorize(COMPONENT.appId, 'wxd4d4d4d4d4d4d4d4', later).push);
    expect(events.map((e) => [e.type, e.appId])).toEqual(
      expect.arrayContaining([
        ['authorization-updated', MERCHANT],
        ['authorized', 'wxd4d4d4d4d4d4d4d4'],
      ]),
    );
  });

  it('streams an authorizer’s events over SSE (tokenEvents), and counts no per-authorizer series', async () => {
    // The stream attaches its listener to the token service: known before the push is delivered.
    const manager = gateway.tokens;
    const subscribe = manager.subscribe.bind(manager);
    let attached: () => void = () => {};
    const listening = new Promise<void>((done) => {
      attached = done;
    });
    manager.subscribe = (listener) => {
      const stop = subscribe(listener);
      attached();
      return stop;
    };
    const stream = await subscribeSse(gateway.url, {
      query: 'subscription($a: ID!) { tokenEvents(appId: $a) { appId type } }',
      variables: { a: MERCHANT },
    });
    try {
      await listening;
      await deliver(
        sandbox.direct.component.authorize(COMPONENT.appId, MERCHANT, Date.now() + 9_000, true).push,
      );
      const types: string[] = [];
      while (!types.includes('AUTHORIZATION_UPDATED')) {
        const message = JSON.parse((await stream.next(5_000)).data) as {
          data: { tokenEvents: { appId: string; type: string } };
        };
        expect(message.data.tokenEvents.appId).toBe(MERCHANT);
        types.push(message.data.tokenEvents.type);
      }
    } finally {
      stream.close();
      manager.subscribe = subscribe;
    }
    expect(await gateway.metrics.text()).not.toContain(MERCHANT);
  });

  it('still answers UNKNOWN_APP for an appId no app and no component knows', async () => {
    const answer = await ask('{ tokenStatus(appId: "wx0000000000000000") { state } }');
    expect(answer.errors?.[0]?.extensions.code).toBe('UNKNOWN_APP');
  });

  it('lets a configured app with the same appId win over the authorizer', async () => {
    const own = sandbox.app.appId;
    await deliver(sandbox.direct.component.authorize(COMPONENT.appId, own, Date.now()).push);
    const before = await calls('/cgi-bin/component/api_authorizer_token');
    const answer = await ask('query($a: ID!) { callbackIps(appId: $a) { appId } }', { a: own });
    expect(answer.errors).toBeUndefined();
    expect(await calls('/cgi-bin/component/api_authorizer_token')).toBe(before);
  });
});

describe('an API key limited to the authorizers of a component', () => {
  async function as(key: string, query: string, variables: Record<string, unknown> = {}) {
    const answer = (await (await keyed.graphql(query, variables, { 'x-api-key': key })).json()) as Answer;
    return answer.errors?.[0]?.extensions.code ?? 'ok';
  }

  it('acts on the component’s authorizers and reads Query.component, nothing else', async () => {
    const ips = 'query($a: ID!) { callbackIps(appId: $a) { appId } }';
    expect(await as(ISV_KEY, ips, { a: MERCHANT })).toBe('ok');
    expect(
      await as(ISV_KEY, 'query($a: ID!) { tokenStatus(appId: $a) { accessToken } }', { a: MERCHANT }),
    ).toBe('ok');
    expect(await as(ISV_KEY, ips, { a: sandbox.app.appId })).toBe('FORBIDDEN');
    expect(await as(ISV_KEY, '{ component { appId } }')).toBe('ok');
    const apps = (await (
      await keyed.graphql('{ apps { appId } }', {}, { 'x-api-key': ISV_KEY })
    ).json()) as Answer;
    expect(apps.data?.apps).toEqual([]);
    expect(
      await as(ISV_KEY, 'mutation { authorizationUrl(redirectUri: "https://isv.example/back") { url } }'),
    ).toBe('FORBIDDEN');
  });

  it('leaves a key limited to an app off the authorizers and the component', async () => {
    expect(await as(SHOP_KEY, 'query($a: ID!) { callbackIps(appId: $a) { appId } }', { a: MERCHANT })).toBe(
      'FORBIDDEN',
    );
    expect(await as(SHOP_KEY, '{ component { appId } }')).toBe('FORBIDDEN');
  });
});
