import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppConfig, TokenMode } from '../../src/config.js';
import { TokenManager } from '../../src/token/manager.js';
import type { TokenManagerOptions } from '../../src/token/manager-options.js';
import { RedisStore, type RedisStoreOptions } from '../../src/token/redis-store.js';
import { WeChatClient } from '../../src/wechat/client.js';
import type { AppCredentials } from '../../src/wechat/endpoints.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';
import { deleteKeysUnder, freePort, randomPrefix, startRedisServer, stopRedisServer } from './helpers.js';

/**
 * Issue 6's "must show" on the real stack: gateway replicas (each a TokenManager over its own Redis
 * connections, one of them a separate process) sharing a real Redis, against the sandbox over HTTP.
 */

const CALLBACK_IP = '/cgi-bin/getcallbackip';

let sandbox: TestSandbox;
let client: WeChatClient;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  sandbox = await startSandbox({ appCount: 2 });
  client = new WeChatClient({ baseUrls: [sandbox.url], timeoutMs: 2_000 });
});
afterAll(async () => {
  await client.close();
  await sandbox.close();
});
beforeEach(() => sandbox.reset());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const appConfig = (app: AppCredentials, tokenMode: TokenMode): AppConfig => ({
  ...app,
  name: `${tokenMode} app`,
  tokenMode,
});

async function replica(
  apps: AppConfig[],
  storeOptions: Omit<RedisStoreOptions, 'keyPrefix'> & { keyPrefix: string },
  options: Partial<TokenManagerOptions> = {},
): Promise<TokenManager> {
  const store = await RedisStore.connect(storeOptions);
  const manager = new TokenManager({
    apps,
    store,
    api: client,
    upstreamTimeoutMs: 2_000,
    lockTtlMs: 10_000,
    busyBackoffTotalMs: 100,
    ...options,
  });
  cleanups.push(async () => {
    await manager.stop();
    await store.close();
  });
  return manager;
}

describeRedis('replicas sharing a real Redis', () => {
  let keyPrefix: string;
  beforeEach(() => {
    keyPrefix = randomPrefix();
    cleanups.push(() => deleteKeysUnder(redisUrl, keyPrefix));
  });

  const classic = () => appConfig(sandbox.app, 'classic');
  const threeReplicas = async (storeOptions: Partial<RedisStoreOptions> = {}) =>
    Promise.all([0, 1, 2].map(() => replica([classic()], { url: redisUrl, keyPrefix, ...storeOptions })));

  it('300 concurrent cold requests on 3 replicas → exactly 1 upstream token call', async () => {
    const replicas = await threeReplicas();
    const tokens = await Promise.all(
      replicas.flatMap((r) => Array.from({ length: 100 }, () => r.getToken(sandbox.app.appId))),
    );
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    const counters = await sandbox.counters();
    expect(counters['/cgi-bin/token']).toBe(1);
    expect(counters['/cgi-bin/stable_token']).toBe(0);
    // The one shared token is the live one: every replica's WeChat call succeeds with it.
    for (const r of replicas) {
      await expect(
        r.call(sandbox.app.appId, CALLBACK_IP, (t) => client.getCallbackIp(t)),
      ).resolves.not.toHaveLength(0);
    }
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(1);
  });

  it('a forced refresh on one replica is served by the others within 1 s (by notification)', async () => {
    // A local copy kept for a minute: only the pub/sub notification can make the others re-read Redis.
    const [a, b, c] = await threeReplicas({ cacheTtlMs: 60_000 });
    if (!a || !b || !c) throw new Error('three replicas expected');
    const first = await a.getToken(sandbox.app.appId);
    expect((await b.getToken(sandbox.app.appId)).accessToken).toBe(first.accessToken);
    expect((await c.getToken(sandbox.app.appId)).accessToken).toBe(first.accessToken);

    const forced = await b.refresh(sandbox.app.appId, { force: true });
    expect(forced.accessToken).not.toBe(first.accessToken);
    for (const other of [a, c]) {
      await vi.waitFor(
        async () => expect((await other.getToken(sandbox.app.appId)).accessToken).toBe(forced.accessToken),
        { timeout: 1_000, interval: 20 },
      );
    }
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(2);
  });

  it('a lock holder SIGKILLed mid-fetch: another replica gets a token after the lock ttl, no deadlock', async () => {
    const lockTtlMs = 1_500;
    const app = sandbox.app;
    await sandbox.setFault({ kind: 'hang', endpoint: '/cgi-bin/token', times: 1 });
    const holder: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/redis/support/lock-holder.ts'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          LOCK_HOLDER_REDIS_URL: redisUrl,
          LOCK_HOLDER_PREFIX: keyPrefix,
          LOCK_HOLDER_SANDBOX_URL: sandbox.url,
          LOCK_HOLDER_APP_ID: app.appId,
          LOCK_HOLDER_APP_SECRET: app.appSecret,
          LOCK_HOLDER_LOCK_TTL_MS: String(lockTtlMs),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = once(holder, 'exit');
    cleanups.push(async () => {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      await exited;
    });
    let output = '';
    holder.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
    });
    holder.stderr?.on('data', (data: Buffer) => {
      output += data.toString();
    });

    // The child holds the lock and its /cgi-bin/token call hangs in the sandbox.
    await vi.waitFor(
      async () => {
        expect(holder.exitCode, output).toBeNull();
        expect((await sandbox.counters())['/cgi-bin/token']).toBe(1);
      },
      { timeout: 20_000, interval: 50 },
    );
    const inspector = new Redis(redisUrl);
    cleanups.push(() => inspector.quit());
    expect(await inspector.pttl(`${keyPrefix}lock:${app.appId}`)).toBeGreaterThan(0);
    holder.kill('SIGKILL');
    await exited;
    expect(output).not.toContain('fetched');

    const survivor = await replica([classic()], { url: redisUrl, keyPrefix }, { lockWaitMs: 10_000 });
    const token = await survivor.getToken(app.appId);
    expect(token.accessToken).toEqual(expect.any(String));
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(2);
    await expect(
      survivor.call(app.appId, CALLBACK_IP, (t) => client.getCallbackIp(t)),
    ).resolves.not.toHaveLength(0);
  }, 30_000);
});

