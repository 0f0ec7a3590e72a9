import type { Random } from '../clock.js';
import type { StoredToken } from './store.js';
import { renewableEarly } from './token-state.js';

export interface RefreshSchedulePolicy {
  /** Refresh before the token enters this margin. */
  marginMs: number;
  /** Most a replica refreshes earlier than due, so replicas do not all wake at once. */
  jitterMs: number;
  /** Shortest delay between two background refreshes of one app, whatever the token says. */
  minDelayMs: number;
}

/** Jitter never exceeds this share of the token's lifetime, so short-lived tokens stay usable. */
const MAX_JITTER_SHARE = 0.1;

/** Most times in a row a renewal handed back the same stable token is retried before waiting for expiry. */
export const MAX_SAME_TOKEN_RETRIES = 5;

/**
 * Milliseconds until the background refresh of a token should start: immediately when there is no
 * token, never sooner than `minDelayMs` otherwise (a token that WeChat re-issues already inside the
 * margin must not cause a tight loop).
 * - A stable token (`earlyWindowMs` given) can only be renewed inside the last `earlyWindowMs` of its
 *   life, when normal-mode stable_token hands out a new one: just after that window opens, later by a
 *   random jitter (at most 10 % of the window, so most of it is left).
 * - Any other token: ahead of the margin, earlier by a random jitter; one WeChat would not renew early
 *   (see `renewableEarly`) at its expiry.
 */
export function backgroundRefreshDelayMs(
  token: StoredToken | undefined,
  now: number,
  policy: RefreshSchedulePolicy,
  random: Random,
  earlyWindowMs?: number,
): number {
  if (!token) return 0;
  const lifetime = Math.max(0, token.expiresAt - token.obtainedAt);
  if (earlyWindowMs !== undefined) {
    const windowMs = earlyWindowOf(token, earlyWindowMs);
    const jitter = random() * Math.min(policy.jitterMs, windowMs * MAX_JITTER_SHARE);
    return Math.max(policy.minDelayMs, Math.round(token.expiresAt - windowMs + jitter - now));
  }
  if (!renewableEarly(token, policy.marginMs)) return Math.max(policy.minDelayMs, token.expiresAt - now);
  const jitter = random() * Math.min(policy.jitterMs, lifetime * MAX_JITTER_SHARE);
  const due = token.expiresAt - policy.marginMs - jitter;
  return Math.max(policy.minDelayMs, Math.round(due - now));
}

/**
 * After a renewal inside the early window was handed back the same stable token (the call came just
 * before WeChat's window opened, by its clock): try again a tenth of the window later.
 */
export function sameTokenRetryDelayMs(
  token: StoredToken,
  policy: RefreshSchedulePolicy,
  earlyWindowMs: number,
): number {
  return Math.max(policy.minDelayMs, Math.round(earlyWindowOf(token, earlyWindowMs) * MAX_JITTER_SHARE));
}

/**
 * The early window as it applies to one token: at most half its life, so the seconds-long tokens of
 * tests (whose whole life is inside a 5-minute window) are renewed at mid-life, not at once.
 */
export function earlyWindowOf(token: StoredToken, earlyWindowMs: number): number {
  return Math.min(earlyWindowMs, Math.max(0, token.expiresAt - token.obtainedAt) / 2);
}
