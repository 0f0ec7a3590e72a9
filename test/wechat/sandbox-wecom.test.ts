import { describe, expect, it } from 'vitest';
import { WeChatEmulator } from '../../src/wechat/sandbox/emulator.js';
import type { SandboxEndpoint } from '../../src/wechat/sandbox/endpoints.js';

const CORP = 'ww0123456789abcdef';
const OTHER_CORP = 'wwfedcba9876543210';
const APP_A = { corpId: CORP, corpSecret: 'secret-of-app-a-0123456789', agentId: 1000002 };
const APP_B = { corpId: CORP, corpSecret: 'secret-of-app-b-0123456789', agentId: 1000003 };
const CONTACTS = { corpId: CORP, corpSecret: 'secret-of-contacts-sync-012', secretName: 'contacts' };
const ELSEWHERE = { corpId: OTHER_CORP, corpSecret: 'secret-of-another-corp-0123', agentId: 1000002 };

function setup() {
  let now = Date.UTC(2026, 11, 5, 8);
  const emulator = new WeChatEmulator({
    apps: [{ appId: 'wx0123456789abcdef', appSecret: '0123456789abcdef0123456789abcdef' }],
    wecomApps: [APP_A, APP_B, CONTACTS, ELSEWHERE],
    clock: { now: () => now },
  });
  const get = (endpoint: string, query: Record<string, string>) =>
    JSON.parse(
      emulator.answer({
        method: 'GET',
        endpoint: endpoint as SandboxEndpoint,
        query: new URLSearchParams(query),
        body: '',
      }).body,
    ) as Record<string, unknown>;
  const token = (app: { corpId: string; corpSecret: string }) =>
    get('/cgi-bin/gettoken', { corpid: app.corpId, corpsecret: app.corpSecret }).access_token as string;
  return { emulator, get, token, advance: (ms: number) => (now += ms), now: () => now };
}

describe('sandbox WeCom: gettoken', () => {
  it('gives each app of a corp its own token, and the same one again while it lives', () => {
    const s = setup();
    const a = s.get('/cgi-bin/gettoken', { corpid: CORP, corpsecret: APP_A.corpSecret });
    expect(a).toMatchObject({ errcode: 0, expires_in: 7200 });
    expect(s.token(APP_B)).not.toBe(a.access_token);
    expect(s.token(CONTACTS)).not.toBe(a.access_token);
    s.advance(1000);
    expect(s.get('/cgi-bin/gettoken', { corpid: CORP, corpsecret: APP_A.corpSecret })).toMatchObject({
      access_token: a.access_token,
      expires_in: 7199,
    });
  });

  it.each([
    ['no corpid', { corpsecret: APP_A.corpSecret }, 41002],
    ['no secret', { corpid: CORP }, 41004],
    ['an unknown corp', { corpid: 'ww1111111111111111', corpsecret: APP_A.corpSecret }, 40013],
    ['a wrong secret', { corpid: CORP, corpsecret: 'not-a-secret-of-this-corp' }, 40001],
    ["another corp's secret", { corpid: CORP, corpsecret: ELSEWHERE.corpSecret }, 40091],
  ])('answers %s with %i', (_what, query, errcode) => {
    expect(setup().get('/cgi-bin/gettoken', query).errcode).toBe(errcode);
  });
});

describe('sandbox WeCom: tickets and shared endpoints', () => {
  it('issues corp and agent tickets with the app token, and no agent ticket for a special secret', () => {
    const s = setup();
    const a = s.token(APP_A);
    expect(s.get('/cgi-bin/get_jsapi_ticket', { access_token: a })).toMatchObject({
      errcode: 0,
      expires_in: 7200,
      ticket: expect.stringMatching(/^corp@@@/),
    });
    expect(s.get('/cgi-bin/ticket/get', { access_token: a, type: 'agent_config' })).toMatchObject({
      ticket: expect.stringMatching(/^agent@@@/),
    });
    expect(s.get('/cgi-bin/ticket/get', { access_token: a, type: 'jsapi' }).errcode).toBe(47001);
    expect(
      s.get('/cgi-bin/ticket/get', { access_token: s.token(CONTACTS), type: 'agent_config' }).errcode,
    ).toBe(48002);
  });

  it('allows 100 tickets an hour per app, then 45009 until the hour has passed', () => {
    const s = setup();
    const a = s.token(APP_A);
    for (let i = 0; i < 100; i++)
      expect(s.get('/cgi-bin/get_jsapi_ticket', { access_token: a }).errcode).toBe(0);
    expect(s.get('/cgi-bin/ticket/get', { access_token: a, type: 'agent_config' }).errcode).toBe(45009);
    expect(s.get('/cgi-bin/get_jsapi_ticket', { access_token: s.token(APP_B) }).errcode).toBe(0);
    s.advance(3_600_000);
    expect(s.get('/cgi-bin/get_jsapi_ticket', { access_token: a }).errcode).toBe(0);
  });

  it('answers callback IPs to a WeCom token, and WeCom errcodes to a bad one (40014, not 40001)', () => {
    const s = setup();
    const a = s.token(APP_A);
    expect((s.get('/cgi-bin/getcallbackip', { access_token: a }).ip_list as string[]).length).toBeGreaterThan(
      0,
    );
    s.emulator.wecom.invalidate(`${CORP}/${APP_A.agentId}`, s.now());
    expect(s.get('/cgi-bin/getcallbackip', { access_token: a }).errcode).toBe(40014);
    expect(s.get('/cgi-bin/get_jsapi_ticket', { access_token: a }).errcode).toBe(40014);
    const renewed = s.token(APP_A);
    expect(renewed).not.toBe(a);
    s.advance(7_200_000);
    expect(s.get('/cgi-bin/get_api_domain_ip', { access_token: renewed }).errcode).toBe(42001);
  });

  it("answers 60020 while the gateway's address is not among the app's trusted IPs", () => {
    const s = setup();
    const a = s.token(APP_A);
    s.emulator.wecom.setTrusted(`${CORP}/${APP_A.agentId}`, false);
    expect(s.get('/cgi-bin/getcallbackip', { access_token: a }).errcode).toBe(60020);
    expect(s.get('/cgi-bin/gettoken', { corpid: CORP, corpsecret: APP_A.corpSecret }).errcode).toBe(60020);
    expect(s.get('/cgi-bin/getcallbackip', { access_token: s.token(APP_B) }).errcode).toBeUndefined();
    s.emulator.wecom.setTrusted(`${CORP}/${APP_A.agentId}`, true);
    expect(s.get('/cgi-bin/getcallbackip', { access_token: a }).errcode).toBeUndefined();
  });

  it("refuses an Official Account's token on WeCom's ticket endpoint", () => {
    const s = setup();
    const oa = s.get('/cgi-bin/token', {
      grant_type: 'client_credential',
      appid: 'wx0123456789abcdef',
      secret: '0123456789abcdef0123456789abcdef',
    }).access_token as string;
    expect(s.get('/cgi-bin/get_jsapi_ticket', { access_token: oa }).errcode).toBe(40014);
  });
});
