import { describe, expect, it } from 'vitest';
import { IpListCache, isFresh } from '../../src/services/ip-list-cache.js';
import { WECHAT_API_PATHS } from '../../src/wechat/api-paths.js';
import { WeChatError } from '../../src/wechat/errors.js';

const APP = 'wx0123456789abcdef';

/** A clock the test moves, and a WeChat API that counts calls; the token service just lends a token. */
function setup(ttlSeconds = 60) {
  let now = 1_750_000_000_000;
  let answer: () => Promise<string[]> = async () => ['101.226.62.77', '101.226.103.0/25'];
  const api = {
    calls: 0,
    getCallbackIp(token: string) {
      expect(token).toBe('token-of-the-day');
      this.calls++;
      return answer();
    },
  };
  const endpoints: string[] = [];
  const tokens = {
    call: <T>(appId: string, endpoint: string, fn: (token: string) => Promise<T>) => {
      expect(appId).toBe(APP);
      endpoints.push(endpoint);
      return fn('token-of-the-day');
    },
  };
  const cache = new IpListCache({
    name: 'CallbackIpCache',
    tokens,
    endpoint: WECHAT_API_PATHS.callbackIp,
    fetch: (token) => api.getCallbackIp(token),
    ttlSeconds,
    clock: { now: () => now },
  });
  return {
    cache,
    api,
    endpoints,
    advance: (ms: number) => {
      now += ms;
    },
    answerWith: (fn: () => Promise<string[]>) => {
      answer = fn;
    },
  };
}

describe('CallbackIpCache', () => {
  it('coalesces concurrent misses into one upstream call through TokenService.call', async () => {
    const { cache, api, endpoints } = setup();
    const results = await Promise.all([cache.get(APP), cache.get(APP), cache.get(APP)]);
    expect(api.calls).toBe(1);
    expect(endpoints).toEqual(['/cgi-bin/getcallbackip']);
    expect(results[0]?.ips).toEqual(['101.226.62.77', '101.226.103.0/25']);
    expect(results[1]).toBe(results[0]);
  });

  it('serves the cached list until the TTL passes, then fetches again', async () => {
    const { cache, api, advance } = setup(60);
    const first = await cache.get(APP);
    advance(59_999);
    expect(await cache.get(APP)).toBe(first);
    expect(api.calls).toBe(1);
    advance(1);
    const second = await cache.get(APP);
    expect(api.calls).toBe(2);
    expect(second.fetchedAt.getTime()).toBe(first.fetchedAt.getTime() + 60_000);
  });

  it('does not cache failures', async () => {
    const { cache, api, answerWith } = setup();
    answerWith(async () => {
      throw new WeChatError({
        errcode: -1,
        errmsg: 'system error',
        endpoint: '/cgi-bin/getcallbackip',
        kind: 'api',
      });
    });
    await expect(cache.get(APP)).rejects.toMatchObject({ code: 'WECHAT_BUSY' });
    answerWith(async () => ['1.2.3.4']);
    expect((await cache.get(APP)).ips).toEqual(['1.2.3.4']);
    expect(api.calls).toBe(2);
  });

  it('with a TTL of 0 asks WeChat every time', async () => {
    const { cache, api } = setup(0);
    await cache.get(APP);
    await cache.get(APP);
    expect(api.calls).toBe(2);
  });

  it('refuses a negative TTL with a message saying what is expected', () => {
    expect(() => setup(-1)).toThrow(/ttlSeconds must be a number ≥ 0/);
  });

  it('isFresh compares the age with the TTL', () => {
    const entry = { appId: APP, ips: [], fetchedAt: new Date(1000) };
    expect(isFresh(entry, 1999, 1000)).toBe(true);
    expect(isFresh(entry, 2000, 1000)).toBe(false);
  });
});
