import { describe, expect, it } from 'vitest';
import { openComponentPush } from '../../src/wechat/component-push.js';
import { MessageCrypto } from '../../src/wechat/message-crypto.js';
import { WeChatEmulator } from '../../src/wechat/sandbox/emulator.js';
import type { SandboxEndpoint } from '../../src/wechat/sandbox/endpoints.js';

const COMPONENT = {
  appId: 'wxc0c0c0c0c0c0c0c0',
  appSecret: 'c0'.repeat(16),
  token: 'push-token',
  encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
};
const MERCHANT = 'wxa1a1a1a1a1a1a1a1';
const HOUR = 3_600_000;

function setup() {
  let now = Date.UTC(2026, 11, 5, 8);
  const emulator = new WeChatEmulator({ apps: [], components: [COMPONENT], clock: { now: () => now } });
  const call = (endpoint: string, body: Record<string, unknown>, token?: string) => {
    const query = new URLSearchParams(token ? { component_access_token: token } : {});
    const reply = emulator.answer({
      method: 'POST',
      endpoint: endpoint as SandboxEndpoint,
      query,
      body: JSON.stringify(body),
    });
    return JSON.parse(reply.body) as Record<string, unknown>;
  };
  const crypto = new MessageCrypto({ ...COMPONENT, receiveId: COMPONENT.appId });
  /** Reads a push as the gateway will: signature, decryption, XML. */
  const read = (push: { query: URLSearchParams; body: string }) => {
    const outcome = openComponentPush(push, {
      componentAppId: COMPONENT.appId,
      crypto,
      nowMs: now,
      maxAgeSeconds: 300,
    });
    if (!outcome.ok) throw new Error(`push refused: ${outcome.reason}`);
    return outcome.event;
  };
  const componentToken = (ticket: string) =>
    call('/cgi-bin/component/api_component_token', {
      component_appid: COMPONENT.appId,
      component_appsecret: COMPONENT.appSecret,
      component_verify_ticket: ticket,
    });
  return { emulator, call, read, componentToken, advance: (ms: number) => (now += ms), now: () => now };
}

function ticketOf(event: ReturnType<ReturnType<typeof setup>['read']>): string {
  if (event.infoType !== 'component_verify_ticket') throw new Error(`not a ticket push: ${event.infoType}`);
  return event.ticket;
}

describe('sandbox Open Platform: verify tickets and the component token', () => {
  it('pushes encrypted tickets the gateway can read, and issues a token for a ticket younger than 12 h', () => {
    const s = setup();
    const ticket = ticketOf(s.read(s.emulator.component.ticketPush(COMPONENT.appId, s.now())));
    const issued = s.componentToken(ticket);
    expect(issued.expires_in).toBe(7200);
    expect(typeof issued.component_access_token).toBe('string');
    s.advance(12 * HOUR);
    expect(s.componentToken(ticket).errcode).toBe(61005);
    expect(s.componentToken('ticket@@@never-pushed').errcode).toBe(61006);
    expect(s.componentToken('').errcode).toBe(61006);
  });

  it('refuses a wrong secret, an unknown component and a GET', () => {
    const s = setup();
    const ticket = ticketOf(s.read(s.emulator.component.ticketPush(COMPONENT.appId, s.now())));
    expect(
      s.call('/cgi-bin/component/api_component_token', {
        component_appid: COMPONENT.appId,
        component_appsecret: 'wrong',
        component_verify_ticket: ticket,
      }).errcode,
    ).toBe(40125);
    expect(
      s.call('/cgi-bin/component/api_component_token', { component_appid: 'wx0000000000000000' }).errcode,
    ).toBe(61011);
    const get = s.emulator.answer({
      method: 'GET',
      endpoint: '/cgi-bin/component/api_component_token',
      query: new URLSearchParams(),
      body: '',
    });
    expect(JSON.parse(get.body).errcode).toBe(43002);
  });

  it('keeps the previous component token working 5 minutes after a new one', () => {
    const s = setup();
    const ticket = ticketOf(s.read(s.emulator.component.ticketPush(COMPONENT.appId, s.now())));
    const first = s.componentToken(ticket).component_access_token as string;
    s.componentToken(ticket);
    const ask = (token: string) =>
      s.call('/cgi-bin/component/api_create_preauthcode', { component_appid: COMPONENT.appId }, token);
    expect(ask(first).pre_auth_code).toMatch(/^preauthcode@@@/);
    s.advance(5 * 60_000);
    expect(ask(first).errcode).toBe(40001);
  });

  it('counts api_start_push_ticket calls, with the component secret only', () => {
    const s = setup();
    const restart = (secret: string) =>
      s.call('/cgi-bin/component/api_start_push_ticket', {
        component_appid: COMPONENT.appId,
        component_secret: secret,
      });
    expect(restart(COMPONENT.appSecret)).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(restart('wrong').errcode).toBe(40125);
    expect(s.emulator.component.pushRestarts(COMPONENT.appId)).toBe(1);
  });
});

