import type { StoredToken } from './store.js';
import type { TokenState } from './types.js';

/** FRESH beyond the margin, EXPIRING inside it, EXPIRED at or past `expiresAt`, MISSING when none. */
export function tokenState(token: StoredToken | undefined, now: number, marginMs: number): TokenState {
  if (!token) return 'MISSING';
  if (now >= token.expiresAt) return 'EXPIRED';
  if (now >= token.expiresAt - marginMs) return 'EXPIRING';
  return 'FRESH';
}

/**
 * What a client request does in each state: `none` serves the cache, `background` serves the cache
 * (still valid) while a refresh starts behind it, `blocking` must wait for a new token.
 */
export type RefreshAction = 'none' | 'background' | 'blocking';

const REFRESH_ACTION: Record<TokenState, RefreshAction> = {
  FRESH: 'none',
  EXPIRING: 'background',
  EXPIRED: 'blocking',
  MISSING: 'blocking',
};

export function refreshAction(state: TokenState): RefreshAction {
  return REFRESH_ACTION[state];
}

/** True when the store holds a token written after `seen` (by this or another replica). */
export function isNewerToken(current: StoredToken | undefined, seen: StoredToken | undefined): boolean {
  if (!current) return false;
  if (!seen) return true;
  return current.accessToken !== seen.accessToken || current.obtainedAt !== seen.obtainedAt;
}

/**
 * False when the token was obtained already inside its margin: WeChat handed back a token near its
 * end (stable_token's normal mode returns the current token until it expires), so asking again
 * before its expiry would only return it again.
 */
export function renewableEarly(token: StoredToken, marginMs: number): boolean {
  return token.obtainedAt < token.expiresAt - marginMs;
}
