import { type Clock, systemClock } from '../clock.js';
import { DEFAULT_IP_LIST_TTL_SECONDS } from '../config/defaults.js';
import { SingleFlight } from '../credentials/single-flight.js';
import type { TokenService } from '../credentials/types.js';
import { InvalidOptionError } from '../errors.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import type { WeChatApi } from '../wechat/endpoints.js';
import { platformOfApp } from '../wechat/errcode-catalog.js';

/** An address list WeChat publishes (callback IPs, API domain IPs), as last fetched for one app. */
export interface IpList {
  appId: string;
  /** IPv4/IPv6 addresses, possibly in CIDR notation. */
  ips: string[];
  fetchedAt: Date;
}

export interface IpListCacheOptions {
  /** Names the cache in error messages. @default 'IpListCache' */
  name?: string;
  tokens: Pick<TokenService, 'call'>;
  /** The WeChat path called, which names the call for the token manager's retry rules and circuits. */
  endpoint: string;
  /** The call itself, given the app's token. */
  fetch: (accessToken: string, appId: string) => Promise<string[]>;
  /** How long a fetched list is served before WeChat is asked again. @default 60 (CALLBACK_IPS_TTL_SECONDS) */
  ttlSeconds?: number;
  /** Only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
}

/** Whether a cached list may still be served. */
export function isFresh(entry: IpList, nowMs: number, ttlMs: number): boolean {
  return nowMs - entry.fetchedAt.getTime() < ttlMs;
}

/**
 * Process-wide cache of one of WeChat's address lists (server.ts makes one for callback IPs and one for
 * API domain IPs): WeChat changes them rarely, so one fetch per
 * app per TTL is enough, and concurrent misses for one app share a single upstream call. Failures
 * are not cached: the token manager already remembers configuration errors and quota windows.
 */
export class IpListCache {
  readonly #tokens: Pick<TokenService, 'call'>;
  readonly #endpoint: string;
  readonly #fetchList: (accessToken: string, appId: string) => Promise<string[]>;
  readonly #ttlMs: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #entries = new Map<string, IpList>();
  readonly #flights = new SingleFlight<IpList>();

  constructor(options: IpListCacheOptions) {
    const ttlSeconds = options.ttlSeconds ?? DEFAULT_IP_LIST_TTL_SECONDS;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
      throw new InvalidOptionError(
        `${options.name ?? 'IpListCache'} ttlSeconds must be a number ≥ 0 (got ${ttlSeconds}).`,
      );
    }
    this.#tokens = options.tokens;
    this.#endpoint = options.endpoint;
    this.#fetchList = options.fetch;
    this.#ttlMs = ttlSeconds * 1000;
    this.#clock = options.clock ?? systemClock;
  }

  get(appId: string): Promise<IpList> {
    const cached = this.peek(appId);
    if (cached) return Promise.resolve(cached);
    return this.#flights.run(appId, () => this.#fetch(appId));
  }

  /** The list `get` would serve now without asking WeChat; undefined when it would ask. */
  peek(appId: string): IpList | undefined {
    const cached = this.#entries.get(appId);
    return cached && isFresh(cached, this.#clock.now(), this.#ttlMs) ? cached : undefined;
  }

  async #fetch(appId: string): Promise<IpList> {
    const ips = await this.#tokens.call(appId, this.#endpoint, (token) => this.#fetchList(token, appId));
    const entry: IpList = { appId, ips, fetchedAt: new Date(this.#clock.now()) };
    this.#entries.set(appId, entry);
    return entry;
  }
}

export interface IpListCachesOptions {
  tokens: Pick<TokenService, 'call' | 'app'>;
  api: Pick<WeChatApi, 'getCallbackIp' | 'getApiDomainIp'>;
  ttlSeconds: number;
  clock?: Pick<Clock, 'now'> | undefined;
}

/**
 * The gateway's two address lists, callback IPs and API domain IPs (which change as rarely: same TTL);
 * a WeCom app's come from qyapi and are read with WeCom's errcodes.
 */
export function ipListCaches(options: IpListCachesOptions): {
  callbackIps: IpListCache;
  apiDomainIps: IpListCache;
} {
  const { tokens, api, ttlSeconds, clock } = options;
  const platform = (appId: string) => platformOfApp(tokens.app(appId)?.kind);
  const common = { tokens, ttlSeconds, ...(clock && { clock }) };
  return {
    callbackIps: new IpListCache({
      ...common,
      name: 'CallbackIpCache',
      endpoint: WECHAT_API_PATHS.callbackIp,
      fetch: (token, appId) => api.getCallbackIp(token, platform(appId)),
    }),
    apiDomainIps: new IpListCache({
      ...common,
      name: 'ApiDomainIpCache',
      endpoint: WECHAT_API_PATHS.apiDomainIp,
      fetch: (token, appId) => api.getApiDomainIp(token, platform(appId)),
    }),
  };
}
