import { describe, expect, it } from 'vitest';
import { busyRetryCeilings, busyRetryDelay, failureBackoffDelay } from '../../src/token/backoff.js';
import { isQuotaReaction, quotaWindowMs, retryAfterSeconds } from '../../src/token/quota-window.js';
import {
  backgroundRefreshDelayMs,
  earlyWindowOf,
  sameTokenRetryDelayMs,
} from '../../src/token/refresh-schedule.js';
import type { StoredToken } from '../../src/token/store.js';
import { isNewerToken, refreshAction, renewableEarly, tokenState } from '../../src/token/token-state.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const token = (obtainedAt: number, lifetimeMs: number, accessToken = 'tok-a'): StoredToken => ({
  accessToken,
  obtainedAt,
  expiresAt: obtainedAt + lifetimeMs,
});

describe('tokenState', () => {
  const t = token(T0, 7_200_000);
  const margin = 300_000;
  it.each([
    ['MISSING', undefined, T0],
    ['FRESH', t, T0],
    ['FRESH', t, t.expiresAt - margin - 1],
    ['EXPIRING', t, t.expiresAt - margin],
    ['EXPIRING', t, t.expiresAt - 1],
    ['EXPIRED', t, t.expiresAt],
    ['EXPIRED', t, t.expiresAt + 60_000],
  ] as const)('is %s', (state, stored, now) => {
    expect(tokenState(stored, now, margin)).toBe(state);
  });

  it('honours whatever lifetime WeChat gave, not 7200 s', () => {
    const short = token(T0, 10_000);
    expect(tokenState(short, T0 + 4_000, 5_000)).toBe('FRESH');
    expect(tokenState(short, T0 + 5_000, 5_000)).toBe('EXPIRING');
    expect(tokenState(short, T0 + 10_000, 5_000)).toBe('EXPIRED');
  });
});

describe('refreshAction (should a request refresh?)', () => {
  it('serves fresh tokens, renews expiring ones behind the request, blocks only without a valid token', () => {
    expect(refreshAction('FRESH')).toBe('none');
    expect(refreshAction('EXPIRING')).toBe('background');
    expect(refreshAction('EXPIRED')).toBe('blocking');
    expect(refreshAction('MISSING')).toBe('blocking');
  });

  it('knows a token obtained inside its margin cannot be renewed early', () => {
    expect(renewableEarly(token(T0, 7_200_000), 300_000)).toBe(true);
    expect(renewableEarly(token(T0, 300_001), 300_000)).toBe(true);
    expect(renewableEarly(token(T0, 300_000), 300_000)).toBe(false);
    expect(renewableEarly(token(T0, 120_000), 300_000)).toBe(false);
  });

  it('tells a token another writer stored from the one already seen', () => {
    const seen = token(T0, 7_200_000);
    expect(isNewerToken(undefined, seen)).toBe(false);
    expect(isNewerToken(seen, undefined)).toBe(true);
    expect(isNewerToken({ ...seen }, seen)).toBe(false);
    expect(isNewerToken(token(T0, 7_200_000, 'tok-b'), seen)).toBe(true);
    expect(isNewerToken(token(T0 + 1, 7_200_000), seen)).toBe(true);
  });
});

describe('busy retry schedule', () => {
  const defaults = { retries: 3, baseMs: 200, totalMs: 5000 };

  it('doubles the ceilings, at most `retries` of them', () => {
    expect(busyRetryCeilings(defaults)).toEqual([200, 400, 800]);
    expect(busyRetryDelay(3, defaults, () => 0.5)).toBeUndefined();
  });

  it('keeps the worst-case total strictly under the bound even with large bases', () => {
    const policy = { retries: 3, baseMs: 3000, totalMs: 5000 };
    expect(busyRetryCeilings(policy)).toEqual([3000, 2000, 0]);
    const almostOne = () => 0.999_999;
    const total = [0, 1, 2].reduce((sum, i) => sum + (busyRetryDelay(i, policy, almostOne) ?? 0), 0);
    expect(total).toBeLessThan(5000);
  });

  it('uses full jitter: anywhere from 0 up to the ceiling', () => {
    expect(busyRetryDelay(0, defaults, () => 0)).toBe(0);
    expect(busyRetryDelay(2, defaults, () => 0.5)).toBe(400);
    expect(busyRetryDelay(2, defaults, () => 0.999_999)).toBeLessThan(800);
  });

  it('gives no retry at all when retries is 0', () => {
    expect(busyRetryDelay(0, { ...defaults, retries: 0 }, () => 0.5)).toBeUndefined();
  });
});

describe('background failure backoff', () => {
  const policy = { baseMs: 1000, maxMs: 60_000 };

  it('grows with each failure and stays within [ceiling/2, ceiling]', () => {
    expect(failureBackoffDelay(1, policy, () => 0)).toBe(500);
    expect(failureBackoffDelay(1, policy, () => 0.999_999)).toBeLessThanOrEqual(1000);
    expect(failureBackoffDelay(2, policy, () => 0)).toBe(1000);
    expect(failureBackoffDelay(4, policy, () => 0)).toBe(4000);
  });

  it('is capped, and never a tight loop however many failures', () => {
    expect(failureBackoffDelay(50, policy, () => 1)).toBe(60_000);
    expect(failureBackoffDelay(1_000, policy, () => 0)).toBe(30_000);
    expect(failureBackoffDelay(0, policy, () => 0)).toBe(500);
  });
});

