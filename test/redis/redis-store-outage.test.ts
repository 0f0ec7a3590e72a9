import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { RedisStore } from '../../src/token/redis-store.js';
import type { StoreEvent } from '../../src/token/store.js';
import { freePort } from '../support/free-port.js';
import { randomPrefix, startRedisServer, stopRedisServer, tokenExpiringIn } from './helpers.js';

/** The outage is simulated with a private redis-server this file kills and restarts. */
describe.skipIf(!existsSync('/usr/bin/redis-server'))('RedisStore while Redis is down', () => {
  let port: number;
  let server: ChildProcess;
  let store: RedisStore;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    port = await freePort();
    server = await startRedisServer(port);
    store = await RedisStore.connect({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix(),
      connectTimeoutMs: 500,
      commandTimeoutMs: 500,
      maxReconnectDelayMs: 100,
    });
  });

  afterAll(async () => {
    await store?.close();
    if (server) await stopRedisServer(server);
    process.off('unhandledRejection', onUnhandled);
  });

  it('serves locally, refuses locks, reports degraded, and recovers when Redis returns', async () => {
    const events: StoreEvent[] = [];
    store.subscribe((event) => events.push(event));
    const before = tokenExpiringIn(60_000);
    await store.set('wxoutage000000001', before, 'cold');
    const lock = await store.acquireLock('wxoutage000000001', 5000);
    expect(lock?.owner).toBeTypeOf('string');
    await store.releaseLock('wxoutage000000001', lock?.owner ?? '');
    await store.claim('cooldown:wxoutage000000001', 60_000);

    // Commands on the wire when Redis dies fall back to local memory instead of rejecting.
    const inFlight = Array.from({ length: 40 }, (_, i) =>
      i % 2
        ? store.heldForMs('cooldown:wxoutage000000001')
        : store.claim('cooldown:wxoutage000000001', 60_000),
    );
    await stopRedisServer(server);
    const answers = await Promise.all(inFlight);
    // The cooldown claimed before the outage still refuses, whether Redis or memory answered.
    for (const answer of answers.filter((_, i) => i % 2 === 0)) expect(answer).toMatchObject({ ok: false });
    await vi.waitFor(async () => expect((await store.health()).degraded).toBe(true), {
      timeout: 3000,
      interval: 20,
    });
    const health = await store.health();
    expect(health.ok).toBe(true);
    expect(health.detail).toMatch(/fetch locks are unavailable/);

    // Reads keep serving what this replica knew; writes, claims and holds work in memory.
    expect(await store.get('wxoutage000000001')).toEqual(before);
    const during = tokenExpiringIn(60_000);
    await store.set('wxoutage000000001', during, 'invalidated');
    expect(await store.get('wxoutage000000001')).toEqual(during);
    expect(await store.deleteIfSame('wxoutage000000001', before.accessToken)).toBe(false);
    expect((await store.claim('cooldown:wxoutage000000001', 1000)).ok).toBe(false);
    expect(await store.claim('cooldown:wxoutage000000002', 1000)).toEqual({ ok: true });
    await store.hold('circuit:wxoutage000000001', 5000);
    expect(await store.heldForMs('circuit:wxoutage000000001')).toBeGreaterThan(0);
    expect(events.map((event) => event.type)).toEqual(['updated', 'updated']);

    await expect(store.acquireLock('wxoutage000000001', 5000)).rejects.toSatisfy(
      (error) =>
        error instanceof GatewayError &&
        error.code === 'STORE_UNAVAILABLE' &&
        error.retryable &&
        // Clients read this message: no internal address in it.
        !error.message.includes(String(port)),
    );
    await store.releaseLock('wxoutage000000001', 'whoever');

    server = await startRedisServer(port);
    await vi.waitFor(async () => expect(await store.health()).toEqual({ ok: true, degraded: false }), {
      timeout: 5000,
      interval: 50,
    });
    const owner = await store.acquireLock('wxoutage000000001', 5000);
    expect(owner?.owner).toBeTypeOf('string');
    await store.releaseLock('wxoutage000000001', owner?.owner ?? '');
    // Redis is the truth again; the restarted one is empty, so the token will be fetched anew.
    expect(await store.get('wxoutage000000001')).toBeUndefined();
    await store.set('wxoutage000000001', during, 'cold');
    expect(await store.get('wxoutage000000001')).toEqual(during);

    expect(unhandled).toEqual([]);
  });

  it('gives up on a Redis that stops answering after commandTimeoutMs and serves locally', async () => {
    const hung = await RedisStore.connect({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix(),
      cacheTtlMs: 0,
      commandTimeoutMs: 100,
    });
    const pauser = new Redis(`redis://127.0.0.1:${port}`);
    try {
      const token = tokenExpiringIn(60_000);
      await hung.set('wxhung00000000001', token, 'cold');
      await pauser.call('CLIENT', 'PAUSE', '600', 'ALL');

      expect(await hung.get('wxhung00000000001')).toEqual(token);
      await expect(hung.acquireLock('wxhung00000000001', 5000)).rejects.toSatisfy(
        (error) => error instanceof GatewayError && error.code === 'STORE_UNAVAILABLE',
      );
      expect(await hung.health()).toMatchObject({
        ok: true,
        degraded: true,
        detail: expect.stringMatching(/PING/),
      });
    } finally {
      await pauser.call('CLIENT', 'UNPAUSE');
      await pauser.quit();
      await hung.close();
    }
    expect(unhandled).toEqual([]);
  });

  it('fails fast to connect when nothing listens', async () => {
    const nowhere = await freePort();
    await expect(
      RedisStore.connect({
        url: `redis://127.0.0.1:${nowhere}`,
        connectTimeoutMs: 300,
        maxReconnectDelayMs: 100,
      }),
    ).rejects.toSatisfy((error) => error instanceof GatewayError && error.code === 'STORE_UNAVAILABLE');
    expect(unhandled).toEqual([]);
  });
});
