import { afterEach, describe, expect, it } from 'vitest';
import { ComponentManager } from '../../src/credentials/component-manager.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { WeChatClient } from '../../src/wechat/client.js';
import { ComponentApi } from '../../src/wechat/component-api.js';
import type { ComponentPush } from '../../src/wechat/sandbox/component-apis.js';
import { createSandbox, type Sandbox } from '../../src/wechat/sandbox/server.js';
import { captureLogs } from '../ops/support/log-capture.js';
import { COMPONENT, MERCHANT } from '../support/component.js';
import { deliverComponentPush } from './component-on-fake-time.js';
import { CallTracker, FakeClock } from './fake-clock.js';

const opened: { sandbox: Sandbox; client: WeChatClient; manager: ComponentManager }[] = [];
afterEach(async () => {
  for (const { sandbox, client, manager } of opened.splice(0)) {
    await manager.stop();
    await client.close();
    await sandbox.close();
  }
});

async function setup() {
  const clock = new FakeClock(Date.now());
  const sandbox = await createSandbox({ apps: [], components: [COMPONENT], clock });
  const client = new WeChatClient({ baseUrls: [sandbox.url], clock });
  const stores = new MemoryStores({ clock });
  const logs = captureLogs();
  const tracker = new CallTracker();
  clock.settleWith = () => tracker.idle();
  const manager = new ComponentManager({
    components: [COMPONENT],
    stores,
    api: tracker.track(new ComponentApi(client)),
    clock,
    logger: logs.logger,
    backgroundRefresh: false,
  });
  opened.push({ sandbox, client, manager });
  /** Reads a sandbox push as the endpoint does, and hands it to the manager. */
  const deliver = (push: ComponentPush) => deliverComponentPush(manager, push, clock.now());
  const pushTicket = () => deliver(sandbox.component.ticketPush(COMPONENT.appId, clock.now()));
  const count = async (endpoint: string) => (await sandbox.counters())[endpoint as never] as number;
  return { clock, sandbox, stores, manager, logs, deliver, pushTicket, count };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: { code?: string }) => error.code,
  );

