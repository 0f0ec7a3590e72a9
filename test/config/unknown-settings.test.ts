import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { SHARED_PREFIXES } from '../../src/config/unknown-settings.js';
import { configError } from './config-error.js';

/** Variables that look like settings but are none: warned in development, refused in production. */

const APP = { WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 'fedcba9876543210fedcba9876543210' };
const PRODUCTION = { NODE_ENV: 'production', ...APP, GATEWAY_ALLOW_ANONYMOUS: 'true' };

/** Kubernetes service links of a Service named `name`, as every pod of its namespace gets them. */
function serviceLinks(name: string): Record<string, string> {
  return {
    [`${name}_SERVICE_HOST`]: '10.0.0.11',
    [`${name}_SERVICE_PORT`]: '6379',
    [`${name}_SERVICE_PORT_TCP`]: '6379',
    [`${name}_PORT`]: 'tcp://10.0.0.11:6379',
    [`${name}_PORT_6379_TCP`]: 'tcp://10.0.0.11:6379',
    [`${name}_PORT_6379_TCP_ADDR`]: '10.0.0.11',
    [`${name}_PORT_6379_TCP_PORT`]: '6379',
    [`${name}_PORT_6379_TCP_PROTO`]: 'tcp',
  };
}

describe('misspelled settings', () => {
  it.each([
    ['WECHAT_API_BASE_URL', 'https://example.invalid', 'the closest setting is WECHAT_API_BASE'],
    ['WECHAT_APPID', APP.WECHAT_APP_ID, 'did you mean WECHAT_APP_ID?'],
    ['GATEWAY_API_KEY', 'reader-key-0123456789abcdef:token:read', 'did you mean GATEWAY_API_KEYS?'],
    ['WECOM_CORP_ID', 'ww0123456789', 'the closest setting is'],
  ])(
    '%s under the gateway’s own prefixes: a warning in development naming the closest setting',
    (name, value, guess) => {
      const { warnings } = loadConfig({ [name]: value });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`^${name} is not a setting and is ignored \\(`));
      expect(warnings[0]).toContain(guess);
      expect(warnings[0]).toContain('Fix: rename it to ');
      expect(warnings[0]).not.toContain(value);
    },
  );

  it('refuses to start in production on one of them, naming it and the override', () => {
    const message = configError({ ...PRODUCTION, WECHAT_API_BASE_URL: 'https://example.invalid' });
    expect(message).toMatch(
      /^WECHAT_API_BASE_URL \(the closest setting is WECHAT_API_BASE\) is not a setting: production does not start .*Fix: rename WECHAT_API_BASE_URL to WECHAT_API_BASE, or unset it; GATEWAY_ALLOW_UNKNOWN_SETTINGS=true starts anyway/,
    );
    expect(message).not.toContain('\n');
    expect(message).not.toContain('example.invalid');
    // Before the refusal it causes: WECHAT_APPID is why no app is configured.
    expect(configError({ ...PRODUCTION, WECHAT_APP_ID: undefined, WECHAT_APPID: APP.WECHAT_APP_ID })).toMatch(
      /^WECHAT_APPID \(did you mean WECHAT_APP_ID\?\) is not a setting/,
    );
    expect(
      configError({ ...PRODUCTION, WECHAT_APIBASE: 'x', GATEWAY_CORS_ORIGIN: 'https://a.example' }),
    ).toMatch(
      /^GATEWAY_CORS_ORIGIN \(did you mean GATEWAY_CORS_ORIGINS\?\), WECHAT_APIBASE \(did you mean WECHAT_API_BASE\?\) are not settings/,
    );
  });

  it('starts in production with GATEWAY_ALLOW_UNKNOWN_SETTINGS=true, each one a warning', () => {
    const config = loadConfig({
      ...PRODUCTION,
      WECHAT_API_BASE_URL: 'https://example.invalid',
      GATEWAY_ALLOW_UNKNOWN_SETTINGS: 'true',
    });
    expect(config.warnings).toEqual([
      'WECHAT_API_BASE_URL is not a setting and is ignored (the closest setting is WECHAT_API_BASE). Fix: rename it to WECHAT_API_BASE, or unset it.',
    ]);
    expect(configError({ GATEWAY_ALLOW_UNKNOWN_SETTINGS: 'yes' })).toMatch(
      /^GATEWAY_ALLOW_UNKNOWN_SETTINGS is invalid/,
    );
  });

  it.each([
    ['REDIS_URI', 'redis://cache:6379', 'REDIS_URL'],
    ['TOKEN_REFRESH_MARGIN', '60', 'TOKEN_REFRESH_MARGIN_SECONDS'],
    ['GRAPHQL_MAX_DEPT', '4', 'GRAPHQL_MAX_DEPTH'],
    ['RATE_LIMIT_REQUEST_PER_SECOND', '5', 'RATE_LIMIT_REQUESTS_PER_SECOND'],
  ])('%s under a shared prefix: a warning in every mode, never a refusal', (name, value, setting) => {
    for (const env of [{}, PRODUCTION]) {
      const { warnings } = loadConfig({ ...env, [name]: value });
      expect(warnings).toEqual([
        `${name} is not a setting and is ignored (did you mean ${setting}?). Fix: rename it to ${setting}, or unset it if another program reads it.`,
      ]);
    }
  });

  it('says nothing of what platforms set under shared prefixes: Kubernetes service links, other programs’ names', () => {
    const platform = {
      ...serviceLinks('REDIS'),
      ...serviceLinks('GRAPHQL'),
      REDIS_HOST: 'redis',
      REDIS_DB: '0',
      REDIS_VERSION: '7.2.4',
      NODE_VERSION: '24.11.0',
      NODE_OPTIONS: '--max-old-space-size=200',
      LOG_FORMAT: 'json',
      TOKEN_ISSUER: 'https://id.example.com',
    };
    expect(loadConfig(platform).warnings).toEqual([]);
    expect(loadConfig({ ...PRODUCTION, ...platform }).warnings).toEqual([]);
    expect(SHARED_PREFIXES).toEqual(
      expect.arrayContaining(['REDIS_', 'GRAPHQL_', 'TOKEN_', 'NODE_', 'LOG_']),
    );
  });

  it('lets a Service named wechat-api or gateway put its links into the pod, even in production', () => {
    const links = { ...serviceLinks('WECHAT_API'), ...serviceLinks('GATEWAY') };
    expect(loadConfig({ ...PRODUCTION, ...links }).warnings).toEqual([]);
    // The same shape without its _SERVICE_HOST is no service link: GATEWAY_PORT would be a setting's slip.
    expect(configError({ ...PRODUCTION, GATEWAY_PORT: '8080' })).toMatch(
      /^GATEWAY_PORT \(did you mean PORT\?\) is not a setting/,
    );
    expect(loadConfig({ REDIS_PORT: '6379' }).warnings).toEqual([]);
  });

  it('names a misspelled variable in a refusal it causes, in development too', () => {
    const message = configError({
      WECHAT_APPID: APP.WECHAT_APP_ID,
      WECHAT_APP_SECRET: APP.WECHAT_APP_SECRET,
    });
    expect(message).toBe(
      'WECHAT_APP_ID is missing. Fix: set WECHAT_APP_ID and WECHAT_APP_SECRET together. Note: WECHAT_APPID is set but is not a setting (did you mean WECHAT_APP_ID?).',
    );
  });

  it('has no warning for the settings themselves', () => {
    expect(
      loadConfig({ ...PRODUCTION, REDIS_URL: 'redis://cache:6379', LOG_LEVEL: 'warn' }).warnings,
    ).toEqual([]);
  });
});

describe('the names our examples give their clients', () => {
  // A client script and the gateway often share a shell: the variables the node-client example and the
  // README's typed-client recipe read must not make a production gateway refuse to start, or warn.
  const clientNames = [
    ...readFileSync('examples/node-client/src/main.ts', 'utf8').matchAll(/\b(WXGW_[A-Z_]+)\b/g),
    ...readFileSync('README.md', 'utf8').matchAll(/process\.env\.([A-Z_]+)/g),
  ].map((m) => m[1] as string);

  it('are found, and none is read as a misspelled setting', () => {
    expect(new Set(clientNames)).toEqual(new Set(['WXGW_URL', 'WXGW_KEY', 'WXGW_APP_ID']));
    const env = Object.fromEntries(clientNames.map((name) => [name, 'x']));
    const { warnings } = loadConfig({ ...PRODUCTION, ...env });
    expect(warnings.filter((w) => clientNames.some((name) => w.includes(name)))).toEqual([]);
  });
});
