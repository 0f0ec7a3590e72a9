import type { Clock } from '../clock.js';
import type { TokenService } from '../token/types.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import type { WeChatApi } from '../wechat/endpoints.js';
import { type IpList, IpListCache } from './ip-list-cache.js';

export { isFresh } from './ip-list-cache.js';

export const CALLBACK_IP_ENDPOINT = WECHAT_API_PATHS.callbackIp;

/** The addresses WeChat calls back from, as last fetched for one app. */
export type CallbackIps = IpList;

export interface CallbackIpCacheOptions {
  tokens: Pick<TokenService, 'call'>;
  api: Pick<WeChatApi, 'getCallbackIp'>;
  /** How long a fetched list is served before WeChat is asked again. @default 60 */
  ttlSeconds?: number;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

/** `/cgi-bin/getcallbackip` per app, cached and coalesced (IpListCache). */
export class CallbackIpCache extends IpListCache {
  constructor({ api, ...options }: CallbackIpCacheOptions) {
    super({ ...options, endpoint: CALLBACK_IP_ENDPOINT, fetch: (token) => api.getCallbackIp(token) });
  }
}