describe('sandbox Open Platform: authorizers', () => {
  function authorized() {
    const s = setup();
    const ticket = ticketOf(s.read(s.emulator.component.ticketPush(COMPONENT.appId, s.now())));
    const componentToken = s.componentToken(ticket).component_access_token as string;
    const { authorizationCode, push } = s.emulator.component.authorize(COMPONENT.appId, MERCHANT, s.now());
    /** api_query_auth with the authorization's code: what the gateway does on the push or the redirect. */
    const exchange = () =>
      s.call(
        '/cgi-bin/component/api_query_auth',
        { component_appid: COMPONENT.appId, authorization_code: authorizationCode },
        componentToken,
      ).authorization_info as Record<string, string>;
    return { ...s, componentToken, authorizationCode, push, exchange };
  }

  it('announces an authorization by push and answers api_query_auth with a working authorizer token', () => {
    const s = authorized();
    expect(s.read(s.push)).toMatchObject({
      infoType: 'authorized',
      authorizerAppId: MERCHANT,
      authorizationCode: s.authorizationCode,
    });
    const info = s.exchange();
    expect(info.authorizer_appid).toBe(MERCHANT);
    expect(info.authorizer_refresh_token).toMatch(/^refreshtoken@@@/);
    const ips = s.emulator.answer({
      method: 'GET',
      endpoint: '/cgi-bin/getcallbackip',
      query: new URLSearchParams({ access_token: info.authorizer_access_token as string }),
      body: '',
    });
    expect(JSON.parse(ips.body).ip_list.length).toBeGreaterThan(0);
  });

  it('refuses an authorization code after 10 minutes (61010) and one it never issued (61009)', () => {
    const s = authorized();
    const query = (code: string) =>
      s.call(
        '/cgi-bin/component/api_query_auth',
        { component_appid: COMPONENT.appId, authorization_code: code },
        s.componentToken,
      );
    expect(query('queryauthcode@@@made-up').errcode).toBe(61009);
    s.advance(10 * 60_000);
    expect(query(s.authorizationCode).errcode).toBe(61010);
  });

  it('renews an authorizer token with its refresh token, which a new authorization replaces (61023 after)', () => {
    const s = authorized();
    const info = s.exchange();
    const renew = (refreshToken: string | undefined) =>
      s.call(
        '/cgi-bin/component/api_authorizer_token',
        {
          component_appid: COMPONENT.appId,
          authorizer_appid: MERCHANT,
          authorizer_refresh_token: refreshToken,
        },
        s.componentToken,
      );
    const renewed = renew(info.authorizer_refresh_token);
    expect(renewed.authorizer_refresh_token).toBe(info.authorizer_refresh_token);
    expect(renewed.authorizer_access_token).not.toBe(info.authorizer_access_token);
    const again = s.emulator.component.authorize(COMPONENT.appId, MERCHANT, s.now(), true);
    expect(s.read(again.push)).toMatchObject({ infoType: 'updateauthorized' });
    expect(renew(info.authorizer_refresh_token).errcode).toBe(61023);
    expect(renew(undefined).errcode).toBe(61023);
  });

  it('lists authorizers with their refresh tokens, 500 a page at most', () => {
    const s = authorized();
    s.advance(1000);
    s.emulator.component.authorize(COMPONENT.appId, 'wxb2b2b2b2b2b2b2b2', s.now());
    const page = (offset: number, count: number) =>
      s.call(
        '/cgi-bin/component/api_get_authorizer_list',
        { component_appid: COMPONENT.appId, offset, count },
        s.componentToken,
      );
    const first = page(0, 1);
    expect(first.total_count).toBe(2);
    expect(first.list).toEqual([
      {
        authorizer_appid: MERCHANT,
        refresh_token: expect.stringMatching(/^refreshtoken@@@/),
        auth_time: expect.any(Number),
      },
    ]);
    expect((page(1, 500).list as { authorizer_appid: string }[]).map((a) => a.authorizer_appid)).toEqual([
      'wxb2b2b2b2b2b2b2b2',
    ]);
    expect(page(0, 501).errcode).toBe(47001);
  });

  it('on a revocation, pushes unauthorized, and the authorizer token and refresh token stop working', () => {
    const s = authorized();
    const info = s.exchange();
    expect(s.read(s.emulator.component.revoke(COMPONENT.appId, MERCHANT, s.now()))).toMatchObject({
      infoType: 'unauthorized',
      authorizerAppId: MERCHANT,
    });
    const ips = s.emulator.answer({
      method: 'GET',
      endpoint: '/cgi-bin/getcallbackip',
      query: new URLSearchParams({ access_token: info.authorizer_access_token ?? '' }),
      body: '',
    });
    expect(JSON.parse(ips.body).errcode).toBe(40001);
    const renewed = s.call(
      '/cgi-bin/component/api_authorizer_token',
      {
        component_appid: COMPONENT.appId,
        authorizer_appid: MERCHANT,
        authorizer_refresh_token: info.authorizer_refresh_token,
      },
      s.componentToken,
    );
    expect(renewed.errcode).toBe(61003);
  });

  it('refuses an account token where a component token is needed', () => {
    const s = authorized();
    const info = s.exchange();
    const list = s.call(
      '/cgi-bin/component/api_get_authorizer_list',
      { component_appid: COMPONENT.appId, offset: 0, count: 10 },
      info.authorizer_access_token,
    );
    expect(list.errcode).toBe(40001);
  });
});
