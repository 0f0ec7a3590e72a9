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

/** REDIS_KEY_PREFIX */
export const DEFAULT_REDIS_KEY_PREFIX = 'wxgw:';

/** 1-64 of A-Z a-z 0-9 _ . : -, checked by config and by the Redis store's options. */
export const REDIS_KEY_PREFIX_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

export const DEFAULT_API_BASES = ['https://api.weixin.qq.com', 'https://api2.weixin.qq.com'];
