import type { TokenService } from '../token/types.js';
import type { WeChatApi } from '../wechat/endpoints.js';

export const CALLBACK_IP_ENDPOINT = '/cgi-bin/getcallbackip';

/** The addresses WeChat calls back from, as last fetched for one app. */
export interface CallbackIps {
  appId: string;
  /** IPv4/IPv6 addresses, possibly in CIDR notation. */
  ips: string[];
  fetchedAt: Date;
}

export interface CallbackIpCacheOptions {
  tokens: Pick<TokenService, 'call'>;
  api: Pick<WeChatApi, 'getCallbackIp'>;
  /** How long a fetched list is served before WeChat is asked again. @default 60 */
  ttlSeconds?: number;
  /** Injectable clock (epoch ms). @default Date.now */
  now?: () => number;
}

/** Whether a cached list may still be served. */
export function isFresh(entry: CallbackIps, nowMs: number, ttlMs: number): boolean {
  return nowMs - entry.fetchedAt.getTime() < ttlMs;
}

/**
 * Process-wide cache of callback IPs: WeChat changes them rarely, so one fetch per app per TTL is
 * enough, and concurrent misses for one app share a single upstream call. Failures are not cached:
 * the token manager already remembers configuration errors and quota windows.
 */
export class CallbackIpCache {
  readonly #tokens: Pick<TokenService, 'call'>;
  readonly #api: Pick<WeChatApi, 'getCallbackIp'>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, CallbackIps>();
  readonly #inflight = new Map<string, Promise<CallbackIps>>();

  constructor(options: CallbackIpCacheOptions) {
    const ttlSeconds = options.ttlSeconds ?? 60;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) {
      throw new RangeError(`CallbackIpCache ttlSeconds must be a number ≥ 0 (got ${ttlSeconds}).`);
    }
    this.#tokens = options.tokens;
    this.#api = options.api;
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  get(appId: string): Promise<CallbackIps> {
    const cached = this.#entries.get(appId);
    if (cached && isFresh(cached, this.#now(), this.#ttlMs)) return Promise.resolve(cached);
    const pending = this.#inflight.get(appId);
    if (pending) return pending;
    const fetching = this.#fetch(appId).finally(() => this.#inflight.delete(appId));
    this.#inflight.set(appId, fetching);
    return fetching;
  }

  async #fetch(appId: string): Promise<CallbackIps> {
    const ips = await this.#tokens.call(appId, CALLBACK_IP_ENDPOINT, (token) =>
      this.#api.getCallbackIp(token),
    );
    const entry: CallbackIps = { appId, ips, fetchedAt: new Date(this.#now()) };
    this.#entries.set(appId, entry);
    return entry;
  }
}