/** The outage is a private redis-server this file kills and restarts. */
describe.skipIf(!existsSync('/usr/bin/redis-server'))('a replica while Redis is stopped mid-run', () => {
  it('stable keeps answering, classic refuses with STORE_UNAVAILABLE, both recover with Redis', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    cleanups.push(async () => process.off('unhandledRejection', onUnhandled));
    const port = await freePort();
    let server = await startRedisServer(port);
    cleanups.push(() => stopRedisServer(server));

    const [stableApp, classicApp] = sandbox.apps;
    if (!stableApp || !classicApp) throw new Error('two sandbox apps expected');
    const manager = await replica([appConfig(stableApp, 'stable'), appConfig(classicApp, 'classic')], {
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix(),
      connectTimeoutMs: 500,
      commandTimeoutMs: 500,
      maxReconnectDelayMs: 100,
    });
    const callbackIps = (appId: string) => manager.call(appId, CALLBACK_IP, (t) => client.getCallbackIp(t));
    const before = await manager.getToken(stableApp.appId);

    await stopRedisServer(server);
    await vi.waitFor(async () => expect((await manager.status(stableApp.appId)).degraded).toBe(true), {
      timeout: 5_000,
      interval: 20,
    });
    expect((await manager.getToken(stableApp.appId)).accessToken).toBe(before.accessToken);
    // Even a token WeChat rejects is renewed without the lock: stable_token hands every replica the same one.
    await sandbox.rotateToken(stableApp.appId);
    await expect(callbackIps(stableApp.appId)).resolves.not.toHaveLength(0);
    expect((await sandbox.counters())['/cgi-bin/stable_token']).toBe(2);

    await expect(manager.getToken(classicApp.appId)).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      retryable: true,
    });
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(0);

    server = await startRedisServer(port);
    await vi.waitFor(async () => expect((await manager.status(classicApp.appId)).degraded).toBe(false), {
      timeout: 5_000,
      interval: 50,
    });
    await expect(callbackIps(classicApp.appId)).resolves.not.toHaveLength(0);
    await expect(callbackIps(stableApp.appId)).resolves.not.toHaveLength(0);
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(1);
    expect(unhandled).toEqual([]);
  }, 30_000);
});
