import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuiltGateway, buildGateway } from '../../src/build-gateway.js';
import { loadConfig } from '../../src/config/index.js';
import { type GatewayLifecycle, manageGatewayLifecycle } from '../../src/lifecycle/gateway-lifecycle.js';
import { MemoryStores } from '../../src/store/memory/memory-stores.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

/**
 * Issue 29 item 2: every per-app setting of the apps file follows a reload (the path SIGHUP takes:
 * `GatewayLifecycle.reload`), seen over HTTP right after it — no restart, no waiting. One row per
 * setting of an app's entry (src/config/files.ts): appSecret, name, tokenMode, jsSdkDomains,
 * jsSdkHttpsOnly, kind, and an app added. The secret's row is the negative cache's: WeChat's
 * refusal of a wrong secret is remembered (shared through the store, for every replica), and once
 * the file has the right one the app works at once, although the refusal's window has not passed.
 */

interface Entry {
  kind?: 'officialAccount' | 'miniProgram';
  appId: string;
  appSecret: string;
  name?: string;
  tokenMode?: 'stable' | 'classic';
  jsSdkDomains?: string[];
  jsSdkHttpsOnly?: boolean;
}

let sandbox: TestSandbox;
let built: BuiltGateway;
let lifecycle: GatewayLifecycle;
let url: string;
let dir: string;
let appsFile: string;
let first: Entry;
let second: Entry;

async function writeApps(entries: Entry[]): Promise<void> {
  await writeFile(appsFile, JSON.stringify(entries));
}

/** Writes the file and reloads it as SIGHUP does; the reload must put it in force. */
async function reloadWith(entries: Entry[]): Promise<void> {
  await writeApps(entries);
  expect(await lifecycle.reload()).toBe(true);
}

