import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig, TokenMode } from '../../src/config/index.js';
import { GatewayError } from '../../src/errors.js';
import type { StoreHealth } from '../../src/store/ports.js';
import { randomPrefix, startRedisServer, stopRedisServer } from '../redis/helpers.js';
import { freePort } from '../support/free-port.js';
import { type Replica, startReplica } from '../support/replica.js';
import { appsInBothModes, startSandbox, type TestSandbox } from '../support/sandbox.js';
import { healthChange, isDegraded, isHealthy } from '../support/store-health.js';

const CALLBACK_IP = '/cgi-bin/getcallbackip';

/**
 * Redis dies under two replicas and comes back on the same port (a private redis-server, not the shared
 * one). The documented behaviour (docs/scaling.md): stable mode keeps answering, fetching without the
 * lock; classic mode serves a cached token but refuses any fetch with STORE_UNAVAILABLE, because an
 * unlocked /cgi-bin/token call would rotate the other replicas' token away; both recover with Redis.
 */
describe.skipIf(!existsSync('/usr/bin/redis-server'))('replicas while the shared Redis is down', () => {
  let port: number;
  let server: ChildProcess;
  let sandbox: TestSandbox;
  const apps = {} as Record<TokenMode, AppConfig>;
  /** `warm` has read both tokens before the outage; `cold` has never served the classic app. */
  let warm: Replica;
  let cold: Replica;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  const callbackIps = (replica: Replica, mode: TokenMode) =>
    replica.manager.call(apps[mode].appId, CALLBACK_IP, (token) => replica.client.getCallbackIp(token));
  const storeUnavailable = (error: unknown) =>
    error instanceof GatewayError && error.code === 'STORE_UNAVAILABLE' && error.retryable;
  /** Both replicas' stores announcing a health change that `matches` (call before causing it). */
  const bothAnnounce = (matches: (health: StoreHealth) => boolean, what: string, timeoutMs: number) =>
    Promise.all([warm, cold].map((replica) => healthChange(replica.store, matches, what, timeoutMs)));

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    port = await freePort();
    server = await startRedisServer(port);
    sandbox = await startSandbox({ appCount: 2 });
    Object.assign(apps, appsInBothModes(sandbox));
    const spec = {
      redisUrl: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix(),
      sandboxUrl: sandbox.url,
      apps: [apps.stable, apps.classic],
      store: { connectTimeoutMs: 500, commandTimeoutMs: 300, maxReconnectDelayMs: 100 },
      manager: { forceRefreshCooldownSeconds: 1 },
    };
    warm = await startReplica(spec);
    cold = await startReplica(spec);
  });

  afterAll(async () => {
    await Promise.all([warm?.close(), cold?.close()]);
    await sandbox?.close();
    if (server) await stopRedisServer(server);
    process.off('unhandledRejection', onUnhandled);
  });

  it('keeps stable answering, refuses classic fetches only, and recovers when Redis returns', async () => {
    const stableBefore = await warm.manager.getToken(apps.stable.appId);
    const classicBefore = await warm.manager.getToken(apps.classic.appId);
    await expect(callbackIps(warm, 'classic')).resolves.not.toHaveLength(0);

    const down = bothAnnounce(isDegraded, 'the store degraded', 3_000);
    await stopRedisServer(server);
    for (const health of await down) expect(health).toMatchObject({ ok: true, degraded: true });
    expect(await warm.manager.status(apps.classic.appId)).toMatchObject({ state: 'FRESH', degraded: true });

    // Stable: cached tokens keep serving, and fetches go on without the lock (WeChat hands every
    // replica the same stable token), cold replica and rejected token alike.
    expect((await warm.manager.getToken(apps.stable.appId)).value).toBe(stableBefore.value);
    await expect(callbackIps(warm, 'stable')).resolves.not.toHaveLength(0);
    expect((await cold.manager.getToken(apps.stable.appId)).value).toBe(stableBefore.value);
    await sandbox.expireToken(apps.stable.appId);
    await expect(callbackIps(warm, 'stable')).resolves.not.toHaveLength(0);
    const stableDuring = await warm.manager.getToken(apps.stable.appId);
    expect(stableDuring.value).not.toBe(stableBefore.value);

    // Classic: the replica holding a fresh token still serves it and calls WeChat with it...
    const classicCalls = (await sandbox.counters())['/cgi-bin/token'];
    expect((await warm.manager.getToken(apps.classic.appId)).value).toBe(classicBefore.value);
    await expect(callbackIps(warm, 'classic')).resolves.not.toHaveLength(0);
    // ...but every fetch needs the lock: cold start, forced refresh, renewal after a rejected token.
    await expect(cold.manager.getToken(apps.classic.appId)).rejects.toSatisfy(storeUnavailable);
    await expect(warm.manager.refresh(apps.classic.appId, { force: true })).rejects.toSatisfy(
      storeUnavailable,
    );
    await sandbox.expireToken(apps.classic.appId);
    await expect(callbackIps(warm, 'classic')).rejects.toSatisfy(storeUnavailable);
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(classicCalls);

    const back = bothAnnounce(isHealthy, 'the store healthy again', 5_000);
    server = await startRedisServer(port);
    for (const health of await back) expect(health).toEqual({ ok: true, degraded: false });

    // The restarted Redis is empty: each app is fetched anew, once, under the lock again.
    const [classicA, classicB] = await Promise.all([
      warm.manager.getToken(apps.classic.appId),
      cold.manager.getToken(apps.classic.appId),
    ]);
    expect(classicA.value).toBe(classicB.value);
    expect((await sandbox.counters())['/cgi-bin/token']).toBe(classicCalls + 1);
    await expect(callbackIps(cold, 'classic')).resolves.not.toHaveLength(0);
    await expect(callbackIps(cold, 'stable')).resolves.not.toHaveLength(0);
    expect(await cold.manager.status(apps.classic.appId)).toMatchObject({ state: 'FRESH', degraded: false });

    expect(unhandled).toEqual([]);
  });
});
