import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { RedisConnection } from '../../src/store/redis/connection.js';
import {
  describeRedisEndpoint,
  parseHostPorts,
  type RedisEndpointOptions,
  redisSecrets,
  resolveRedisEndpoint,
} from '../../src/store/redis/endpoint.js';

describe('Redis endpoints', () => {
  it.each([
    ['10.0.0.1:26379', [{ host: '10.0.0.1', port: 26379 }]],
    [
      'a:1, b.internal:65535',
      [
        { host: 'a', port: 1 },
        { host: 'b.internal', port: 65535 },
      ],
    ],
    ['[::1]:6379', [{ host: '::1', port: 6379 }]],
    ['a', undefined],
    ['a:0', undefined],
    ['a:70000', undefined],
    ['user@a:1', undefined],
    ['a:1,,b:2', undefined],
  ])('reads %j as %j', (text, expected) => {
    expect(parseHostPorts(text)).toEqual(expected);
  });

  it.each<[RedisEndpointOptions, RegExp]>([
    [{}, /exactly one of url, sentinels or clusterNodes \(got none\)/],
    [{ url: 'redis://a', clusterNodes: [{ host: 'b', port: 1 }] }, /got url and clusterNodes/],
    [{ url: 'http://a' }, /redis:\/\/ or rediss:\/\//],
    [{ url: 'redis://a:70000/0' }, /port must be a number from 1 to 65535 \(got 70000\)/],
    [{ sentinels: [{ host: 'a', port: 1 }] }, /REDIS_SENTINEL_MASTER/],
    [{ clusterNodes: [] }, /at least one host:port/],
  ])('refuses %j', (options, message) => {
    expect(() => resolveRedisEndpoint(options)).toThrow(message);
  });

  it('names each deployment without its credentials', () => {
    const secret = 'hunter2-hunter2-hunter2';
    const endpoints: RedisEndpointOptions[] = [
      { url: `rediss://gw:${secret}@cache.internal:6380/1` },
      {
        sentinels: [{ host: 's1', port: 26379 }],
        sentinelMaster: 'm',
        password: secret,
        sentinelPassword: secret,
      },
      { clusterNodes: [{ host: '::1', port: 7000 }], password: secret },
    ];
    expect(endpoints.map((options) => describeRedisEndpoint(resolveRedisEndpoint(options)))).toEqual([
      'rediss://cache.internal:6380',
      'sentinel master m via s1:26379',
      'cluster via [::1]:7000',
    ]);
    expect(redisSecrets(endpoints[0])).toEqual(['gw', secret]);
    expect(redisSecrets({ ...endpoints[1], username: 'gw' })).toEqual(['gw', secret, secret]);
    expect(redisSecrets(undefined)).toEqual([]);
  });

  it('builds ioredis’ own clients, with TLS in every mode', async () => {
    // Nothing listens on port 1: the clients are built and closed without ever connecting.
    const build = (options: RedisEndpointOptions) =>
      new RedisConnection(resolveRedisEndpoint(options), {
        name: 'test',
        role: 'commands',
        connectTimeoutMs: 100,
        maxReconnectDelayMs: 100,
        logger: silentLogger,
      });
    const nodes = [{ host: '127.0.0.1', port: 1 }];
    const url = build({ url: 'rediss://127.0.0.1:1' });
    const sentinel = build({ sentinels: nodes, sentinelMaster: 'm', tls: true, password: 'p' });
    const cluster = build({ clusterNodes: nodes, tls: true, password: 'p' });
    try {
      expect(url.client).toBeInstanceOf(Redis);
      expect((url.client as Redis).options.tls).toBeDefined();
      expect(sentinel.client).toBeInstanceOf(Redis);
      expect((sentinel.client as Redis).options).toMatchObject({
        name: 'm',
        sentinels: nodes,
        password: 'p',
        enableTLSForSentinelMode: true,
        tls: {},
        sentinelTLS: {},
      });
      expect(cluster.client).toBeInstanceOf(Cluster);
      expect((cluster.client as Cluster).options.redisOptions).toMatchObject({ tls: {}, password: 'p' });
      await expect(url.ready(100)).rejects.toThrow(/did not answer within 100 ms/);
    } finally {
      await Promise.all([url.quit(100), sentinel.quit(100), cluster.quit(100)]);
    }
  });
});
