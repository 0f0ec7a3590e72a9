import { describe, expect, it } from 'vitest';
import { tokenFingerprint } from '../../src/redact.js';
import { reconnectDelayMs } from '../../src/store/redis/connection.js';
import { describeEndpoint } from '../../src/store/redis/endpoint.js';
import { LocalMirror } from '../../src/token/redis-local-mirror.js';
import { redisKeys, resolveRedisStoreOptions } from '../../src/token/redis-options.js';
import { fakeAccessToken, tokenExpiringIn } from './helpers.js';

describe('RedisStore options', () => {
  it('fills in documented defaults', () => {
    const options = resolveRedisStoreOptions({ url: 'redis://127.0.0.1:6379' });
    expect(options).toMatchObject({
      keyPrefix: 'wxgw:',
      cacheTtlMs: 1000,
      notifiedCacheTtlMs: 30_000,
      connectTimeoutMs: 2000,
      commandTimeoutMs: 1000,
      maxReconnectDelayMs: 2000,
    });
  });

  it.each([
    [{ url: 'http://127.0.0.1:6379' }, /redis:\/\/ or rediss:\/\//],
    [{ url: 'redis://h', keyPrefix: 'has space' }, /keyPrefix/],
    [{ url: 'redis://h', cacheTtlMs: -1 }, /cacheTtlMs must be a whole number from 0/],
    [{ url: 'redis://h', commandTimeoutMs: 1.5 }, /commandTimeoutMs/],
  ])('rejects %o with a message saying what to use', (options, message) => {
    expect(() => resolveRedisStoreOptions(options)).toThrow(message);
  });

  it('backs off from 50 ms, doubling, up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map((attempt) => reconnectDelayMs(attempt, 1000))).toEqual([
      50, 100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('names the endpoint without its password', () => {
    expect(describeEndpoint('rediss://user:hunter2hunter2@cache.internal:6380/1')).toBe(
      'rediss://cache.internal:6380',
    );
  });

  it('keeps keys under the prefix and refuses parts that look like credentials', () => {
    const keys = redisKeys('p:');
    expect(keys.token('wx0123456789abcdef')).toBe('p:{wx0123456789abcdef}:token');
    expect(keys.lock('wx0123456789abcdef')).toBe('p:{wx0123456789abcdef}:lock');
    expect(keys.fence('wx0123456789abcdef')).toBe('p:{wx0123456789abcdef}:fence');
    expect(keys.hold('cooldown:wx0123456789abcdef')).toBe(
      'p:{wx0123456789abcdef}:hold:cooldown:wx0123456789abcdef',
    );
    expect(keys.hold('circuit:wx0123456789abcdef:daily-quota:/cgi-bin/token')).toBe(
      'p:{wx0123456789abcdef}:hold:circuit:wx0123456789abcdef:daily-quota:/cgi-bin/token',
    );
    expect(keys.channel('wx0123456789abcdef')).toBe('p:{wx0123456789abcdef}:events');
    expect(keys.appOfChannel('p:{wx0123456789abcdef}:events')).toBe('wx0123456789abcdef');
    expect(keys.appOfChannel('q:{wx0123456789abcdef}:other')).toBeUndefined();
    expect(() => keys.token('wx{other}')).toThrow(/braces/);
    expect(() => keys.token(fakeAccessToken())).toThrow(/look like a token/);
    expect(() => keys.hold('0123456789abcdef0123456789abcdef')).toThrow(/look like a token or secret/);
  });
});

describe('LocalMirror', () => {
  it('does not cache a Redis read that a notification overtook', () => {
    const mirror = new LocalMirror();
    const generation = mirror.generation('wxapp');
    mirror.changed('wxapp');
    mirror.remember('wxapp', tokenExpiringIn(60_000, 0), 0, generation);
    expect(mirror.fresh('wxapp', 0, 1000)).toBeUndefined();
  });

  it('keeps an updated app’s token only as a fallback, and drops an invalidated one', () => {
    const mirror = new LocalMirror();
    const token = tokenExpiringIn(60_000, 0);
    mirror.write('wxapp', token, 0);
    expect(mirror.fresh('wxapp', 10, 1000)?.token).toEqual(token);

    mirror.changed('wxapp');
    expect(mirror.fresh('wxapp', 10, 1000)).toBeUndefined();
    expect(mirror.last('wxapp')).toEqual(token);

    mirror.changed('wxapp', 'not-its-fingerprint');
    expect(mirror.last('wxapp')).toEqual(token);
    mirror.changed('wxapp', tokenFingerprint(token.accessToken));
    expect(mirror.last('wxapp')).toBeUndefined();
  });

  it('claims and holds by its own clock', () => {
    const mirror = new LocalMirror();
    expect(mirror.claim('k', 100, 0)).toEqual({ ok: true });
    expect(mirror.claim('k', 100, 40)).toEqual({ ok: false, remainingMs: 60 });
    expect(mirror.claim('k', 100, 100)).toEqual({ ok: true });
    mirror.hold('k', 500, 100);
    expect(mirror.heldForMs('k', 200)).toBe(400);
    expect(mirror.heldForMs('k', 600)).toBe(0);
  });
});