describe('the component token', () => {
  it('without a ticket: COMPONENT_TICKET_INVALID without a call to WeChat, and the push is restarted once', async () => {
    const s = await setup();
    expect(await codeOf(s.manager.componentToken(COMPONENT.appId))).toBe('COMPONENT_TICKET_INVALID');
    expect(await codeOf(s.manager.componentToken(COMPONENT.appId))).toBe('COMPONENT_TICKET_INVALID');
    await s.clock.advance(0);
    expect(await s.count('/cgi-bin/component/api_component_token')).toBe(0);
    expect(s.sandbox.component.pushRestarts(COMPONENT.appId)).toBe(1);
    expect((await s.manager.ticketStatus(COMPONENT.appId)).state).toBe('MISSING');
  });

  it('61005/61006: COMPONENT_TICKET_INVALID, not retryable, a push restart, and no second call with that ticket', async () => {
    const s = await setup();
    await s.pushTicket();
    s.sandbox.setFault({
      kind: 'errcode',
      errcode: 61006,
      endpoint: '/cgi-bin/component/api_component_token',
      times: 1,
    });
    const first = await s.manager.componentToken(COMPONENT.appId).catch((e: unknown) => e);
    expect(first).toMatchObject({ code: 'COMPONENT_TICKET_INVALID', retryable: false });
    expect(await codeOf(s.manager.componentToken(COMPONENT.appId))).toBe('COMPONENT_TICKET_INVALID');
    await s.clock.advance(0);
    expect(await s.count('/cgi-bin/component/api_component_token')).toBe(1);
    expect(s.sandbox.component.pushRestarts(COMPONENT.appId)).toBe(1);
    // A new ticket is used at once.
    await s.clock.advance(1000);
    await s.pushTicket();
    expect(await codeOf(s.manager.componentToken(COMPONENT.appId))).toBe('ok');
  });

  it('40001 on a component call renews the component token once and retries', async () => {
    const s = await setup();
    await s.pushTicket();
    const token = await s.manager.componentToken(COMPONENT.appId);
    s.sandbox.setFault({
      kind: 'errcode',
      errcode: 40001,
      endpoint: '/cgi-bin/component/api_create_preauthcode',
      times: 1,
    });
    const url = await s.manager.authorizationUrl(COMPONENT.appId, {
      redirectUri: 'https://isv.example/back',
      accountType: 'ALL',
      mobile: false,
    });
    expect(url.url).toMatch(
      /^https:\/\/mp\.weixin\.qq\.com\/cgi-bin\/componentloginpage\?component_appid=wxc0/,
    );
    expect(url.url).toContain('auth_type=3');
    expect(url.url).toContain(`redirect_uri=${encodeURIComponent('https://isv.example/back')}`);
    expect(await s.count('/cgi-bin/component/api_component_token')).toBe(2);
    expect((await s.manager.componentToken(COMPONENT.appId)).value).not.toBe(token.value);
  });

  it('the mobile authorization page carries the bind action and the fragment', async () => {
    const s = await setup();
    await s.pushTicket();
    const { url } = await s.manager.authorizationUrl(COMPONENT.appId, {
      redirectUri: 'https://isv.example/back',
      accountType: 'MINI_PROGRAM',
      bizAppId: MERCHANT,
      mobile: true,
    });
    expect(url).toMatch(
      /^https:\/\/open\.weixin\.qq\.com\/wxaopen\/safe\/bindcomponent\?action=bindcomponent&no_scan=1&/,
    );
    expect(url).toMatch(/auth_type=2&biz_appid=wxa1a1a1a1a1a1a1a1#wechat_redirect$/);
  });
});

describe('authorizers', () => {
  it('completeAuthorization records the authorizer; an expired code (61010) is a clear error', async () => {
    const s = await setup();
    await s.pushTicket();
    const { authorizationCode } = s.sandbox.component.authorize(COMPONENT.appId, MERCHANT, s.clock.now());
    const record = await s.manager.completeAuthorization(COMPONENT.appId, authorizationCode);
    expect(record).toMatchObject({ appId: MERCHANT, state: 'AUTHORIZED', permissions: [1, 15] });
    await s.clock.advance(601_000);
    const { authorizationCode: late } = s.sandbox.component.authorize(
      COMPONENT.appId,
      MERCHANT,
      s.clock.now() - 601_000,
    );
    const error = await s.manager.completeAuthorization(COMPONENT.appId, late).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'WECHAT_INVALID_REQUEST', errcode: 61010 });
    expect((error as Error).message).toMatch(/expired/);
    expect((error as Error).message).not.toContain(late);
  });

  it('61023 with nothing better in the list: REFRESH_TOKEN_INVALID and AUTHORIZER_REAUTHORIZATION_REQUIRED naming the fix', async () => {
    const s = await setup();
    await s.pushTicket();
    await s.deliver(s.sandbox.component.authorize(COMPONENT.appId, MERCHANT, s.clock.now()).push);
    s.sandbox.setFault({
      kind: 'errcode',
      errcode: 61023,
      endpoint: '/cgi-bin/component/api_authorizer_token',
    });
    const error = await s.manager.authorizerToken(COMPONENT.appId, MERCHANT).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'AUTHORIZER_REAUTHORIZATION_REQUIRED', retryable: false });
    expect((error as Error).message).toMatch(/authorize the third-party platform again \(authorizationUrl/);
    expect((await s.manager.authorizers.get(COMPONENT.appId, MERCHANT))?.state).toBe('REFRESH_TOKEN_INVALID');
    expect(await s.count('/cgi-bin/component/api_get_authorizer_list')).toBe(1);
    // Asked again: answered without calling WeChat (the list is read again a minute later at most).
    const calls = await s.count('/cgi-bin/component/api_authorizer_token');
    expect(await codeOf(s.manager.authorizerToken(COMPONENT.appId, MERCHANT))).toBe(
      'AUTHORIZER_REAUTHORIZATION_REQUIRED',
    );
    expect(await s.count('/cgi-bin/component/api_authorizer_token')).toBe(calls);
  });

  it('recoverAuthorizers pages the whole list and restores every refresh token', async () => {
    const s = await setup();
    await s.pushTicket();
    const merchants = Array.from({ length: 3 }, (_, i) => `wxa${String(i).repeat(15)}`);
    for (const appId of merchants) s.sandbox.component.authorize(COMPONENT.appId, appId, s.clock.now());
    expect(await s.manager.recoverAuthorizers(COMPONENT.appId)).toEqual({ total: 3, recovered: 3 });
    expect((await s.manager.authorizers.list(COMPONENT.appId)).map((r) => r.appId)).toEqual(merchants);
    expect(await s.manager.recoverAuthorizers(COMPONENT.appId)).toEqual({ total: 3, recovered: 0 });
    expect(await codeOf(s.manager.authorizerToken(COMPONENT.appId, merchants[1] as string))).toBe('ok');
  });

  it('an authorizer the component does not know is UNKNOWN_APP', async () => {
    const s = await setup();
    await s.pushTicket();
    expect(await codeOf(s.manager.authorizerToken(COMPONENT.appId, 'wxd4d4d4d4d4d4d4d4'))).toBe(
      'UNKNOWN_APP',
    );
    expect(await codeOf(s.manager.componentToken('wxd4d4d4d4d4d4d4d4'))).toBe('UNKNOWN_APP');
  });

  it('logs no ticket, token, refresh token, auth code or secret', async () => {
    const s = await setup();
    await s.pushTicket();
    const { authorizationCode, push } = s.sandbox.component.authorize(
      COMPONENT.appId,
      MERCHANT,
      s.clock.now(),
    );
    await s.deliver(push);
    const token = await s.manager.authorizerToken(COMPONENT.appId, MERCHANT);
    const record = await s.manager.authorizers.get(COMPONENT.appId, MERCHANT);
    const componentToken = await s.manager.componentToken(COMPONENT.appId);
    await s.deliver(s.sandbox.component.revoke(COMPONENT.appId, MERCHANT, s.clock.now()));
    await s.manager.authorizerToken(COMPONENT.appId, MERCHANT).catch(() => undefined);
    const secrets = [
      authorizationCode,
      token.value,
      componentToken.value,
      record?.refreshToken,
      COMPONENT.appSecret,
    ];
    const raw = s.logs.raw();
    expect(raw.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(raw).not.toContain((secret as string).slice(0, 24));
  });
});
