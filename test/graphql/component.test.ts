import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { startTestGateway, type TestGateway } from '../graphql/support/gateway.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { COMPONENT, pushTo } from '../support/component.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

const MERCHANTS = ['wxa1a1a1a1a1a1a1a1', 'wxb2b2b2b2b2b2b2b2', 'wxc3c3c3c3c3c3c3c3'];

let sandbox: TestSandbox;
let gateway: TestGateway;
const logs = captureLogs();
const answers: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ components: [COMPONENT] });
  gateway = await startTestGateway({
    sandbox,
    store: new MemoryStores(),
    logger: logs.logger,
    components: [{ ...COMPONENT, name: 'Demo ISV' }],
  });
});
afterAll(async () => {
  await gateway.close();
  await sandbox.close();
});

const deliver = (push: ComponentPush) => pushTo(gateway.origin, push);

async function gql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}) {
  const text = await (await gateway.graphql(query, variables)).text();
  answers.push(text);
  return JSON.parse(text) as { data: T; errors?: { extensions: { code: string }; message: string }[] };
}

describe('the Open Platform over GraphQL', () => {
  it('from authorizationUrl to an authorizer’s token', async () => {
    await deliver(sandbox.direct.component.ticketPush(COMPONENT.appId, Date.now()));
    const url = await gql<{ authorizationUrl: { url: string; expiresAt: string } }>(
      'mutation($r: String!) { authorizationUrl(redirectUri: $r) { url expiresAt } }',
      { r: 'https://isv.example/authorized' },
    );
    const page = new URL(url.data.authorizationUrl.url);
    expect(page.origin + page.pathname).toBe('https://mp.weixin.qq.com/cgi-bin/componentloginpage');
    const preAuthCode = page.searchParams.get('pre_auth_code') as string;
    // The merchant's browser: the page takes the pre-auth code once, WeChat redirects with auth_code.
    expect(sandbox.direct.component.takePreAuthCode(COMPONENT.appId, preAuthCode, Date.now())).toBe(true);
    const { authorizationCode } = sandbox.direct.component.authorize(
      COMPONENT.appId,
      MERCHANTS[0] as string,
      Date.now(),
    );
    const done = await gql<{
      completeAuthorization: { appId: string; state: string; permissions: number[] };
    }>('mutation($c: String!) { completeAuthorization(authorizationCode: $c) { appId state permissions } }', {
      c: authorizationCode,
    });
    expect(done.data.completeAuthorization).toEqual({
      appId: MERCHANTS[0],
      state: 'AUTHORIZED',
      permissions: [1, 15],
    });
    await gateway.components?.authorizerToken(COMPONENT.appId, MERCHANTS[0] as string);
    const read = await gql<{
      component: {
        appId: string;
        verifyTicket: { state: string; ageSeconds: number };
        tokenStatus: { state: string };
        authorizer: { tokenStatus: { state: string; accessToken: string } };
      };
    }>(
      `query($a: ID!) { component { appId verifyTicket { state ageSeconds }
        tokenStatus { state } authorizer(appId: $a) { tokenStatus { state accessToken } } } }`,
      { a: MERCHANTS[0] },
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.component).toMatchObject({
      appId: COMPONENT.appId,
      verifyTicket: { state: 'FRESH' },
      tokenStatus: { state: 'FRESH' },
      authorizer: { tokenStatus: { state: 'FRESH' } },
    });
    expect(read.data.component.authorizer.tokenStatus.accessToken.length).toBeGreaterThan(20);
  });

  it('pages authorizers with cursors, filters by state, counts them all', async () => {
    for (const appId of MERCHANTS.slice(1))
      await deliver(sandbox.direct.component.authorize(COMPONENT.appId, appId, Date.now()).push);
    await deliver(sandbox.direct.component.revoke(COMPONENT.appId, MERCHANTS[2] as string, Date.now()));
    const query = `query($after: String, $state: AuthorizerState) { component { authorizers(first: 2, after: $after, state: $state) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { appId state } } } } }`;
    type Page = {
      component: {
        authorizers: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string };
          edges: { node: { appId: string; state: string } }[];
        };
      };
    };
    const first = await gql<Page>(query);
    expect(first.data.component.authorizers.totalCount).toBe(3);
    expect(first.data.component.authorizers.edges.map((e) => e.node.appId)).toEqual(MERCHANTS.slice(0, 2));
    expect(first.data.component.authorizers.pageInfo.hasNextPage).toBe(true);
    const second = await gql<Page>(query, { after: first.data.component.authorizers.pageInfo.endCursor });
    expect(second.data.component.authorizers.edges.map((e) => e.node)).toEqual([
      { appId: MERCHANTS[2], state: 'UNAUTHORIZED' },
    ]);
    expect(second.data.component.authorizers.pageInfo.hasNextPage).toBe(false);
    const authorized = await gql<Page>(query, { state: 'AUTHORIZED' });
    expect(authorized.data.component.authorizers.totalCount).toBe(2);
    const bad = await gql(query, { after: 'not-a-cursor' });
    expect(bad.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('recoverAuthorizers and restartTicketPush', async () => {
    const recovered = await gql<{ recoverAuthorizers: { total: number; recovered: number } }>(
      'mutation { recoverAuthorizers { total recovered } }',
    );
    expect(recovered.data.recoverAuthorizers).toEqual({ total: 2, recovered: 0 });
    const restarted = await gql<{ restartTicketPush: boolean }>('mutation { restartTicketPush }');
    expect(restarted.data.restartTicketPush).toBe(true);
    const again = await gql<{ restartTicketPush: boolean }>('mutation { restartTicketPush }');
    expect(again.data.restartTicketPush).toBe(false);
    expect(sandbox.direct.component.pushRestarts(COMPONENT.appId)).toBe(1);
  });

  it('bad input is BAD_USER_INPUT, an unknown component UNKNOWN_APP, an expired code WECHAT_INVALID_REQUEST', async () => {
    const badUri = await gql('mutation { authorizationUrl(redirectUri: "javascript:alert(1)") { url } }');
    expect(badUri.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const badId = await gql('{ component(componentAppId: "nope") { appId } }');
    expect(badId.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const unknown = await gql('{ component(componentAppId: "wxd4d4d4d4d4d4d4d4") { appId } }');
    expect(unknown.errors?.[0]?.extensions.code).toBe('UNKNOWN_APP');
    const code = await gql(
      'mutation { completeAuthorization(authorizationCode: "queryauthcode@@@made-up") { appId } }',
    );
    expect(code.errors?.[0]?.extensions.code).toBe('WECHAT_INVALID_REQUEST');
    expect(code.errors?.[0]?.message).not.toContain('made-up');
  });

  it('no answer holds a refresh token, ticket, auth code or secret; only accessToken holds a token', async () => {
    const records = await gateway.components?.authorizers.list(COMPONENT.appId);
    const ticket = await gateway.components?.tickets.latest(COMPONENT.appId);
    const component = await gateway.components?.componentToken(COMPONENT.appId);
    const secrets = [
      ...(records ?? []).flatMap((r) => (r.refreshToken ? [r.refreshToken] : [])),
      ticket?.ticket as string,
      component?.value as string,
      COMPONENT.appSecret,
      COMPONENT.encodingAesKey,
    ];
    const text = answers.join('\n') + logs.raw();
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
