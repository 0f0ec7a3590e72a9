import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_API_BASES } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/index.js';
import { configError } from './config-error.js';

const APP_ID = 'wx1234567890abcdef';
const SECRET = 'fedcba9876543210fedcba9876543210';

function tempFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'wxgw-config-')), 'file.json');
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('reads one Redis deployment: a URL, Sentinel or Cluster, with credentials and TLS', () => {
    expect(
      loadConfig({ REDIS_URL: 'rediss://cache:6380/1', REDIS_PASSWORD: SECRET }).redis.endpoint,
    ).toMatchObject({ url: 'rediss://cache:6380/1', password: SECRET });
    expect(
      loadConfig({
        REDIS_SENTINELS: '10.0.0.1:26379, sentinel-2:26380,[::1]:26381',
        REDIS_SENTINEL_MASTER: 'mymaster',
        REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
        REDIS_USERNAME: 'gateway',
        REDIS_TLS: 'true',
      }).redis.endpoint,
    ).toMatchObject({
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-2', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      sentinelMaster: 'mymaster',
      sentinelPassword: 'sentinel-secret',
      username: 'gateway',
      tls: true,
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' }).redis.endpoint).toMatchObject({
      clusterNodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
    });
    expect(configError({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' }).split('\n')).toHaveLength(1);
  });

  it('has development defaults that need nothing set', () => {
    const config = loadConfig({});
    expect(loadConfig({ REDIS_KEY_PREFIX: 'wxgw-staging:' }).redis.keyPrefix).toBe('wxgw-staging:');
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 4000,
      host: '127.0.0.1',
      apps: [],
      wechat: { baseUrls: DEFAULT_API_BASES, tokenMode: 'stable', timeoutMs: 5000 },
      redis: { endpoint: undefined, keyPrefix: 'wxgw:', localAuthorizerCacheSize: 10_000 },
      token: { refreshMarginSeconds: 300, forceRefreshCooldownSeconds: 60, negativeCacheSeconds: 10 },
      graphql: { graphiql: true, introspection: true, maxBodyBytes: 65_536, callbackIpsTtlSeconds: 60 },
      auth: { apiKeys: [], allowAnonymous: false },
    });
  });

  it('reads one app from the environment', () => {
    const config = loadConfig({
      WECHAT_APP_ID: APP_ID,
      WECHAT_APP_SECRET: SECRET,
      WECHAT_TOKEN_MODE: 'classic',
    });
    expect(config.apps).toEqual([
      { kind: 'officialAccount', appId: APP_ID, appSecret: SECRET, name: APP_ID, tokenMode: 'classic' },
    ]);
  });

  it('reads many apps from WECHAT_APPS_FILE with per-app modes', () => {
    const file = tempFile(
      JSON.stringify([
        { appId: APP_ID, appSecret: SECRET, name: 'Shop' },
        { appId: 'wxabcdef1234567890', appSecret: SECRET, tokenMode: 'classic' },
      ]),
    );
    const config = loadConfig({ WECHAT_APPS_FILE: file });
    expect(config.apps.map((a) => [a.appId, a.name, a.tokenMode])).toEqual([
      [APP_ID, 'Shop', 'stable'],
      ['wxabcdef1234567890', 'wxabcdef1234567890', 'classic'],
    ]);
  });

  it('reads the JS-SDK page rules of each app, and refuses a jsSdkHttpsOnly that is not a boolean', () => {
    const entry = {
      appId: APP_ID,
      appSecret: SECRET,
      jsSdkDomains: ['shop.example.com'],
      jsSdkHttpsOnly: true,
    };
    const [app] = loadConfig({ WECHAT_APPS_FILE: tempFile(JSON.stringify([entry])) }).apps;
    expect(app).toMatchObject({ jsSdkDomains: ['shop.example.com'], jsSdkHttpsOnly: true });
    const wrong = tempFile(JSON.stringify([{ ...entry, jsSdkHttpsOnly: 'yes' }]));
    expect(configError({ WECHAT_APPS_FILE: wrong })).toMatch(/jsSdkHttpsOnly/);
  });

  it('takes a JS-SDK domain with a port, and refuses a scheme, a path or a port out of range', () => {
    const entry = {
      appId: APP_ID,
      appSecret: SECRET,
      jsSdkDomains: ['shop.example.com:8443', '127.0.0.1:5173'],
    };
    const [app] = loadConfig({ WECHAT_APPS_FILE: tempFile(JSON.stringify([entry])) }).apps;
    expect(app?.jsSdkDomains).toEqual(['shop.example.com:8443', '127.0.0.1:5173']);
    for (const bad of [
      'https://shop.example.com',
      'shop.example.com/a',
      'shop.example.com:0',
      'shop.example.com:65536',
      'shop.example.com:',
      ':8443',
    ]) {
      const file = tempFile(JSON.stringify([{ ...entry, jsSdkDomains: [bad] }]));
      expect(configError({ WECHAT_APPS_FILE: file }), bad).toMatch(/jsSdkDomains/);
    }
  });

  it('splits WECHAT_API_BASE in order and drops trailing slashes', () => {
    const config = loadConfig({ WECHAT_API_BASE: 'http://127.0.0.1:9/ , https://api2.weixin.qq.com/' });
    expect(config.wechat.baseUrls).toEqual(['http://127.0.0.1:9', 'https://api2.weixin.qq.com']);
  });

  it('parses API keys with scopes and an optional app list', () => {
    const config = loadConfig({
      GATEWAY_API_KEYS: `reader-key-0123456789:token:read+wechat:read,admin-key-0123456789:token:refresh:${APP_ID}`,
    });
    expect(config.auth.apiKeys).toEqual([
      { key: 'reader-key-0123456789', scopes: ['token:read', 'wechat:read'] },
      { key: 'admin-key-0123456789', scopes: ['token:refresh'], appIds: [APP_ID] },
    ]);
  });

  it('turns GraphiQL and introspection off in production', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      WECHAT_APP_ID: APP_ID,
      WECHAT_APP_SECRET: SECRET,
      GATEWAY_ALLOW_ANONYMOUS: 'true',
    });
    expect(config.graphql).toMatchObject({ graphiql: false, introspection: false });
  });

  it('has rate and query limits that fit the schema, and requires Content-Length only in production', () => {
    expect(loadConfig({}).limits).toEqual({
      rate: {
        requestsPerSecond: 50,
        requestBurst: 100,
        refreshPerKeyPerMinute: 10,
        refreshPerAppPerMinute: 30,
      },
      query: { maxDepth: 8, maxAliases: 15, maxDirectives: 10, maxTokens: 1000, maxCost: 5000 },
      requireContentLength: false,
      streams: { maxStreams: 1000, maxPerCaller: 20 },
    });
    const production = loadConfig({
      NODE_ENV: 'production',
      WECHAT_APP_ID: APP_ID,
      WECHAT_APP_SECRET: SECRET,
      GATEWAY_ALLOW_ANONYMOUS: 'true',
    });
    expect(production.limits.requireContentLength).toBe(true);
  });

  it('reads rate and query limits from the environment', () => {
    const { limits } = loadConfig({
      RATE_LIMIT_REQUESTS_PER_SECOND: '500',
      REFRESH_LIMIT_PER_KEY_PER_MINUTE: '0',
      REFRESH_LIMIT_PER_APP_PER_MINUTE: '5',
      GRAPHQL_MAX_DEPTH: '12',
      GRAPHQL_MAX_ALIASES: '0',
      GRAPHQL_MAX_DIRECTIVES: '3',
      GRAPHQL_MAX_TOKENS: '4000',
      GRAPHQL_MAX_COST: '20000',
      REQUIRE_CONTENT_LENGTH: 'true',
      GATEWAY_MAX_STREAMS: '50',
      GATEWAY_MAX_STREAMS_PER_CALLER: '5',
    });
    expect(limits).toEqual({
      // The burst follows a rate above the default burst, so a sustained rate is reachable.
      rate: {
        requestsPerSecond: 500,
        requestBurst: 500,
        refreshPerKeyPerMinute: 0,
        refreshPerAppPerMinute: 5,
      },
      query: { maxDepth: 12, maxAliases: 0, maxDirectives: 3, maxTokens: 4000, maxCost: 20_000 },
      requireContentLength: true,
      streams: { maxStreams: 50, maxPerCaller: 5 },
    });
    expect(() => loadConfig({ GATEWAY_MAX_STREAMS_PER_CALLER: '0' })).toThrow(
      /^GATEWAY_MAX_STREAMS_PER_CALLER is invalid/,
    );
    expect(loadConfig({ RATE_LIMIT_REQUEST_BURST: '7' }).limits.rate.requestBurst).toBe(7);
  });

  it('loads the trusted documents manifest named by GATEWAY_TRUSTED_DOCUMENTS at start-up', () => {
    const path = tempFile(
      JSON.stringify({ [`sha256:${'a'.repeat(64)}`]: 'query A { tokenStatus { state } }' }),
    );
    const { graphql } = loadConfig({ GATEWAY_TRUSTED_DOCUMENTS: path });
    expect(graphql.trustedDocumentsPath).toBe(path);
    expect([...(graphql.trustedDocuments ?? [])]).toEqual([
      ['a'.repeat(64), 'query A { tokenStatus { state } }'],
    ]);
    expect(loadConfig({}).graphql.trustedDocuments).toBeUndefined();
    expect(configError({ GATEWAY_TRUSTED_DOCUMENTS: tempFile('{}') })).toMatch(
      /^GATEWAY_TRUSTED_DOCUMENTS: .* expected at least one document\. Fix: /,
    );
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT is invalid \(got "eighty"\): expected a whole number\. Fix: /],
    [{ PORT: '70000' }, /^PORT is invalid/],
    [{ WECHAT_TOKEN_MODE: 'fast' }, /^WECHAT_TOKEN_MODE is invalid.*Fix: WECHAT_TOKEN_MODE=stable/],
    [{ WECHAT_APP_ID: 'nope', WECHAT_APP_SECRET: SECRET }, /^WECHAT_APP_ID is invalid/],
    [{ WECHAT_APP_ID: APP_ID }, /^WECHAT_APP_SECRET is missing/],
    [{ WECHAT_API_BASE: 'ftp://x' }, /^WECHAT_API_BASE is invalid/],
    [
      { WECHAT_API_BASE: 'https://api.weixin.qq.com?x=1' },
      /^WECHAT_API_BASE is invalid.*without user:password@/,
    ],
    [{ REDIS_KEY_PREFIX: 'has space' }, /^REDIS_KEY_PREFIX is invalid: expected 1-64 characters.*Fix: /],
    [{ REDIS_KEY_PREFIX: SECRET }, /^REDIS_KEY_PREFIX is invalid: it looks like a token or secret/],
    [{ REDIS_URL: 'http://localhost' }, /^REDIS_URL is invalid: expected redis/],
    [
      { REDIS_URL: 'redis://cache:70000/0' },
      /^REDIS_URL is invalid: the port must be a number from 1 to 65535 \(got 70000\)\. Fix: REDIS_URL=redis:\/\/host:6379/,
    ],
    [{ REDIS_URL: 'redis://cache:0' }, /^REDIS_URL is invalid: the port must be a number from 1 to 65535/],
    [
      { REDIS_URL: 'redis://a:6379', REDIS_SENTINELS: 'b:26379' },
      /^REDIS_URL and REDIS_SENTINELS are all set\. Fix: Set exactly one of REDIS_URL/,
    ],
    [
      { REDIS_SENTINELS: 'b:26379', REDIS_CLUSTER_NODES: 'c:6379' },
      /^REDIS_SENTINELS and REDIS_CLUSTER_NODES are all set\. Fix: /,
    ],
    [{ REDIS_SENTINELS: 'b:26379' }, /^REDIS_SENTINELS needs REDIS_SENTINEL_MASTER\. Fix: /],
    [
      { REDIS_SENTINELS: 'b', REDIS_SENTINEL_MASTER: 'm' },
      /^REDIS_SENTINELS is invalid \(got "b"\): expected host:port/,
    ],
    [{ REDIS_CLUSTER_NODES: 'c:99999' }, /^REDIS_CLUSTER_NODES is invalid.*: expected host:port/],
    [{ REDIS_SENTINEL_MASTER: 'm' }, /only apply with REDIS_SENTINELS/],
    [{ REDIS_URL: 'redis://a:6379', REDIS_TLS: 'true' }, /write rediss:\/\/ for TLS/],
    [{ REDIS_PASSWORD: SECRET }, /^REDIS_USERNAME, REDIS_PASSWORD and REDIS_TLS need a Redis/],
    [{ GRAPHIQL: 'yes' }, /^GRAPHIQL is invalid/],
    [{ GATEWAY_API_KEYS: 'short:token:read' }, /^GATEWAY_API_KEYS entry 1 is invalid/],
    [{ GATEWAY_API_KEYS: 'a-long-enough-key-123:token:write' }, /unknown scope "token:write"/],
    [{ NODE_ENV: 'production' }, /^No WeChat app is configured/],
    [
      { NODE_ENV: 'production', WECHAT_APP_ID: APP_ID, WECHAT_APP_SECRET: SECRET },
      /^GATEWAY_API_KEYS is required/,
    ],
    [
      { RATE_LIMIT_REQUESTS_PER_SECOND: '-1' },
      /^RATE_LIMIT_REQUESTS_PER_SECOND is invalid.*Fix: requests per second/,
    ],
    [{ RATE_LIMIT_REQUEST_BURST: '0' }, /^RATE_LIMIT_REQUEST_BURST is invalid/],
    [
      { REFRESH_LIMIT_PER_APP_PER_MINUTE: 'many' },
      /^REFRESH_LIMIT_PER_APP_PER_MINUTE is invalid.*calls per minute/,
    ],
    [{ GRAPHQL_MAX_DEPTH: '1' }, /^GRAPHQL_MAX_DEPTH is invalid.*from 2 to 100/],
    [{ GRAPHQL_MAX_TOKENS: '10' }, /^GRAPHQL_MAX_TOKENS is invalid/],
    [{ REQUIRE_CONTENT_LENGTH: 'maybe' }, /^REQUIRE_CONTENT_LENGTH is invalid/],
    [
      { GATEWAY_API_KEYS: 'same-key-0123456789:token:read,same-key-0123456789:wechat:read' },
      /^API key 2 is the same key as API key 1 .*Fix: keep one entry per key/,
    ],
    [{ WECHAT_APPS_FILE: '/nonexistent/apps.json' }, /^WECHAT_APPS_FILE: cannot read .*ENOENT/],
  ])('rejects %o with one prescriptive line', (env, pattern) => {
    const message = configError(env);
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  });

  it('reports the position of a bad entry in the apps file', () => {
    const file = tempFile(
      JSON.stringify([
        { appId: APP_ID, appSecret: SECRET },
        { appId: APP_ID, appSecret: SECRET },
      ]),
    );
    expect(configError({ WECHAT_APPS_FILE: file })).toMatch(/at 1\.appId: duplicate appId/);
    expect(configError({ WECHAT_APPS_FILE: tempFile('{not json') })).toMatch(/is not valid JSON/);
  });

  it('refuses an unknown key in the apps file, naming the file, the entry and the closest key', () => {
    const every = {
      appId: APP_ID,
      appSecret: SECRET,
      name: 'Shop',
      tokenMode: 'classic',
      jsSdkDomains: ['shop.example.com'],
      jsSdkHttpsOnly: true,
    };
    // Every key the docs name is accepted.
    expect(loadConfig({ WECHAT_APPS_FILE: tempFile(JSON.stringify([every])) }).apps).toHaveLength(1);
    const file = tempFile(
      JSON.stringify([every, { appId: 'wxabcdef1234567890', appSecret: SECRET, tokenmode: 'classic' }]),
    );
    const message = configError({ WECHAT_APPS_FILE: file });
    expect(message).toBe(
      `WECHAT_APPS_FILE: "${file}" entry 2 (wxabcdef1234567890) has an unknown key "tokenmode" (did you mean "tokenMode"?). Fix: rename it to "tokenMode"; an entry's keys are "kind", "appId", "appSecret", "name", "tokenMode", "jsSdkHttpsOnly", "jsSdkDomains".`,
    );
    // The misspelling is named, not the key it left missing.
    const misspelledSecret = tempFile(JSON.stringify([{ appId: APP_ID, appsecret: SECRET }]));
    expect(configError({ WECHAT_APPS_FILE: misspelledSecret })).toMatch(
      /entry 1 \(wx1234567890abcdef\) has an unknown key "appsecret" \(did you mean "appSecret"\?\)/,
    );
  });

  it('refuses an unknown key in the API keys file, and a key in plain text with the hashed form as fix', () => {
    const digest = 'a'.repeat(64);
    const misspelled = tempFile(JSON.stringify([{ sha256: digest, scope: ['token:read'], name: 'billing' }]));
    expect(configError({ GATEWAY_API_KEYS_FILE: misspelled })).toBe(
      `GATEWAY_API_KEYS_FILE: "${misspelled}" entry 1 ("billing") has an unknown key "scope" (did you mean "scopes"?). Fix: rename it to "scopes"; an entry's keys are "sha256", "scopes", "appIds", "componentAppIds", "name".`,
    );
    const key = 'plain-key-0123456789abcdef';
    const plaintext = tempFile(
      JSON.stringify([
        { sha256: digest, scopes: ['token:read'] },
        { key, scopes: ['token:read'] },
      ]),
    );
    const message = configError({ GATEWAY_API_KEYS_FILE: plaintext });
    expect(message).toMatch(
      /^GATEWAY_API_KEYS_FILE: ".*" entry 2 has the key "key": the file holds keys only as digests.*Fix: replace it with "sha256": the hex SHA-256 digest of the key/,
    );
    expect(message).not.toContain(key);
    expect(message).not.toContain('\n');
  });

  it('says a file that is not there does not exist, and which setting names it', () => {
    const message = configError({ WECHAT_APPS_FILE: 'config/no-such-apps.json' });
    expect(message).toBe(
      `WECHAT_APPS_FILE: cannot read "config/no-such-apps.json": the file does not exist (ENOENT, looked for at ${join(process.cwd(), 'config/no-such-apps.json')}). Fix: set WECHAT_APPS_FILE to the path of your JSON apps file (a relative path starts at the gateway's working directory).`,
    );
    // Not a format it never got to read.
    expect(message).not.toContain('JSON array');
    expect(configError({ GATEWAY_API_KEYS_FILE: tmpdir() })).toMatch(
      /^GATEWAY_API_KEYS_FILE: cannot read ".*": it is a directory \(EISDIR\)\. Fix: set GATEWAY_API_KEYS_FILE to the path of your JSON API keys file, not of its directory\.$/,
    );
  });

  it('never echoes a secret in its messages', () => {
    const badSecret = `${SECRET}zz`;
    expect(configError({ WECHAT_APP_ID: APP_ID, WECHAT_APP_SECRET: badSecret })).not.toContain(SECRET);
    const file = tempFile(JSON.stringify([{ appId: APP_ID, appSecret: badSecret }]));
    expect(configError({ WECHAT_APPS_FILE: file })).not.toContain(SECRET);
    expect(configError({ REDIS_URL: `http://user:${SECRET}@host` })).not.toContain(SECRET);
    // A password written without its "@host" sits where the port goes: it is not shown as one.
    expect(configError({ REDIS_URL: `redis://user:${SECRET}` })).not.toContain(SECRET);
    const base = configError({ WECHAT_API_BASE: `https://user:pa55word@api.weixin.qq.com` });
    expect(base).toMatch(/^WECHAT_API_BASE is invalid \(got "https:\/\/\*\*\*@api\.weixin\.qq\.com"\)/);
    expect(base).not.toContain('pa55word');
  });
});
