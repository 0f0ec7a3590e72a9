import { redact } from '../redact.js';

/**
 * Defaults that code outside config/ needs as well (the token manager and the Redis store have them as
 * option defaults). Owned here, read by the settings table and by those options.
 */
export const TOKEN_DEFAULTS = {
  /** TOKEN_REFRESH_MARGIN_SECONDS */
  refreshMarginSeconds: 300,
  /** FORCE_REFRESH_COOLDOWN_SECONDS */
  forceRefreshCooldownSeconds: 60,
  /** TOKEN_NEGATIVE_CACHE_SECONDS */
  negativeCacheSeconds: 10,
} as const;

/** CLEAR_QUOTA_COOLDOWN_SECONDS, also the default of OpenApiManagement. */
export const DEFAULT_CLEAR_QUOTA_COOLDOWN_SECONDS = 3600;

/** CALLBACK_IPS_TTL_SECONDS, also the default of IpListCache. */
export const DEFAULT_IP_LIST_TTL_SECONDS = 60;

/** REDIS_KEY_PREFIX */
export const DEFAULT_REDIS_KEY_PREFIX = 'wxgw:';

/**
 * Why `prefix` cannot prefix Redis keys, or undefined: 1-64 of A-Z a-z 0-9 _ . : -, and nothing that
 * looks like a credential (key names show up in Redis tooling). Config and the Redis store's options
 * both apply this one rule.
 */
export function redisKeyPrefixProblem(prefix: string): string | undefined {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix)) return 'expected 1-64 characters from A-Z a-z 0-9 _ . : -';
  if (redact(prefix) !== prefix) return 'it looks like a token or secret';
  return undefined;
}

export const DEFAULT_API_BASES = ['https://api.weixin.qq.com', 'https://api2.weixin.qq.com'];

/** WeCom's API base (qyapi); WeCom documents no second domain. */
export const DEFAULT_WECOM_API_BASES = ['https://qyapi.weixin.qq.com'];
