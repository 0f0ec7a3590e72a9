import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, InvalidOptionError } from '../../src/errors.js';
import type { CredentialEvent, CredentialKey, HoldEvent, StoredCredential } from '../../src/store/ports.js';
import { RedisStores } from '../../src/store/redis/redis-stores.js';
import { fakeAccessToken, randomPrefix, startRedisServer, stopRedisServer } from '../redis/helpers.js';
import { nextEvent } from '../support/events.js';
import { freePort } from '../support/free-port.js';
import { healthChange, isDegraded, isHealthy } from '../support/store-health.js';

const TOKEN: CredentialKey = { appId: 'wxoutage000000001', kind: 'token' };
const TICKET: CredentialKey = { appId: 'wxoutage000000001', kind: 'ticket:jsapi' };

function expiringIn(ms: number): StoredCredential {
  const now = Date.now();
  return { value: fakeAccessToken(), expiresAt: now + ms, obtainedAt: now };
}

/** Degraded mode, Redis-only: a private redis-server this file kills and restarts. */
describe.skipIf(!existsSync('/usr/bin/redis-server'))('RedisStores while Redis is down', () => {
  let port: number;
  let server: ChildProcess;
  let stores: RedisStores;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    port = await freePort();
    server = await startRedisServer(port);
    stores = await RedisStores.connect({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix(),
      appIds: [TOKEN.appId],
      connectTimeoutMs: 500,
      commandTimeoutMs: 500,
      maxReconnectDelayMs: 100,
    });
  });

  afterAll(async () => {
    await stores?.close();
    if (server) await stopRedisServer(server);
    process.off('unhandledRejection', onUnhandled);
  });

  it('serves credentials and holds locally, refuses leases, reports degraded, and recovers', async () => {
    const events: CredentialEvent[] = [];
    stores.credentials.subscribe((event) => events.push(event));
    const holdEvents: HoldEvent[] = [];
    stores.holds.watch((event) => holdEvents.push(event));
    const before = expiringIn(60_000);
    await stores.credentials.set(TOKEN, before, 'cold');
    const ticket = expiringIn(60_000);
    await stores.credentials.set(TICKET, ticket, 'cold');
    const lease = await stores.leases.acquire(TOKEN, 5000);
    expect(lease?.owner).toBeTypeOf('string');
    await stores.leases.release(TOKEN, lease?.owner ?? '');
    await stores.holds.claim(`cooldown:${TOKEN.appId}`, 60_000);

    // Commands on the wire when Redis dies fall back to local memory instead of rejecting.
    const inFlight = Array.from({ length: 40 }, (_, i) =>
      i % 2
        ? stores.holds.heldForMs(`cooldown:${TOKEN.appId}`)
        : stores.holds.claim(`cooldown:${TOKEN.appId}`, 60_000),
    );
    // The store announces the change of its health: heard as it happens, not polled.
    const degraded = healthChange(stores, isDegraded, 'the store degrading', 3000);
    await stopRedisServer(server);
    const answers = await Promise.all(inFlight);
    for (const answer of answers.filter((_, i) => i % 2 === 0)) expect(answer).toMatchObject({ ok: false });
    const announced = await degraded;
    expect(announced).toMatchObject({ ok: true, degraded: true });
    // The announcement is health()'s own answer, which stays degraded while Redis is down (its detail
    // may say `connecting` or `reconnecting`).
    const health = await stores.health();
    expect(health).toMatchObject({ ok: true, degraded: true });
    expect(health.detail).toMatch(/fetch leases are unavailable/);

    // Reads keep serving what this replica knew; writes, claims and holds work in memory.
    expect(await stores.credentials.get(TOKEN)).toEqual(before);
    expect(await stores.credentials.getLatest(TOKEN)).toEqual(before);
    expect(await stores.credentials.getMany([TICKET, TOKEN])).toEqual([ticket, before]);
    const during = expiringIn(60_000);
    await stores.credentials.set(TOKEN, during, 'invalidated');
    expect(await stores.credentials.get(TOKEN)).toEqual(during);
    expect(await stores.credentials.deleteIfSame(TOKEN, before.value)).toBe(false);
    expect((await stores.holds.claim(`cooldown:${TOKEN.appId}`, 1000)).ok).toBe(false);
    expect(await stores.holds.claim(`cooldown:wxoutage000000002`, 1000)).toEqual({ ok: true });
    await stores.holds.hold(`negative:${TOKEN.appId}`, 5000, 'invalid appsecret');
    expect(await stores.holds.heldForMs(`negative:${TOKEN.appId}`)).toBeGreaterThan(0);
    expect(await stores.holds.noteOf(`negative:${TOKEN.appId}`)).toBe('invalid appsecret');
    expect(events.map((event) => `${event.kind} ${event.type}`)).toEqual([
      'token updated',
      'ticket:jsapi updated',
      'token updated',
    ]);
    expect(await stores.leases.heldForMs(TOKEN)).toBe(0);
    expect(await stores.leases.renew(TOKEN, 'whoever', 5000)).toBe(false);
    await stores.leases.release(TOKEN, 'whoever');

    await expect(stores.leases.acquire(TOKEN, 5000)).rejects.toSatisfy(
      (error) =>
        error instanceof GatewayError &&
        error.code === 'STORE_UNAVAILABLE' &&
        error.retryable &&
        // Clients read this message: no internal address in it.
        !error.message.includes(String(port)) &&
        !error.message.includes('127.0.0.1'),
    );

    const resyncs = holdEvents.filter((event) => event.type === 'resync').length;
    const healthy = healthChange(stores, isHealthy, 'the store healthy again', 5000);
    const resynced = nextEvent<HoldEvent>(
      { subscribe: (listener) => stores.holds.watch(listener) },
      (event) => event.type === 'resync',
      'holds resynced',
      5000,
    );
    server = await startRedisServer(port);
    expect(await healthy).toEqual({ ok: true, degraded: false });
    expect(await stores.health()).toEqual({ ok: true, degraded: false });
    // Holds may have gone unannounced meanwhile: watchers are told to read them again, once.
    await resynced;
    expect(holdEvents.filter((event) => event.type === 'resync').length).toBe(resyncs + 1);
    const owner = await stores.leases.acquire(TOKEN, 5000);
    expect(owner?.owner).toBeTypeOf('string');
    await stores.leases.release(TOKEN, owner?.owner ?? '');
    // Redis is the truth again (the reconnect staled every local copy); the restarted one is empty.
    expect(await stores.credentials.get(TOKEN)).toBeUndefined();
    expect(await stores.credentials.getMany([TICKET])).toEqual([undefined]);
    await stores.credentials.set(TOKEN, during, 'cold');
    expect(await stores.credentials.get(TOKEN)).toEqual(during);

    expect(unhandled).toEqual([]);
  });

  it('gives up on a Redis that stops answering after commandTimeoutMs and serves locally', async () => {
    const hung = await RedisStores.connect({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: randomPrefix(),
      cacheTtlMs: 0,
      notifiedCacheTtlMs: 0,
      commandTimeoutMs: 100,
    });
    const pauser = new Redis(`redis://127.0.0.1:${port}`);
    try {
      const token = expiringIn(60_000);
      await hung.credentials.set(TOKEN, token, 'cold');
      // The connection stays up: the failed command is the event on which the store asks itself again.
      const degraded = healthChange(hung, isDegraded, 'the store degraded by a Redis that stopped answering');
      await pauser.call('CLIENT', 'PAUSE', '600', 'ALL');

      expect(await hung.credentials.get(TOKEN)).toEqual(token);
      expect(await degraded).toMatchObject({
        ok: true,
        degraded: true,
        detail: expect.stringMatching(/PING/),
      });
      await expect(hung.leases.acquire(TOKEN, 5000)).rejects.toSatisfy(
        (error) => error instanceof GatewayError && error.code === 'STORE_UNAVAILABLE',
      );
      expect(await hung.health()).toMatchObject({
        ok: true,
        degraded: true,
        detail: expect.stringMatching(/PING/),
      });
      // And the next command that succeeds is the event on which it is healthy again.
      await pauser.call('CLIENT', 'UNPAUSE');
      const healthy = healthChange(hung, isHealthy, 'the store healthy once Redis answers');
      expect(await hung.credentials.get(TOKEN)).toEqual(token);
      expect(await healthy).toEqual({ ok: true, degraded: false });
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
      RedisStores.connect({
        url: `redis://127.0.0.1:${nowhere}`,
        connectTimeoutMs: 300,
        maxReconnectDelayMs: 100,
      }),
    ).rejects.toSatisfy((error) => error instanceof GatewayError && error.code === 'STORE_UNAVAILABLE');
    expect(unhandled).toEqual([]);
  });

  it('checks its options up front', () => {
    const url = 'redis://127.0.0.1:1';
    expect(() => new RedisStores({ url, cacheTtlMs: -1 })).toThrow(InvalidOptionError);
    expect(() => new RedisStores({ url, keyPrefix: 'has space' })).toThrow(InvalidOptionError);
    expect(() => new RedisStores({})).toThrow(InvalidOptionError);
  });

  it('refuses a kind or appId that would name another key, or that looks like a secret', async () => {
    for (const kind of ['lock', 'fence', 'lock:token', 'hold:x', 'has space', fakeAccessToken()]) {
      await expect(stores.credentials.get({ appId: TOKEN.appId, kind }), kind).rejects.toThrow(TypeError);
    }
    await expect(stores.leases.acquire({ appId: '{wx}', kind: 'token' }, 1000)).rejects.toThrow(TypeError);
  });
});
