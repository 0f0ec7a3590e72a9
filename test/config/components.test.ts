import { describe, expect, it } from 'vitest';
import { componentEntrySchema, componentFromEntry, componentFromEnv } from '../../src/config/components.js';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/index.js';
import { configuredSecrets } from '../../src/config/secrets.js';
import { configError } from './config-error.js';

const SECRET = '0123456789abcdef0123456789abcdef';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const GOOD = {
  WECHAT_COMPONENT_APP_ID: 'wx0123456789abcdef',
  WECHAT_COMPONENT_APP_SECRET: SECRET,
  WECHAT_COMPONENT_TOKEN: 'pushToken1',
  WECHAT_COMPONENT_AES_KEY: AES_KEY,
};

function problems(env: Record<string, string>): string[] {
  try {
    componentFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.split('\n');
  }
  return [];
}

describe('component configuration from the environment', () => {
  it('none set: no component', () => {
    expect(componentFromEnv({})).toBeUndefined();
  });

  it('all four valid: one component named by its appId', () => {
    expect(componentFromEnv(GOOD)).toEqual({
      appId: GOOD.WECHAT_COMPONENT_APP_ID,
      appSecret: SECRET,
      token: 'pushToken1',
      encodingAesKey: AES_KEY,
      name: GOOD.WECHAT_COMPONENT_APP_ID,
    });
  });

  it('one line per missing variable', () => {
    const { WECHAT_COMPONENT_TOKEN: _t, WECHAT_COMPONENT_AES_KEY: _k, ...partial } = GOOD;
    const lines = problems(partial);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^WECHAT_COMPONENT_TOKEN is missing\. Fix:/);
    expect(lines[1]).toMatch(/^WECHAT_COMPONENT_AES_KEY is missing\. Fix:/);
  });

  it.each([
    ['WECHAT_COMPONENT_APP_ID', 'wxNOTANAPPID'],
    ['WECHAT_COMPONENT_APP_SECRET', 'Z'.repeat(32)],
    ['WECHAT_COMPONENT_TOKEN', 'a!'],
    ['WECHAT_COMPONENT_AES_KEY', `${AES_KEY}X`],
  ])('a bad %s: one line naming it and the fix, never its value', (name, value) => {
    const lines = problems({ ...GOOD, [name]: value });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${name} is invalid: .*Fix:`));
    expect(lines[0]).not.toContain(value);
  });

  it('every bad value is reported at once, none echoed', () => {
    const lines = problems({
      WECHAT_COMPONENT_APP_ID: 'nope',
      WECHAT_COMPONENT_APP_SECRET: 'short-secret',
      WECHAT_COMPONENT_TOKEN: 'x',
      WECHAT_COMPONENT_AES_KEY: 'short-aes-key',
    });
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toMatch(/short-secret|short-aes-key/);
  });
});

describe('component entry of the apps file', () => {
  const entry = {
    kind: 'component',
    appId: 'wx0123456789abcdef',
    appSecret: SECRET,
    token: 'pushToken1',
    encodingAesKey: AES_KEY,
  };

  it('a valid entry becomes a component, name defaulting to the appId', () => {
    const parsed = componentEntrySchema.parse(entry);
    expect(componentFromEntry(parsed).name).toBe(entry.appId);
    expect(componentFromEntry({ ...parsed, name: 'ISV' }).name).toBe('ISV');
  });

  it.each([
    ['encodingAesKey', 'tooShort'],
    ['token', ''],
    ['appSecret', 'ABC'],
    ['appId', 'wx1'],
  ])('a bad %s is refused with the rule, not the value', (key, value) => {
    const result = componentEntrySchema.safeParse({ ...entry, [key]: value });
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path).toEqual([key]);
    expect(issue?.message).toMatch(/^expected /);
  });

  it('an unknown key is refused', () => {
    expect(componentEntrySchema.safeParse({ ...entry, aesKey: AES_KEY }).success).toBe(false);
  });
});

describe('loadConfig with WECHAT_COMPONENT_*', () => {
  it('the four settings give one component; its secrets are redaction targets', () => {
    const config = loadConfig(GOOD);
    expect(config.components.map((c) => c.appId)).toEqual([GOOD.WECHAT_COMPONENT_APP_ID]);
    const secrets = configuredSecrets(config);
    for (const secret of [SECRET, 'pushToken1', AES_KEY]) expect(secrets).toContain(secret);
    expect(loadConfig({}).components).toEqual([]);
  });

  it('a bad EncodingAESKey is one line naming the setting, never its value', () => {
    const message = configError({ ...GOOD, WECHAT_COMPONENT_AES_KEY: 'k'.repeat(42) });
    expect(message).toMatch(/WECHAT_COMPONENT_AES_KEY/);
    expect(message).toMatch(/Fix:/);
    expect(message).not.toContain('k'.repeat(42));
    expect(message.split('\n')).toHaveLength(1);
  });

  it('a missing one is named', () => {
    const { WECHAT_COMPONENT_TOKEN: _t, ...partial } = GOOD;
    expect(configError(partial)).toMatch(/^WECHAT_COMPONENT_TOKEN is missing\. Fix:/);
  });
});
