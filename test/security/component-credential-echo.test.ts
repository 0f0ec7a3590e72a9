import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltGateway, buildGateway } from '../../src/build-gateway.js';
import { loadConfig } from '../../src/config/index.js';
import { authorizerTokenKind } from '../../src/credentials/kinds/authorizer-token.js';
import { componentTokenKey } from '../../src/credentials/kinds/component-token.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { VERIFY_TICKET_KIND } from '../../src/wechat/component-ticket.js';
import { COMPONENT, MERCHANT, pushTo } from '../support/component.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * Issue 29, item 5, for the Open Platform: WeChat's errmsg may echo a piece of any credential the
 * gateway holds. The verify ticket (pushed by WeChat), the component token, an authorizer's access
 * token and refresh token and the authorization code are each known to the gateway's one redactor
 * from the moment the gateway has them, so a 50-character piece of any of them, quoted by WeChat,
 * reaches neither the GraphQL answer nor a log line. The gateway is built by the composition root
 * (one redactor for the logger, the engines, the push endpoint and the error mask, as main.ts runs it),
 * and the values are read from the raw store, which teaches the redactor nothing.
 */

/** Every 20-character stretch of `value`: a text holding none of them holds no such piece. */
function stretchesOf(value: string, length = 20): string[] {
  return Array.from({ length: value.length - length + 1 }, (_, i) => value.slice(i, i + length));
}

let sandbox: TestSandbox;
let built: BuiltGateway;
let url: string;
let origin: string;
const store = new MemoryStores();
const logLines: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ components: [COMPONENT] });
  const config = {
    ...loadConfig({ NODE_ENV: 'test', WECHAT_API_BASE: sandbox.url, LOG_LEVEL: 'debug' }),
    apps: sandbox.apps.map((app) => ({ ...app, name: 'Shop', tokenMode: 'stable' as const })),
    components: [COMPONENT],
  };
  built = await buildGateway(config, {
    upstream: { baseUrls: [sandbox.url] },
    store,
    logDestination: { write: (line) => void logLines.push(line) },
    engine: { backgroundRefresh: false, busyBackoffBaseMs: 5, busyBackoffTotalMs: 50 },
  });
  url = await built.gateway.listen(0, '127.0.0.1');
  origin = new URL(url).origin;
});
afterAll(async () => {
  await built?.close();
  await sandbox?.close();
});

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, text: await response.text() };
}

/**
 * WeChat answers callbackIps with an errmsg quoting `piece`: the answer and the log lines written
 * meanwhile hold no 20-character stretch of it (the quote around it does reach the client).
 */
async function expectEchoRedacted(piece: string): Promise<void> {
  expect(piece.length).toBeGreaterThanOrEqual(40);
  await sandbox.setFault({
    kind: 'errcode',
    errcode: 48001,
    errmsg: `api unauthorized, hint: [${piece}]`,
    endpoint: '/cgi-bin/getcallbackip',
    times: 1,
  });
  const before = logLines.length;
  const answer = await gql(`{ callbackIps(appId: "${sandbox.app.appId}") { ips } }`);
  expect(answer.text).toContain('api unauthorized');
  expect(answer.text).toContain('WECHAT_');
  const texts = [answer.text, ...logLines.slice(before)];
  const leaks = texts.filter((text) => stretchesOf(piece).some((stretch) => text.includes(stretch)));
  expect(leaks).toEqual([]);
}

describe('a piece of an Open Platform credential echoed by WeChat', () => {
  it('the verify ticket: from the push on, before any component token was asked for', async () => {
    expect(
      (await pushTo(origin, sandbox.direct.component.ticketPush(COMPONENT.appId, Date.now()))).status,
    ).toBe(200);
    const stored = await store.credentials.get({ appId: COMPONENT.appId, kind: VERIFY_TICKET_KIND });
    const ticket = stored?.value as string;
    expect(ticket.length).toBeGreaterThan(60);
    await expectEchoRedacted(ticket.slice(5, 55));
  });

  it('the authorization code, the component token, the authorizer token and its refresh token', async () => {
    const { authorizationCode } = sandbox.direct.component.authorize(COMPONENT.appId, MERCHANT, Date.now());
    const done = await gql(
      'mutation($c: String!) { completeAuthorization(authorizationCode: $c) { appId state } }',
      { c: authorizationCode },
    );
    expect(done.text).toContain(MERCHANT);
    // The authorizer served as an app: its token is obtained for the call.
    expect((await gql(`{ callbackIps(appId: "${MERCHANT}") { ips } }`)).text).toContain('"ips"');
    const componentToken = (await store.credentials.get(componentTokenKey(COMPONENT.appId)))?.value;
    const authorizerToken = (
      await store.credentials.get({ appId: MERCHANT, kind: authorizerTokenKind(COMPONENT.appId) })
    )?.value;
    const refreshToken = (await store.authorizers.get(COMPONENT.appId, MERCHANT))?.refreshToken;
    const credentials = { authorizationCode, componentToken, authorizerToken, refreshToken };
    for (const [name, value] of Object.entries(credentials)) {
      expect(value, name).toBeTypeOf('string');
      expect((value as string).length, name).toBeGreaterThanOrEqual(50);
    }
    for (const value of Object.values(credentials)) {
      const v = value as string;
      const start = Math.max(0, Math.min(5, v.length - 50));
      await expectEchoRedacted(v.slice(start, start + 50));
    }
  });
});
