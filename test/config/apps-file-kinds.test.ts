import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { isGatewayAppId, isWeComAppId } from '../../src/wechat/app-id.js';
import { configError } from './config-error.js';

// The apps file's `kind` switch (issue 27): Official Accounts (the default), Mini Programs, WeCom apps
// and Open Platform components, each refused in one line naming the fix, never the secret.

const APP_ID = 'wx1234567890abcdef';
const SECRET = 'fedcba9876543210fedcba9876543210';
const CORP = 'ww0123456789abcdef';
const CORP_SECRET = 'Wc0rpS3cr3t-of-the-app_0123456789abcdefghij';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function appsFile(entries: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wxgw-kinds-')), 'apps.json');
  writeFileSync(path, JSON.stringify(entries));
  return path;
}

const wecom = (extra: Record<string, unknown>) => ({
  kind: 'wecom',
  corpId: CORP,
  corpSecret: CORP_SECRET,
  ...extra,
});

describe('apps file kinds', () => {
  it('reads every kind: an entry without kind is an Official Account; WeCom ids are <corp>/<agent|secretName>', () => {
    const config = loadConfig({
      WECHAT_APPS_FILE: appsFile([
        { appId: APP_ID, appSecret: SECRET },
        { kind: 'miniProgram', appId: 'wxabcdef1234567890', appSecret: SECRET, name: 'Mini' },
        wecom({ agentId: 1000002, name: 'Approvals' }),
        wecom({ agentId: '1000003', corpSecret: `${CORP_SECRET.slice(0, -1)}X` }),
        wecom({ secretName: 'contacts-sync', corpSecret: `${CORP_SECRET.slice(0, -1)}Y` }),
        {
          kind: 'component',
          appId: 'wx0000000000000001',
          appSecret: SECRET,
          token: 'pushToken',
          encodingAesKey: AES_KEY,
        },
      ]),
    });
    expect(config.apps.map((app) => [app.kind, app.appId, app.name])).toEqual([
      ['officialAccount', APP_ID, APP_ID],
      ['miniProgram', 'wxabcdef1234567890', 'Mini'],
      ['wecom', `${CORP}/1000002`, 'Approvals'],
      ['wecom', `${CORP}/1000003`, `${CORP}/1000003`],
      ['wecom', `${CORP}/contacts-sync`, `${CORP}/contacts-sync`],
    ]);
    expect(config.apps[2]).toMatchObject({
      appSecret: CORP_SECRET,
      wecom: { corpId: CORP, agentId: '1000002' },
    });
    expect(config.apps[4]?.wecom).toEqual({ corpId: CORP, secretName: 'contacts-sync' });
    expect(config.components.map((c) => [c.appId, c.token])).toEqual([['wx0000000000000001', 'pushToken']]);
  });

  it('merges file components with the env one and refuses the same component twice in one line', () => {
    const component = {
      kind: 'component',
      appId: 'wx0000000000000001',
      appSecret: SECRET,
      token: 'pushToken',
      encodingAesKey: AES_KEY,
    };
    const env = {
      WECHAT_COMPONENT_APP_ID: 'wx0000000000000002',
      WECHAT_COMPONENT_APP_SECRET: SECRET,
      WECHAT_COMPONENT_TOKEN: 'envToken',
      WECHAT_COMPONENT_AES_KEY: AES_KEY,
    };
    const merged = loadConfig({
      ...env,
      WECHAT_APPS_FILE: appsFile([{ appId: APP_ID, appSecret: SECRET }, component]),
    });
    expect(merged.components.map((c) => c.appId)).toEqual(['wx0000000000000002', 'wx0000000000000001']);
    const twice = configError({
      ...env,
      WECHAT_APPS_FILE: appsFile([{ ...component, appId: 'wx0000000000000002' }]),
    });
    expect(twice).toMatch(/^Component wx0000000000000002 is configured twice .* Fix: keep one of them\.$/);
    expect(twice).not.toContain(SECRET);
    expect(configError({ WECHAT_APPS_FILE: appsFile([component, component]) })).toMatch(
      /at 1\.appId: duplicate component appId wx0000000000000001/,
    );
  });

  it.each([
    [
      'a bad corpId',
      wecom({ corpId: 'xx0123456789abcdef', agentId: 1 }),
      /at 0\.corpId: expected "ww" or "wx"/,
    ],
    [
      'neither agentId nor secretName',
      wecom({}),
      /at 0\.agentId: expected exactly one of "agentId" .* or "secretName"/,
    ],
    ['both agentId and secretName', wecom({ agentId: 1, secretName: 'x' }), /expected exactly one of/],
    ['an agentId that is not digits', wecom({ agentId: '12a' }), /at 0\.agentId: .*AgentId/],
    ['a negative agentId', wecom({ agentId: -1 }), /at 0\.agentId/],
    ['a bad secretName', wecom({ secretName: 'Contacts' }), /at 0\.secretName: expected a lowercase letter/],
    [
      'a short corpSecret',
      wecom({ agentId: 1, corpSecret: 'short' }),
      /at 0\.corpSecret: expected the Secret/,
    ],
    [
      'an unknown kind',
      { kind: 'wechatWork', corpId: CORP },
      /at 0\.kind: expected "kind" to be "officialAccount" \(the default\), "miniProgram", "wecom" or "component"/,
    ],
    ['a misspelled WeCom key', wecom({ agentid: 1 }), /unknown key "agentid" \(did you mean "agentId"\?\)/],
    [
      'JS-SDK rules on a Mini Program',
      { kind: 'miniProgram', appId: APP_ID, appSecret: SECRET, jsSdkDomains: ['a.example.com'] },
      /"jsSdkDomains": a Mini Program has no JS-SDK/,
    ],
  ])('refuses %s in one line naming the fix, never the secret', (_what, entry, expected) => {
    const message = configError({ WECHAT_APPS_FILE: appsFile([entry]) });
    expect(message).toMatch(expected);
    expect(message).not.toContain('\n');
    expect(message).not.toContain(CORP_SECRET);
    expect(message).toMatch(/Fix: /);
  });

  it('refuses the same WeCom app twice, while two apps of one corp are two apps', () => {
    const other = `${CORP_SECRET.slice(0, -1)}Z`;
    expect(
      configError({
        WECHAT_APPS_FILE: appsFile([wecom({ agentId: 7 }), wecom({ agentId: '7', corpSecret: other })]),
      }),
    ).toMatch(new RegExp(`at 1\\.agentId: duplicate WeCom app ${CORP}/7`));
    expect(
      loadConfig({
        WECHAT_APPS_FILE: appsFile([wecom({ agentId: 7 }), wecom({ agentId: 8, corpSecret: other })]),
      }).apps,
    ).toHaveLength(2);
  });

  it('lets API keys be limited to WeCom apps (one owner of the app-id rule)', () => {
    const file = appsFile([wecom({ agentId: 1000002 })]);
    const config = loadConfig({
      WECHAT_APPS_FILE: file,
      GATEWAY_API_KEYS: `${'k'.repeat(32)}:token:read:${CORP}/1000002`,
    });
    expect([...(config.auth.apiKeys[0]?.appIds ?? [])]).toEqual([`${CORP}/1000002`]);
    expect(isGatewayAppId(`${CORP}/1000002`)).toBe(true);
    expect(isGatewayAppId(`${CORP}/contacts-sync`)).toBe(true);
    expect(isWeComAppId(APP_ID)).toBe(false);
    expect(isGatewayAppId(`${CORP}`)).toBe(false);
    expect(isGatewayAppId(`${CORP}/`)).toBe(false);
    expect(isGatewayAppId(`${CORP}/Agent`)).toBe(false);
  });

  it('reads WECOM_API_BASE with failover order like WECHAT_API_BASE, qyapi by default', () => {
    expect(loadConfig({}).wechat.wecomBaseUrls).toEqual(['https://qyapi.weixin.qq.com']);
    expect(
      loadConfig({ WECOM_API_BASE: 'https://a.example.com/, https://b.example.com' }).wechat.wecomBaseUrls,
    ).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(configError({ WECOM_API_BASE: 'ftp://x' })).toMatch(/^WECOM_API_BASE is invalid .*Fix: /);
  });
});
