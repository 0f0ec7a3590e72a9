import type { Random } from '../clock.js';
import type { StoredCredential } from '../store/ports.js';
import { renewableEarly } from './state.js';

export interface RefreshSchedulePolicy {
  /** Renew before the value enters this margin. */
  marginMs: number;
  /** Most a replica renews earlier than due (later, inside an early window), so replicas do not all wake at once. */
  jitterMs: number;
  /** Shortest delay between two background renewals of one credential, whatever its expiry says. */
  minDelayMs: number;
  /**
   * Instead of a random jitter, each credential is renewed at its own instant of a window of this
   * length ending at its due time (`spreadRefreshDelayMs`): the same for every replica, and renewals
   * of many credentials obtained together are spread evenly over the window. Undefined: random jitter.
   */
  spreadWindowMs?: number;
}

/** A spread window never exceeds this share of a value's lifetime, so short-lived ones keep most of it. */
const MAX_SPREAD_SHARE = 0.25;

/** FNV-1a (32 bits) of a credential's id: a stable, well-mixed number per key, the same on every replica. */
export function keyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Milliseconds from `now` until the renewal of `key`, due at `dueAt`, spread over `windowMs`
 * (issue 28, docs/scaling.md "Renewing them"). Pure and deterministic per key, so replicas agree:
 * - the key's phase is `keyHash(key) mod windowMs`; it is renewed at the last instant ≤ `dueAt` of that
 *   phase (modulo the window). Keys falling due together are thus renewed evenly over the window before,
 *   and a key keeps its phase from one renewal to the next: the load stays even forever.
 * - the instant already passed (a replica that restarted, or started following the key, inside its
 *   window): at the same share of the time left until `dueAt`, so keys picked up together do not all
 *   renew at once either; at once when `dueAt` itself has passed.
 */
export function spreadRefreshDelayMs(key: string, dueAt: number, windowMs: number, now: number): number {
  const window = Math.floor(windowMs);
  if (window <= 0) return Math.max(0, dueAt - now);
  const phase = keyHash(key) % window;
  const at = dueAt - ((((dueAt - phase) % window) + window) % window);
  if (at >= now) return at - now;
  if (dueAt <= now) return 0;
  return Math.floor(((dueAt - now) * phase) / window);
}

/** Jitter never exceeds this share of a value's lifetime (or early window), so short-lived ones stay usable. */
const MAX_JITTER_SHARE = 0.1;

/**
 * How much later than our reckoning an early window may open by WeChat's: `expires_in` is whole
 * seconds (the value may end up to a second sooner than we count), and the answer took a while to
 * reach us. Never more than a quarter of the window, so short windows keep most of their length.
 */
export const EARLY_WINDOW_GRACE_MS = 1000;

/** Most times in a row a renewal handed back the same value is retried before waiting for expiry. */
export const MAX_SAME_VALUE_RETRIES = 5;

/**
 * The early window as it applies to one value: at most half its life, so the seconds-long values of
 * tests (whose whole life is inside a 5-minute window) are renewed at mid-life, not at once.
 */
export function earlyWindowOf(credential: StoredCredential, earlyWindowMs: number): number {
  return Math.min(earlyWindowMs, Math.max(0, credential.expiresAt - credential.obtainedAt) / 2);
}

/**
 * The first instant at which asking WeChat again can give a new value rather than this one back:
 * once the early window has surely opened (stable tokens), or at once; a value obtained already inside
 * its margin (WeChat handed back one near its end) only at its expiry. Background timers and renewals
 * behind callers both wait for it, so each new value costs one upstream call whatever the margin.
 */
export function renewableFrom(
  credential: StoredCredential,
  marginMs: number,
  earlyWindowMs: number | undefined,
): number {
  if (earlyWindowMs !== undefined) {
    const windowMs = earlyWindowOf(credential, earlyWindowMs);
    return credential.expiresAt - windowMs + Math.min(EARLY_WINDOW_GRACE_MS, windowMs / 4);
  }
  return renewableEarly(credential, marginMs) ? Number.NEGATIVE_INFINITY : credential.expiresAt;
}

/**
 * Milliseconds until the background renewal of a credential should start: at once when there is
 * none, never sooner than `minDelayMs` otherwise (a value WeChat re-issues already inside the margin
 * must not cause a tight loop).
 * - With an early window: once it has surely opened (`renewableFrom`), later by a random jitter of at
 *   most a tenth of the window, so most of it is left and replicas spread inside it.
 * - Otherwise: ahead of the margin, earlier by a random jitter (or, with `policy.spreadWindowMs` and
 *   a `spreadKey`, at the key's own instant of the window, `spreadRefreshDelayMs`); at its expiry one
 *   WeChat would not renew early.
 */
export function backgroundRefreshDelayMs(
  credential: StoredCredential | undefined,
  now: number,
  policy: RefreshSchedulePolicy,
  random: Random,
  earlyWindowMs?: number,
  spreadKey?: string,
): number {
  if (!credential) return 0;
  const from = renewableFrom(credential, policy.marginMs, earlyWindowMs);
  if (earlyWindowMs !== undefined) {
    const windowMs = earlyWindowOf(credential, earlyWindowMs);
    const jitter = random() * Math.min(policy.jitterMs, windowMs * MAX_JITTER_SHARE);
    return Math.max(policy.minDelayMs, Math.round(from + jitter - now));
  }
  if (from === credential.expiresAt) return Math.max(policy.minDelayMs, credential.expiresAt - now);
  const lifetime = Math.max(0, credential.expiresAt - credential.obtainedAt);
  if (policy.spreadWindowMs !== undefined && spreadKey !== undefined) {
    const windowMs = Math.min(policy.spreadWindowMs, lifetime * MAX_SPREAD_SHARE);
    const delay = spreadRefreshDelayMs(spreadKey, credential.expiresAt - policy.marginMs, windowMs, now);
    return Math.max(policy.minDelayMs, Math.round(delay));
  }
  const jitter = random() * Math.min(policy.jitterMs, lifetime * MAX_JITTER_SHARE);
  const due = credential.expiresAt - policy.marginMs - jitter;
  return Math.max(policy.minDelayMs, Math.round(due - now));
}

/**
 * After a renewal inside the early window was handed back the same value (WeChat's clock had not
 * reached it): try again a tenth of the window later.
 */
export function sameValueRetryDelayMs(
  credential: StoredCredential,
  policy: RefreshSchedulePolicy,
  earlyWindowMs: number,
): number {
  return Math.max(policy.minDelayMs, Math.round(earlyWindowOf(credential, earlyWindowMs) * MAX_JITTER_SHARE));
}
