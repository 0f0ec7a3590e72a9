import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { subscribeSse } from '../support/sse.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

/**
 * WeCom apps over GraphQL and HTTP against the sandbox's qyapi (issue 27): every app-scoped field a
 * WeCom app has, jsSdkConfig with the corp and agent tickets, and the fields WeCom has no counterpart
 * for refused before any upstream call.
 */

const CORP = 'ww00112233445566aa';
const APP_A = `${CORP}/1000002`;
const APP_B = `${CORP}/1000003`;
const CONTACTS = `${CORP}/contacts-sync`;
const SECRET_A = 'gqlSecretOfApprovals-0123456789abcdefghijk';
const SECRET_B = 'gqlSecretOfExpenses--0123456789abcdefghijk';
const SECRET_CONTACTS = 'gqlSecretOfContacts--0123456789abcdefghijk';
const SECRETS: Record<string, string> = { [APP_A]: SECRET_A, [APP_B]: SECRET_B, [CONTACTS]: SECRET_CONTACTS };
const PAGE = 'https://oa.example.com/approve?id=7';

function wecomApp(appId: string, secret: string): AppConfig {
  const [corpId, part] = appId.split('/') as [string, string];
  const wecom = /^\d+$/.test(part) ? { corpId, agentId: part } : { corpId, secretName: part };
  return { kind: 'wecom', appId, appSecret: secret, name: `WeCom ${part}`, tokenMode: 'stable', wecom };
}

