import { describe, expect, it } from 'vitest';
import { IpListCache, type IpListCacheOptions } from '../../src/services/ip-list-cache.js';
import { WECHAT_API_PATHS } from '../../src/wechat/api-paths.js';
import type { WeChatApi } from '../../src/wechat/endpoints.js';

const APP = 'wx0123456789abcdef';

/** The API-domain list as server.ts builds it: an IpListCache with its own endpoint and call. */
function apiDomainIpCache({
  api,
  ...options
}: Omit<IpListCacheOptions, 'endpoint' | 'fetch'> & { api: Pick<WeChatApi, 'getApiDomainIp'> }) {
  return new IpListCache({
    name: 'ApiDomainIpCache',
    ...options,
    endpoint: WECHAT_API_PATHS.apiDomainIp,
    fetch: (token) => api.getApiDomainIp(token),
  });
}

/** The API-domain list rides on the same IpListCache as the callback IPs: its own endpoint and call. */
describe('ApiDomainIpCache', () => {
  it('coalesces concurrent misses into one get_api_domain_ip call and serves it for the TTL', async () => {
    let now = 1_750_000_000_000;
    let calls = 0;
    const endpoints: string[] = [];
    const cache = apiDomainIpCache({
      tokens: {
        call: <T>(_appId: string, endpoint: string, fn: (token: string) => Promise<T>) => {
          endpoints.push(endpoint);
          return fn('token-of-the-day');
        },
      },
      api: {
        getApiDomainIp: async (token) => {
          expect(token).toBe('token-of-the-day');
          calls++;
          return ['101.89.47.18'];
        },
      },
      ttlSeconds: 60,
      clock: { now: () => now },
    });
    const [first, second] = await Promise.all([cache.get(APP), cache.get(APP)]);
    expect(second).toBe(first);
    expect(first).toMatchObject({ appId: APP, ips: ['101.89.47.18'] });
    expect(endpoints).toEqual(['/cgi-bin/get_api_domain_ip']);
    now += 59_999;
    expect(await cache.get(APP)).toBe(first);
    now += 1;
    await cache.get(APP);
    expect(calls).toBe(2);
  });

  it('names itself when its TTL is invalid', () => {
    expect(() =>
      apiDomainIpCache({
        tokens: { call: async () => [] as never },
        api: { getApiDomainIp: async () => [] },
        ttlSeconds: -1,
      }),
    ).toThrow(/^ApiDomainIpCache ttlSeconds must be a number ≥ 0/);
  });
});
