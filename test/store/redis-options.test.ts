import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from '../../src/store/redis/connection.js';
import { describeEndpoint } from '../../src/store/redis/endpoint.js';
import { redisKeys } from '../../src/store/redis/keys.js';
import { resolveRedisStoresOptions } from '../../src/store/redis/options.js';
import { fakeAccessToken } from '../redis/helpers.js';

describe('RedisStores options and keys', () => {
  it('fills in documented defaults', () => {
    const options = resolveRedisStoresOptions({ url: 'redis://127.0.0.1:6379' });
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
    expect(() => resolveRedisStoresOptions(options)).toThrow(message);
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
    const token = { appId: 'wx0123456789abcdef', kind: 'token' };
    const ticket = { appId: 'wx0123456789abcdef', kind: 'ticket:jsapi' };
    expect(keys.credential(token)).toBe('p:{wx0123456789abcdef}:token');
    expect(keys.lease(token)).toBe('p:{wx0123456789abcdef}:lock');
    expect(keys.fence(token)).toBe('p:{wx0123456789abcdef}:fence');
    expect(keys.credential(ticket)).toBe('p:{wx0123456789abcdef}:ticket:jsapi');
    expect(keys.lease(ticket)).toBe('p:{wx0123456789abcdef}:lock:ticket:jsapi');
    expect(keys.fence(ticket)).toBe('p:{wx0123456789abcdef}:fence:ticket:jsapi');
    expect(keys.hold('cooldown:wx0123456789abcdef')).toBe(
      'p:{wx0123456789abcdef}:hold:cooldown:wx0123456789abcdef',
    );
    expect(keys.hold('circuit:wx0123456789abcdef:daily-quota:/cgi-bin/token')).toBe(
      'p:{wx0123456789abcdef}:hold:circuit:wx0123456789abcdef:daily-quota:/cgi-bin/token',
    );
    expect(keys.channel('wx0123456789abcdef')).toBe('p:{wx0123456789abcdef}:events');
    expect(keys.appOfChannel('p:{wx0123456789abcdef}:events')).toBe('wx0123456789abcdef');
    expect(keys.appOfChannel('q:{wx0123456789abcdef}:other')).toBeUndefined();
    expect(() => keys.credential({ appId: 'wx{other}', kind: 'token' })).toThrow(/braces/);
    expect(() => keys.credential({ appId: fakeAccessToken(), kind: 'token' })).toThrow(/look like a token/);
    expect(() => keys.hold('0123456789abcdef0123456789abcdef')).toThrow(/look like a token or secret/);
  });
});