interface Answer {
  // biome-ignore lint/suspicious/noExplicitAny: answers of ad-hoc documents, read field by field
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

let stack: TestGateway;

async function start(
  secretOf: (appId: string) => string = (appId) => SECRETS[appId] as string,
): Promise<TestGateway> {
  return startTestGateway({
    sandbox: {
      appCount: 2,
      wecomApps: [
        { corpId: CORP, corpSecret: SECRET_A, agentId: 1000002 },
        { corpId: CORP, corpSecret: SECRET_B, agentId: 1000003 },
        { corpId: CORP, corpSecret: SECRET_CONTACTS, secretName: 'contacts-sync' },
      ],
    },
    apps: (sandbox) => [
      { ...sandbox.app, kind: 'officialAccount', name: 'OA', tokenMode: 'stable' },
      {
        ...(sandbox.apps[1] as (typeof sandbox.apps)[number]),
        kind: 'miniProgram',
        name: 'MP',
        tokenMode: 'stable',
      },
      ...[APP_A, APP_B, CONTACTS].map((appId) => wecomApp(appId, secretOf(appId))),
    ],
  });
}

async function gql(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer;
}

const JS_SDK = `query ($appId: ID, $url: String!) {
  jsSdkConfig(appId: $appId, url: $url) { appId timestamp nonceStr signature url
    agentConfig { corpId agentId timestamp nonceStr signature } } }`;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const signatureOf = (ticket: string, nonceStr: string, timestamp: number, url: string) =>
  sha1(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`);

async function issued(appId: string): Promise<{ jsapi: string[]; agent_config: string[] }> {
  const response = await fetch(`${stack.sandbox.url}/__sandbox/wecom/apps/${appId}/tickets`);
  return (await response.json()) as { jsapi: string[]; agent_config: string[] };
}

beforeAll(async () => {
  stack = await start();
});
afterAll(() => stack.close());
beforeEach(async () => {
  await stack.close();
  stack = await start();
});

describe('WeCom over GraphQL', () => {
  it('100 concurrent cold jsSdkConfig: 1 gettoken, 1 corp-ticket, 1 agent-ticket call; both signatures verify', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => gql(JS_SDK, { appId: APP_A, url: `${PAGE}&n=${i}#frag` })),
    );
    const counters = await stack.sandbox.counters();
    expect(counters['/cgi-bin/gettoken']).toBe(1);
    expect(counters['/cgi-bin/get_jsapi_ticket']).toBe(1);
    expect(counters['/cgi-bin/ticket/get']).toBe(1);
    const tickets = await issued(APP_A);
    const [corpTicket] = tickets.jsapi;
    const [agentTicket] = tickets.agent_config;
    expect(corpTicket).toBeDefined();
    expect(agentTicket).toBeDefined();
    for (const [i, answer] of answers.entries()) {
      expect(answer.errors).toBeUndefined();
      const config = answer.data?.jsSdkConfig;
      expect(config.appId).toBe(CORP);
      expect(config.url).toBe(`${PAGE}&n=${i}`);
      expect(config.signature).toBe(
        signatureOf(corpTicket as string, config.nonceStr, config.timestamp, config.url),
      );
      const agent = config.agentConfig;
      expect(agent).toMatchObject({ corpId: CORP, agentId: '1000002' });
      expect(agent.signature).toBe(
        signatureOf(agentTicket as string, agent.nonceStr, agent.timestamp, config.url),
      );
      const text = JSON.stringify(answer);
      expect(text).not.toContain(corpTicket as string);
      expect(text).not.toContain(agentTicket as string);
    }
  });

  it('gives two apps of one corp two agent tickets, and an Official Account no agentConfig', async () => {
    const [a, b, oa] = await Promise.all([
      gql(JS_SDK, { appId: APP_A, url: PAGE }),
      gql(JS_SDK, { appId: APP_B, url: PAGE }),
      gql(JS_SDK, { appId: stack.sandbox.app.appId, url: PAGE }),
    ]);
    const agentA = (await issued(APP_A)).agent_config;
    const agentB = (await issued(APP_B)).agent_config;
    expect(agentA).toHaveLength(1);
    expect(agentB).toHaveLength(1);
    expect(agentA[0]).not.toBe(agentB[0]);
    expect(a.data?.jsSdkConfig.agentConfig.agentId).toBe('1000002');
    expect(b.data?.jsSdkConfig.agentConfig.agentId).toBe('1000003');
    expect(oa.errors).toBeUndefined();
    expect(oa.data?.jsSdkConfig.agentConfig).toBeNull();
    expect(oa.data?.jsSdkConfig.appId).toBe(stack.sandbox.app.appId);
    expect((await stack.sandbox.counters())['/cgi-bin/gettoken']).toBe(2);
  });

  it('refuses jsSdkConfig for a special secret, saying why, before any upstream call', async () => {
    const answer = await gql(JS_SDK, { appId: CONTACTS, url: PAGE });
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.errors?.[0]?.message).toMatch(/special secret .* agentId/);
    expect((await stack.sandbox.counters())['/cgi-bin/gettoken']).toBe(0);
  });

  it.each([
    ['cardSignature', 'query ($appId: ID) { cardSignature(appId: $appId) { signature } }'],
    [
      'networkCheck',
      'query ($appId: ID) { networkCheck(appId: $appId, action: ALL, operator: DEFAULT) { dns { ip } } }',
    ],
    [
      'apiQuota',
      'query ($appId: ID) { apiQuota(appId: $appId, cgiPath: "/cgi-bin/message/send") { dailyLimit } }',
    ],
    ['requestLookup', 'query ($appId: ID) { requestLookup(appId: $appId, rid: "1-2-3") { invokedAt } }'],
    ['clearQuota', 'mutation ($appId: ID) { clearQuota(appId: $appId) { clearedAt } }'],
  ])(
    'answers %s on a WeCom app with BAD_USER_INPUT saying so, before any upstream call',
    async (field, query) => {
      const answer = await gql(query, { appId: APP_A });
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.message).toContain(`${field} has no meaning for a WeCom app`);
      const counters = await stack.sandbox.counters();
      expect(Object.values(counters).reduce((sum, n) => sum + n, 0)).toBe(0);
    },
  );

  it('answers the JS-SDK fields of a Mini Program with BAD_USER_INPUT (no JS-SDK) and serves its token', async () => {
    const appId = stack.sandbox.apps[1]?.appId;
    const config = await gql(JS_SDK, { appId, url: PAGE });
    const card = await gql('query ($appId: ID) { cardSignature(appId: $appId) { signature } }', { appId });
    for (const answer of [config, card]) {
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(answer.errors?.[0]?.message).toContain('a Mini Program has no JS-SDK');
    }
    expect(Object.values(await stack.sandbox.counters()).reduce((sum, n) => sum + n, 0)).toBe(0);
    const refreshed = await gql('mutation ($appId: ID) { refreshToken(appId: $appId) { state } }', { appId });
    expect(refreshed.data?.refreshToken).toEqual({ state: 'FRESH' });
    expect((await stack.sandbox.counters())['/cgi-bin/stable_token']).toBe(1);
  });

  it('serves tokenStatus, refreshToken, callbackIps, apiDomainIps, callbackIpCheck, apps and app for WeCom apps', async () => {
    const refreshed = await gql(
      'mutation ($appId: ID) { refreshToken(appId: $appId) { appId state expiresInSeconds } }',
      { appId: APP_A },
    );
    expect(refreshed.errors).toBeUndefined();
    expect(refreshed.data?.refreshToken).toMatchObject({ appId: APP_A, state: 'FRESH' });
    const status = await gql('query ($appId: ID) { tokenStatus(appId: $appId) { appId state } }', {
      appId: APP_A,
    });
    expect(status.data?.tokenStatus).toEqual({ appId: APP_A, state: 'FRESH' });
    const ips = await gql(
      'query ($appId: ID) { callbackIps(appId: $appId) { ips } apiDomainIps(appId: $appId) { ips } }',
      {
        appId: APP_A,
      },
    );
    expect(ips.errors).toBeUndefined();
    expect(ips.data?.callbackIps.ips.length).toBeGreaterThan(0);
    expect(ips.data?.apiDomainIps.ips.length).toBeGreaterThan(0);
    const ipCheck = await gql(
      'query ($appId: ID) { callbackIpCheck(appId: $appId, ip: "1.2.3.4") { __typename } }',
      {
        appId: APP_A,
      },
    );
    expect(ipCheck.errors).toBeUndefined();
    const apps = await gql('{ apps { appId kind name } }');
    expect(apps.data?.apps).toEqual([
      { appId: stack.sandbox.app.appId, kind: 'OFFICIAL_ACCOUNT', name: 'OA' },
      { appId: stack.sandbox.apps[1]?.appId, kind: 'MINI_PROGRAM', name: 'MP' },
      { appId: APP_A, kind: 'WECOM', name: 'WeCom 1000002' },
      { appId: APP_B, kind: 'WECOM', name: 'WeCom 1000003' },
      { appId: CONTACTS, kind: 'WECOM', name: 'WeCom contacts-sync' },
    ]);
    const app = await gql('query ($appId: ID!) { app(appId: $appId) { kind tickets { type state } } }', {
      appId: APP_A,
    });
    expect(app.data?.app).toEqual({
      kind: 'WECOM',
      tickets: [
        { type: 'JSAPI', state: 'MISSING' },
        { type: 'AGENT_CONFIG', state: 'MISSING' },
      ],
    });
    const counters = await stack.sandbox.counters();
    expect(counters['/cgi-bin/gettoken']).toBe(1);
    expect(counters['/cgi-bin/stable_token']).toBe(0);
  });

  it("streams a WeCom app's tokenEvents (its own only), without the token", async () => {
    const events = await subscribeSse(stack.url, {
      query: 'subscription ($appId: ID) { tokenEvents(appId: $appId) { appId type } }',
      variables: { appId: APP_A },
    });
    try {
      expect(events.status).toBe(200);
      await gql('mutation ($appId: ID) { refreshToken(appId: $appId) { state } }', { appId: APP_B });
      await gql('mutation ($appId: ID) { refreshToken(appId: $appId) { state } }', { appId: APP_A });
      const message = await events.next(5000);
      expect(JSON.parse(message.data).data.tokenEvents).toEqual({ appId: APP_A, type: 'REFRESHED' });
      const token = (await stack.manager.getToken(APP_A)).value;
      expect(message.data).not.toContain(token);
    } finally {
      events.close();
    }
  });

  it('answers WECHAT_INVALID_SECRET for a wrong corpSecret: 50 requests cost at most 2 gettoken calls', async () => {
    await stack.close();
    stack = await start((appId) =>
      appId === APP_A ? 'wrongSecret-0123456789abcdefghijklmnopqrstu' : (SECRETS[appId] as string),
    );
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        gql('query ($appId: ID) { callbackIps(appId: $appId) { ips } }', { appId: APP_A }),
      ),
    );
    for (const answer of answers) {
      expect(answer.errors?.[0]?.extensions).toMatchObject({
        code: 'WECHAT_INVALID_SECRET',
        errcode: 40001,
        retryable: false,
      });
      expect(JSON.stringify(answer)).not.toContain('wrongSecret');
    }
    expect((await stack.sandbox.counters())['/cgi-bin/gettoken']).toBeLessThanOrEqual(2);
  });
});
