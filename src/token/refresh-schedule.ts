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

/**
 * Milliseconds until the background refresh of a token should start: ahead of the margin by a random
 * jitter, immediately when there is no token, never sooner than `minDelayMs` otherwise (a token that
 * WeChat re-issues already inside the margin must not cause a tight loop). A token WeChat would not
 * renew early (see `renewableEarly`) is renewed at its expiry.
 */
export function backgroundRefreshDelayMs(
  token: StoredToken | undefined,
  now: number,
  policy: RefreshSchedulePolicy,
  random: Random,
): number {
  if (!token) return 0;
  if (!renewableEarly(token, policy.marginMs)) return Math.max(policy.minDelayMs, token.expiresAt - now);
  const lifetime = Math.max(0, token.expiresAt - token.obtainedAt);
  const jitter = random() * Math.min(policy.jitterMs, lifetime * MAX_JITTER_SHARE);
  const due = token.expiresAt - policy.marginMs - jitter;
  return Math.max(policy.minDelayMs, Math.round(due - now));
}
