import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppConfig } from '../../src/config/index.js';
import { deleteKeysUnder, randomPrefix } from '../redis/helpers.js';
import { postGraphql } from '../support/fetch-answer.js';
import { describeRedis, redisUrl } from '../support/redis.js';
import { type RedisGateway, startRedisGateway } from '../support/redis-gateway.js';
import { startSandbox, type TestSandbox } from '../support/sandbox.js';

const PAGE = 'https://shop.example.com/checkout?step=2';

interface Answer {
  data?: {
    callbackIps?: { ips: string[] };
    jsSdkConfig?: { appId: string; timestamp: number; nonceStr: string; signature: string; url: string };
  };
  errors?: { extensions?: { code?: string } }[];
}

async function post(url: string, query: string, variables: Record<string, unknown>): Promise<Answer> {
  return (await postGraphql(url, { query, variables }, { accept: 'application/graphql-response+json' })).json;
}

/**
 * Three gateways over HTTP, each with its own Redis connections and credential engine, one Redis and
 * the sandbox as WeChat: the access token and the jsapi ticket are two kinds on one engine, each
 * obtained once for the whole fleet however many callers arrive cold at once.
 */
describeRedis('the credential engine across three gateways over HTTP', () => {
  const keyPrefix = randomPrefix();
  let sandbox: TestSandbox;
  let app: AppConfig;
  const gateways: RedisGateway[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox();
    app = { ...sandbox.app, name: 'Shop', tokenMode: 'stable', jsSdkDomains: ['shop.example.com'] };
    for (let i = 0; i < 3; i++) {
      gateways.push(
        await startRedisGateway({
          env: { REDIS_URL: redisUrl },
          apps: [app],
          keyPrefix,
          sandboxUrl: sandbox.url,
        }),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    await sandbox?.close();
    await deleteKeysUnder(redisUrl, keyPrefix);
  });

  it('answers 300 cold requests that need the token and 300 cold jsSdkConfig with one token call and one ticket call', async () => {
    // Slow enough that every caller arrives while the one fetch of each kind is still in flight.
    await sandbox.setFault({ kind: 'latency', ms: 150, endpoint: '/cgi-bin/stable_token', times: 1 });
    await sandbox.setFault({ kind: 'latency', ms: 150, endpoint: '/cgi-bin/ticket/getticket', times: 1 });
    const url = (i: number) => (gateways[i % 3] as RedisGateway).url;
    const tokens = Array.from({ length: 300 }, (_, i) =>
      post(url(i), 'query ($appId: ID) { callbackIps(appId: $appId) { ips } }', { appId: app.appId }),
    );
    const configs = Array.from({ length: 300 }, (_, i) =>
      post(
        url(i),
        'query ($appId: ID, $url: String!) { jsSdkConfig(appId: $appId, url: $url) { appId timestamp nonceStr signature url } }',
        { appId: app.appId, url: PAGE },
      ),
    );
    const answers = await Promise.all([...tokens, ...configs]);

    expect(answers.filter((answer) => answer.errors)).toEqual([]);
    const counters = await sandbox.counters();
    expect(counters['/cgi-bin/stable_token']).toBe(1);
    expect(counters['/cgi-bin/ticket/getticket']).toBe(1);
    expect(answers.slice(0, 300).every((answer) => (answer.data?.callbackIps?.ips.length ?? 0) > 0)).toBe(
      true,
    );
    // Every signature verifies against the one ticket WeChat issued.
    const [ticket] = (await sandbox.tickets(app.appId)).jsapi;
    for (const answer of answers.slice(300)) {
      const config = answer.data?.jsSdkConfig;
      if (!config) throw new Error('no jsSdkConfig');
      const signed = `jsapi_ticket=${ticket}&noncestr=${config.nonceStr}&timestamp=${config.timestamp}&url=${PAGE}`;
      expect(config.signature).toBe(createHash('sha1').update(signed).digest('hex'));
    }
  });
});