async function gql(query: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  return (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

const sign = async (appId: string, page: string) =>
  gql(`{ jsSdkConfig(appId: "${appId}", url: "${page}") { signature } }`);
const codeOf = (answer: Awaited<ReturnType<typeof gql>>) => answer.errors?.[0]?.extensions?.code;

beforeAll(async () => {
  sandbox = await startSandbox({ appCount: 2 });
  const [a, b] = sandbox.apps as [Entry, Entry];
  first = { appId: a.appId, appSecret: a.appSecret, name: 'Shop', tokenMode: 'stable' };
  second = { appId: b.appId, appSecret: b.appSecret, name: 'Second' };
  dir = await mkdtemp(join(tmpdir(), 'wxgw-reload-settings-'));
  appsFile = join(dir, 'apps.json');
  await writeApps([{ ...first, appSecret: 'f'.repeat(32) }]);
  const config = loadConfig({
    NODE_ENV: 'test',
    WECHAT_APPS_FILE: appsFile,
    WECHAT_API_BASE: sandbox.url,
    TOKEN_NEGATIVE_CACHE_SECONDS: '3600',
    FORCE_REFRESH_COOLDOWN_SECONDS: '0',
    REFRESH_LIMIT_PER_KEY_PER_MINUTE: '0',
    REFRESH_LIMIT_PER_APP_PER_MINUTE: '0',
    CALLBACK_IPS_TTL_SECONDS: '0',
  });
  built = await buildGateway(config, {
    upstream: { baseUrls: [sandbox.url] },
    store: new MemoryStores(),
    logDestination: { write: () => {} },
    engine: { backgroundRefresh: false, busyBackoffBaseMs: 5, busyBackoffTotalMs: 50 },
  });
  url = await built.gateway.listen(0, '127.0.0.1');
  lifecycle = manageGatewayLifecycle({
    server: built.gateway.server,
    tokens: built.tokens,
    createManager: built.createManager,
    apps: config.apps,
    appsFile: { path: appsFile, defaultMode: 'stable' },
    closers: [],
    shutdownTimeoutMs: 1000,
    logger: built.logger,
    signals: new EventEmitter(),
    exit: () => {},
  });
});
afterAll(async () => {
  lifecycle?.uninstall();
  await built?.close();
  await sandbox?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('every per-app setting follows a reload', () => {
  it('appSecret: a refusal of the wrong secret is remembered, and the right one works at once after the reload', async () => {
    const ips = `{ callbackIps(appId: "${first.appId}") { ips } }`;
    const refused = await gql(ips);
    expect(codeOf(refused)).toMatch(/^WECHAT_/);
    const before = (await sandbox.counters())['/cgi-bin/stable_token'];
    // Remembered: asked again, WeChat is not called.
    expect(codeOf(await gql(ips))).toBe(codeOf(refused));
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(before);

    await reloadWith([first]);
    const answer = await gql(ips);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.callbackIps.ips.length).toBeGreaterThan(0);
  });

  it('appSecret: a wrong secret put back by a reload is refused by WeChat again, the right one accepted after the next', async () => {
    await reloadWith([{ ...first, appSecret: 'e'.repeat(32) }]);
    // The token of the right secret is still valid at WeChat; what changes is the next fetch.
    expect(
      codeOf(await gql(`mutation { refreshToken(appId: "${first.appId}", force: true) { state } }`)),
    ).toMatch(/^WECHAT_/);
    await reloadWith([first]);
    expect(
      (await gql(`mutation { refreshToken(appId: "${first.appId}", force: true) { state } }`)).errors,
    ).toBeUndefined();
  });

  it('name', async () => {
    await reloadWith([{ ...first, name: 'Renamed shop' }]);
    expect((await gql('{ apps { appId name } }')).data.apps).toEqual([
      { appId: first.appId, name: 'Renamed shop' },
    ]);
  });

  it('tokenMode: a forced refresh after the reload asks the classic endpoint', async () => {
    await reloadWith([{ ...first, tokenMode: 'classic' }]);
    expect((await gql('{ apps { tokenMode } }')).data.apps).toEqual([{ tokenMode: 'classic' }]);
    const before = await sandbox.counters();
    expect(
      (await gql(`mutation { refreshToken(appId: "${first.appId}", force: true) { state } }`)).errors,
    ).toBeUndefined();
    const after = await sandbox.counters();
    expect(after['/cgi-bin/token'] - before['/cgi-bin/token']).toBe(1);
    expect(after['/cgi-bin/stable_token']).toBe(before['/cgi-bin/stable_token']);
  });

  it('jsSdkDomains: a narrowed list refuses the pages it no longer names at once', async () => {
    await reloadWith([{ ...first, jsSdkDomains: ['a.example.com', 'b.example.com'] }]);
    expect((await sign(first.appId, 'https://a.example.com/')).errors).toBeUndefined();
    await reloadWith([{ ...first, jsSdkDomains: ['b.example.com'] }]);
    expect(codeOf(await sign(first.appId, 'https://a.example.com/'))).toBe('BAD_USER_INPUT');
    expect((await sign(first.appId, 'https://b.example.com/')).errors).toBeUndefined();
  });

  it('jsSdkHttpsOnly', async () => {
    expect((await sign(first.appId, 'http://b.example.com/')).errors).toBeUndefined();
    await reloadWith([{ ...first, jsSdkDomains: ['b.example.com'], jsSdkHttpsOnly: true }]);
    expect(codeOf(await sign(first.appId, 'http://b.example.com/'))).toBe('BAD_USER_INPUT');
    expect((await sign(first.appId, 'https://b.example.com/')).errors).toBeUndefined();
  });

  it('kind: an Official Account made a Mini Program signs no page', async () => {
    await reloadWith([{ kind: 'miniProgram', appId: first.appId, appSecret: first.appSecret, name: 'Shop' }]);
    expect((await gql('{ apps { kind } }')).data.apps).toEqual([{ kind: 'MINI_PROGRAM' }]);
    expect(codeOf(await sign(first.appId, 'https://b.example.com/'))).toBe('BAD_USER_INPUT');
  });

  it('an app added by the reload is served at once, held to its own domains', async () => {
    await reloadWith([first, { ...second, jsSdkDomains: ['c.example.com'] }]);
    expect(codeOf(await sign(second.appId, 'https://evil.example/'))).toBe('BAD_USER_INPUT');
    expect((await sign(second.appId, 'https://c.example.com/')).errors).toBeUndefined();
    expect((await sign(first.appId, 'https://evil.example/')).errors).toBeUndefined();
  });
});
