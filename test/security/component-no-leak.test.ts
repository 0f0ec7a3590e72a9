import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { piecesFinder } from './support/pieces.js';

/**
 * Every Open Platform path (issue 26) driven over HTTP — the push endpoint (tickets, authorizations,
 * revocations, refused and failing pushes), the `component` query and its mutations with their errors
 * (61006, 61010, 61023, AUTHORIZER_UNAUTHORIZED), /ready, /status, /metrics — with every log line and
 * every engine and authorization event captured, then searched for a piece of any verify ticket,
 * component or authorizer token, refresh token, authorization code, and the component's AppSecret,
 * Token and EncodingAESKey. Only an answer that asked for `accessToken` (token:read) may hold a token.
 */

const COMPONENT = {
  appId: 'wxc0c0c0c0c0c0c0c0',
  appSecret: 'c0'.repeat(16),
  token: 'pushTokenNoLeakCheck',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const MERCHANTS = ['wxa1a1a1a1a1a1a1a1', 'wxb2b2b2b2b2b2b2b2'] as const;

interface Captured {
  what: string;
  text: string;
  mayHoldToken: boolean;
}

const store = new MemoryStores();
let sandbox: TestSandbox;
let gateway: TestGateway;
// The gateway's own logger writes here, through its one redactor, as main.ts wires it.
const logs = captureLogs('debug');
const captured: Captured[] = [];
const secrets = new Set<string>([COMPONENT.appSecret, COMPONENT.token, COMPONENT.encodingAesKey]);
const tokens = new Set<string>();

beforeAll(async () => {
  sandbox = await startSandbox({ components: [COMPONENT] });
  gateway = await startTestGateway({
    sandbox,
    store,
    logDestination: logs.destination,
    env: { LOG_LEVEL: 'debug' },
    components: [{ ...COMPONENT, name: 'ISV' }],
  });
  gateway.components?.subscribe((event) =>
    captured.push({ what: 'engine event', text: JSON.stringify(event), mayHoldToken: false }),
  );
  gateway.components?.onAuthorization((event) =>
    captured.push({ what: 'authorization event', text: JSON.stringify(event), mayHoldToken: false }),
  );
  // What tokenEvents streams: an authorizer's token events and its authorizations, through the token service.
  gateway.manager.subscribe((event) =>
    captured.push({ what: 'token service event', text: JSON.stringify(event), mayHoldToken: false }),
  );
});
afterAll(async () => {
  await gateway.close();
  await sandbox.close();
});

async function deliver(what: string, push: ComponentPush, query = push.query): Promise<void> {
  const reply = await fetch(`${gateway.origin}/wechat/component/${COMPONENT.appId}/events?${query}`, {
    method: 'POST',
    body: push.body,
  });
  captured.push({ what: `push ${what}`, text: `${reply.status} ${await reply.text()}`, mayHoldToken: false });
  await learn();
}

async function gql(what: string, query: string, variables: Record<string, unknown> = {}): Promise<string> {
  const text = await (await gateway.graphql(query, variables)).text();
  captured.push({ what, text, mayHoldToken: query.includes('accessToken') });
  await learn();
  return text;
}

async function get(path: string): Promise<void> {
  const text = await (await fetch(`${gateway.origin}${path}`, { headers: { accept: 'text/html' } })).text();
  captured.push({ what: path, text, mayHoldToken: false });
}

/** Every ticket, refresh token and token the gateway holds now joins the values searched for. */
async function learn(): Promise<void> {
  const components = gateway.components;
  if (!components) return;
  const ticket = await components.tickets.latest(COMPONENT.appId);
  if (ticket) secrets.add(ticket.ticket);
  for (const record of await components.authorizers.list(COMPONENT.appId))
    if (record.refreshToken) secrets.add(record.refreshToken);
  const component = await components.tokenStatus(COMPONENT.appId);
  if (component.accessToken) tokens.add(component.accessToken);
  for (const appId of MERCHANTS) {
    const status = await components.tokenStatus(COMPONENT.appId, appId);
    if (status.accessToken) tokens.add(status.accessToken);
    // The authorizer's JS-SDK tickets (jsSdkConfig, cardSignature sign with them).
    for (const type of ['jsapi', 'wx_card'] as const) {
      const { engine, key } = components.authorizerCredential(COMPONENT.appId, appId, type);
      const ticket = await engine.read(key);
      if (ticket) secrets.add(ticket.value);
    }
  }
}

/** `gql` under a name codegen does not read as a document (its labels are templates). */
const ask = (what: string, query: string, variables: Record<string, unknown> = {}) =>
  gql(what, query, variables);

/** Every app-scoped field, with an authorizer's appId (issue 26 item 6). */
async function appScopedFields(what: string, appId: string): Promise<void> {
  const a = { a: appId };
  await ask(
    `${what}: tokenStatus with accessToken`,
    'query($a: ID!) { tokenStatus(appId: $a) { state accessToken } }',
    a,
  );
  await ask(
    `${what}: reads`,
    `query($a: ID!) { tokenStatus(appId: $a) { state expiresAt lastError { code message } }
      callbackIps(appId: $a) { ips } apiDomainIps(appId: $a) { ips }
      apiQuota(appId: $a, cgiPath: "/cgi-bin/getcallbackip") { dailyLimit used }
      jsSdkConfig(appId: $a, url: "https://shop.example/page") { appId timestamp nonceStr signature }
      cardSignature(appId: $a, cardId: "card1") { nonceStr signature timestamp }
      callbackIpCheck(appId: $a, ip: "203.0.113.9") { allowed }
      networkCheck(appId: $a, action: ALL, operator: DEFAULT) { dns { ip } ping { ip } } }`,
    a,
  );
  await ask(
    `${what}: mutations`,
    'mutation($a: ID!) { refreshToken(appId: $a) { state lastError { code message } } clearQuota(appId: $a) { appId } }',
    a,
  );
}

describe('no secret leaves the Open Platform paths', () => {
  it('drives every path', async () => {
    // Before any ticket: COMPONENT_TICKET_INVALID and a push restart.
    await gql(
      'component before a ticket',
      '{ component { verifyTicket { state } tokenStatus { state lastError { code message } } } }',
    );
    await gql(
      'authorizationUrl without a ticket',
      'mutation { authorizationUrl(redirectUri: "https://isv.example/") { url } }',
    );
    const first = sandbox.direct.component.ticketPush(COMPONENT.appId, Date.now());
    await deliver('ticket', first);
    await deliver('ticket again', first);
    const forged = new URLSearchParams(first.query);
    forged.set('msg_signature', 'f'.repeat(40));
    await deliver('forged ticket', first, forged);
    await fetch(`${gateway.origin}/wechat/component/wxd4d4d4d4d4d4d4d4/events?${first.query}`, {
      method: 'POST',
      body: first.body,
    });

    // Authorizations: a push, a code from the browser, an update, a revocation.
    const a = sandbox.direct.component.authorize(COMPONENT.appId, MERCHANTS[0], Date.now());
    secrets.add(a.authorizationCode);
    await deliver('authorized', a.push);
    await deliver('authorized again', a.push);
    await gql(
      'authorizationUrl',
      'mutation { authorizationUrl(redirectUri: "https://isv.example/", mobile: true) { url expiresAt } }',
    );
    const b = sandbox.direct.component.authorize(COMPONENT.appId, MERCHANTS[1], Date.now());
    secrets.add(b.authorizationCode);
    await gql(
      'completeAuthorization',
      'mutation($c: String!) { completeAuthorization(authorizationCode: $c) { appId state permissions tokenStatus { state } } }',
      { c: b.authorizationCode },
    );
    await gql(
      'completeAuthorization with a used-up code',
      'mutation($c: String!) { completeAuthorization(authorizationCode: $c) { appId } }',
      { c: `${b.authorizationCode}x` },
    );
    await gateway.components?.authorizerToken(COMPONENT.appId, MERCHANTS[0]);
    await gateway.components?.authorizerToken(COMPONENT.appId, MERCHANTS[1]);
    await gql(
      'token:read of an authorizer',
      '{ component { authorizer(appId: "wxa1a1a1a1a1a1a1a1") { tokenStatus { accessToken } } } }',
    );
    await learn();
    await appScopedFields('authorizer', MERCHANTS[0]);
    await learn();
    // WeChat's errmsg quoting a 50-character piece of each credential held (issue 29 item 5): the
    // verify ticket, refresh tokens, auth codes, the component's and the authorizers' tokens.
    const held = [...secrets, ...tokens].filter((value) => value.length >= 55);
    expect(held.length).toBeGreaterThanOrEqual(6);
    for (const value of held) {
      await sandbox.setFault({
        kind: 'errcode',
        errcode: 48001,
        errmsg: `api unauthorized, hint: [${value.slice(5, 55)}]`,
        endpoint: '/cgi-bin/openapi/quota/get',
        times: 1,
      });
      await gql(
        'errmsg echoing a credential',
        `{ apiQuota(appId: "${MERCHANTS[0]}", cgiPath: "/cgi-bin/getcallbackip") { used } }`,
      );
    }
    const update = sandbox.direct.component.authorize(COMPONENT.appId, MERCHANTS[0], Date.now() + 1000, true);
    secrets.add(update.authorizationCode);
    await deliver('updateauthorized', update.push);

    // An authorization push that fails (61010): logged, answered success, acted on at its next delivery.
    await sandbox.setFault({
      kind: 'errcode',
      errcode: 61010,
      endpoint: '/cgi-bin/component/api_query_auth',
      times: 1,
    });
    const late = sandbox.direct.component.authorize(COMPONENT.appId, MERCHANTS[1], Date.now() + 2000, true);
    secrets.add(late.authorizationCode);
    await deliver('updateauthorized failing', late.push);

    // 61023 with nothing better in the list, then a recovery.
    await sandbox.setFault({
      kind: 'errcode',
      errcode: 61023,
      endpoint: '/cgi-bin/component/api_authorizer_token',
      times: 2,
    });
    const record = await gateway.components?.authorizers.get(COMPONENT.appId, MERCHANTS[1]);
    const stale = await gateway.components?.tokenStatus(COMPONENT.appId, MERCHANTS[1]);
    if (record) await store.authorizers.put(COMPONENT.appId, { ...record });
    if (stale?.accessToken)
      await store.credentials.deleteIfSame(
        { appId: MERCHANTS[1], kind: `authorizer-token:${COMPONENT.appId}` },
        stale.accessToken,
      );
    await gql('61023', '{ component { authorizer(appId: "wxb2b2b2b2b2b2b2b2") { state } } }');
    await gateway.components?.authorizerToken(COMPONENT.appId, MERCHANTS[1]).catch((error: Error) =>
      captured.push({
        what: '61023 error',
        text: `${error.message} ${JSON.stringify(error)}`,
        mayHoldToken: false,
      }),
    );
    await gql('recoverAuthorizers', 'mutation { recoverAuthorizers { total recovered } }');
    await gql('restartTicketPush', 'mutation { restartTicketPush }');

    // A refused ticket (61006) once the component token is gone.
    const component = await gateway.components?.tokenStatus(COMPONENT.appId);
    if (component?.accessToken)
      await store.credentials.deleteIfSame(
        { appId: COMPONENT.appId, kind: 'component-token' },
        component.accessToken,
      );
    await sandbox.setFault({
      kind: 'errcode',
      errcode: 61006,
      endpoint: '/cgi-bin/component/api_component_token',
      times: 1,
    });
    await gql('61006', 'mutation { authorizationUrl(redirectUri: "https://isv.example/") { url } }');

    // Revocation: every call for the authorizer is AUTHORIZER_UNAUTHORIZED.
    await deliver(
      'unauthorized',
      sandbox.direct.component.revoke(COMPONENT.appId, MERCHANTS[0], Date.now() + 3000),
    );
    await gateway.components?.authorizerToken(COMPONENT.appId, MERCHANTS[0]).catch((error: Error) =>
      captured.push({
        what: 'unauthorized error',
        text: `${error.message} ${JSON.stringify(error)}`,
        mayHoldToken: false,
      }),
    );
    await appScopedFields('revoked authorizer', MERCHANTS[0]);
    await appScopedFields('authorizer after its 61023', MERCHANTS[1]);
    await gql(
      'component after all',
      `{ component { appId name verifyTicket { state receivedAt ageSeconds } tokenStatus { state lastError { code message } }
      authorizers(first: 10) { totalCount edges { cursor node { appId state authorizedAt permissions tokenStatus { state lastError { code message } } } } } } }`,
    );
    await get('/ready');
    await get('/status');
    await get('/metrics');
    await learn();

    // The paths were reached: the codes and states the suite is about appear in what it captured.
    const all = captured.map((c) => c.text).join('\n') + logs.raw();
    for (const expected of [
      'COMPONENT_TICKET_INVALID',
      'api unauthorized, hint: [',
      'AUTHORIZER_REAUTHORIZATION_REQUIRED',
      'AUTHORIZER_UNAUTHORIZED',
      '"UNAUTHORIZED"',
      '"signature":"',
      '"unauthorized"',
      '403',
      'success',
    ])
      expect(all, expected).toContain(expected);
    expect(tokens.size).toBeGreaterThanOrEqual(3);
    expect(secrets.size).toBeGreaterThanOrEqual(8);
  });

  it('no answer, log line, metric or event holds a piece of a ticket, refresh token, auth code or secret', () => {
    const pieceIn = piecesFinder([...secrets].filter((s) => s.length >= 20));
    const short = [...secrets].filter((s) => s.length < 20);
    const leaks = [
      ...captured.filter((c) => pieceIn(c.text) || short.some((s) => c.text.includes(s))).map((c) => c.what),
      ...logs
        .raw()
        .split('\n')
        .filter((line) => pieceIn(line) || short.some((s) => line.includes(s))),
    ];
    expect(leaks).toEqual([]);
  });

  it('no token outside the accessToken answers of token:read callers', () => {
    const pieceIn = piecesFinder(tokens);
    const allowed = captured.filter((c) => c.mayHoldToken);
    expect(allowed.some((c) => pieceIn(c.text))).toBe(true);
    const leaks = [
      ...captured.filter((c) => !c.mayHoldToken && pieceIn(c.text)).map((c) => c.what),
      ...logs
        .raw()
        .split('\n')
        .filter((line) => pieceIn(line)),
    ];
    expect(leaks).toEqual([]);
  });
});
