import type { Clock } from '../clock.js';
import type { TokenService } from '../token/types.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import type { WeChatApi } from '../wechat/endpoints.js';
import { type IpList, IpListCache } from './ip-list-cache.js';

/** The addresses of WeChat's API domain, as last fetched for one app. */
export type ApiDomainIps = IpList;

export interface ApiDomainIpCacheOptions {
  tokens: Pick<TokenService, 'call'>;
  api: Pick<WeChatApi, 'getApiDomainIp'>;
  /** How long a fetched list is served before WeChat is asked again. @default 60 */
  ttlSeconds?: number;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

/** `/cgi-bin/get_api_domain_ip` per app, cached and coalesced like the callback IPs. */
export class ApiDomainIpCache extends IpListCache {
  constructor({ api, ...options }: ApiDomainIpCacheOptions) {
    super({
      ...options,
      endpoint: WECHAT_API_PATHS.apiDomainIp,
      fetch: (token) => api.getApiDomainIp(token),
    });
  }
}
