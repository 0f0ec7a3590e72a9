import { describe, expect, it } from 'vitest';
import { busyRetryCeilings, busyRetryDelay, failureBackoffDelay } from '../../src/upstream/backoff.js';
import { isQuotaReaction, quotaWindowMs, retryAfterSeconds } from '../../src/upstream/quota-window.js';

/** The upstream rules' pure decisions: how long to back off, how long a quota circuit stays open. */

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