describe('quota windows', () => {
  it('45011 lasts until the next minute boundary', () => {
    expect(quotaWindowMs('minute-quota', Date.UTC(2026, 0, 1, 0, 0, 59, 500))).toBe(500);
    expect(quotaWindowMs('minute-quota', Date.UTC(2026, 0, 1, 0, 0, 0))).toBe(60_000);
    expect(quotaWindowMs('minute-quota', Date.UTC(2026, 0, 1, 0, 0, 15))).toBe(45_000);
  });

  it('45009 lasts until the next midnight in UTC+8 (16:00 UTC)', () => {
    expect(quotaWindowMs('daily-quota', Date.UTC(2026, 0, 1, 12, 0, 0))).toBe(4 * 3_600_000);
    expect(quotaWindowMs('daily-quota', Date.UTC(2026, 0, 1, 15, 59, 59, 999))).toBe(1);
    // Exactly midnight Beijing time: the quota just reset, the next reset is a full day away.
    expect(quotaWindowMs('daily-quota', Date.UTC(2026, 0, 1, 16, 0, 0))).toBe(86_400_000);
    // Past 16:00 UTC it is already the next day in Beijing.
    expect(quotaWindowMs('daily-quota', Date.UTC(2026, 0, 1, 17, 0, 0))).toBe(23 * 3_600_000);
    // Just after midnight UTC it is 08:00 in Beijing: 16 h left.
    expect(quotaWindowMs('daily-quota', Date.UTC(2026, 0, 2, 0, 0, 0))).toBe(16 * 3_600_000);
  });

  it('recognises only the quota reactions', () => {
    expect(isQuotaReaction('daily-quota')).toBe(true);
    expect(isQuotaReaction('minute-quota')).toBe(true);
    expect(isQuotaReaction('backoff')).toBe(false);
    expect(isQuotaReaction('config')).toBe(false);
  });
});

describe('cooldown remaining (retryAfterSeconds)', () => {
  it('rounds up and never says "retry now"', () => {
    expect(retryAfterSeconds(59_001)).toBe(60);
    expect(retryAfterSeconds(60_000)).toBe(60);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(0)).toBe(1);
  });
});

describe('background refresh time', () => {
  const policy = { marginMs: 300_000, jitterMs: 30_000, minDelayMs: 1000 };
  const t = token(T0, 7_200_000);

  it('fetches at once when there is no token', () => {
    expect(backgroundRefreshDelayMs(undefined, T0, policy, () => 0.5)).toBe(0);
  });

  it('is due just before the margin, earlier by up to the jitter', () => {
    expect(backgroundRefreshDelayMs(t, T0, policy, () => 0)).toBe(7_200_000 - 300_000);
    expect(backgroundRefreshDelayMs(t, T0, policy, () => 0.999_999)).toBeGreaterThanOrEqual(
      7_200_000 - 330_000,
    );
    expect(backgroundRefreshDelayMs(t, T0, policy, () => 0.5)).toBe(7_200_000 - 315_000);
  });

  it('scales the jitter down for short-lived tokens (at most 10 % of their life)', () => {
    const short = token(T0, 4_000);
    const delay = backgroundRefreshDelayMs(
      short,
      T0,
      { marginMs: 1000, jitterMs: 30_000, minDelayMs: 0 },
      () => 1,
    );
    expect(delay).toBe(2_600);
  });

  it('never schedules sooner than minDelayMs', () => {
    const expiring = token(T0 - 7_000_000, 7_200_000);
    expect(backgroundRefreshDelayMs(expiring, T0, policy, () => 0.5)).toBe(1000);
  });

  it('waits for the expiry of a token WeChat handed back inside its margin (no early renewal possible)', () => {
    const reissued = token(T0, 200_000);
    expect(backgroundRefreshDelayMs(reissued, T0, policy, () => 0.5)).toBe(200_000);
    expect(backgroundRefreshDelayMs(reissued, T0 + 199_900, policy, () => 0.5)).toBe(1000);
  });
});

describe('stable token renewal inside the early window', () => {
  const policy = { marginMs: 300_000, jitterMs: 30_000, minDelayMs: 1000 };
  const window = 300_000;
  const t = token(T0, 7_200_000);
  it.each([
    ['just as the window opens', 0, 7_200_000 - 300_000],
    ['half the jitter later', 0.5, 7_200_000 - 300_000 + 15_000],
    ['at most 10 % of the window later', 0.999_999, 7_200_000 - 300_000 + 30_000],
  ] as const)('is due %s', (_, draw, due) => {
    expect(backgroundRefreshDelayMs(t, T0, policy, () => draw, window)).toBe(due);
  });

  it.each([
    ['a 2 h token: WeChat’s 5 min', 7_200_000, 300_000],
    ['a 3 s test token: half its life', 3_000, 1_500],
  ] as const)('applies to %s', (_, lifetime, expected) => {
    expect(earlyWindowOf(token(T0, lifetime), window)).toBe(expected);
  });

  it('is never sooner than minDelayMs, and a handed-back token is retried a tenth of the window later', () => {
    expect(backgroundRefreshDelayMs(t, t.expiresAt - 1_000, policy, () => 0, window)).toBe(1_000);
    expect(sameTokenRetryDelayMs(t, policy, window)).toBe(30_000);
    expect(sameTokenRetryDelayMs(token(T0, 3_000), policy, window)).toBe(1_000);
  });
});
