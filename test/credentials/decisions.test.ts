import { describe, expect, it } from 'vitest';
import { leaseHeldSince } from '../../src/credentials/fetcher.js';
import {
  backgroundRefreshDelayMs,
  earlyWindowOf,
  renewableFrom,
  sameValueRetryDelayMs,
} from '../../src/credentials/schedule.js';
import { credentialState, isNewer, refreshAction, renewableEarly } from '../../src/credentials/state.js';
import type { StoredCredential } from '../../src/store/ports.js';

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const token = (obtainedAt: number, lifetimeMs: number, value = 'tok-a'): StoredCredential => ({
  value,
  obtainedAt,
  expiresAt: obtainedAt + lifetimeMs,
});

describe('credentialState', () => {
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
    expect(credentialState(stored, now, margin)).toBe(state);
  });

  it('honours whatever lifetime WeChat gave, not 7200 s', () => {
    const short = token(T0, 10_000);
    expect(credentialState(short, T0 + 4_000, 5_000)).toBe('FRESH');
    expect(credentialState(short, T0 + 5_000, 5_000)).toBe('EXPIRING');
    expect(credentialState(short, T0 + 10_000, 5_000)).toBe('EXPIRED');
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
    expect(isNewer(undefined, seen)).toBe(false);
    expect(isNewer(seen, undefined)).toBe(true);
    expect(isNewer({ ...seen }, seen)).toBe(false);
    expect(isNewer(token(T0, 7_200_000, 'tok-b'), seen)).toBe(true);
    expect(isNewer(token(T0 + 1, 7_200_000), seen)).toBe(true);
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
  /** Our reckoning of the window's opening may be up to a second early (whole-second expires_in). */
  const surelyOpen = t.expiresAt - window + 1_000;
  it.each([
    ['once the window has surely opened (1 s after our reckoning)', 0, surelyOpen - T0],
    ['half the jitter later', 0.5, surelyOpen - T0 + 15_000],
    ['at most 10 % of the window later', 0.999_999, surelyOpen - T0 + 30_000],
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
    expect(sameValueRetryDelayMs(t, policy, window)).toBe(30_000);
    expect(sameValueRetryDelayMs(token(T0, 3_000), policy, window)).toBe(1_000);
  });
});

describe('renewableFrom: the first instant asking WeChat again can give a new value', () => {
  const margin = 300_000;
  it.each([
    ['a 2 h stable token: 1 s after its 5 min window opens', token(T0, 7_200_000), 300_000, T0 + 6_901_000],
    [
      'a 3 s stable test token: its half-life window, a quarter of it late',
      token(T0, 3_000),
      300_000,
      T0 + 1_875,
    ],
    [
      'a 2 h stable token with a 1 s window: a quarter of the window late',
      token(T0, 7_200_000),
      1_000,
      T0 + 7_199_250,
    ],
    ['a classic token: at once', token(T0, 7_200_000), undefined, Number.NEGATIVE_INFINITY],
    [
      'a classic token handed back inside its margin: at its expiry',
      token(T0, 200_000),
      undefined,
      T0 + 200_000,
    ],
  ] as const)('is %s', (_, credential, earlyWindowMs, from) => {
    expect(renewableFrom(credential, margin, earlyWindowMs)).toBe(from);
  });
});

/**
 * WeChat hands back the same stable token before its early window opens, so a renewal asked for then
 * costs a call for nothing. Whatever the margin (smaller than the window, equal, far larger, the whole
 * life), the background renewal lands inside the window: never before it has surely opened, never
 * later than a tenth of it after, and always before expiry.
 */
describe('stable token renewal lands inside the early window whatever the margin', () => {
  const window = 300_000;
  const t = token(T0, 7_200_000);
  const opensAt = t.expiresAt - window;
  const surelyOpen = renewableFrom(t, 0, window);
  const cases = [0, 60_000, 300_000, 900_000, 3_600_000, 7_200_000].flatMap((marginMs) =>
    [0, 0.5, 0.999_999].flatMap((draw) =>
      // From the token's start, and from just inside the margin, or just before the window when the
      // margin is the smaller (a replica that restarts late).
      [T0, t.expiresAt - Math.max(marginMs - 1, window + 1)].map((now) => [marginMs, draw, now] as const),
    ),
  );

  it.each(cases)('margin %i ms, jitter draw %d, scheduled at %i', (marginMs, draw, now) => {
    const policy = { marginMs, jitterMs: 30_000, minDelayMs: 1000 };
    const due = now + backgroundRefreshDelayMs(t, now, policy, () => draw, window);
    expect(renewableFrom(t, marginMs, window)).toBe(surelyOpen);
    expect(due).toBeGreaterThanOrEqual(surelyOpen);
    expect(due).toBeGreaterThan(opensAt);
    expect(due).toBeLessThanOrEqual(surelyOpen + window / 10);
    expect(due).toBeLessThan(t.expiresAt);
  });

  it('spreads replicas inside the window by their jitter draws', () => {
    const policy = { marginMs: 900_000, jitterMs: 30_000, minDelayMs: 1000 };
    const dues = [0, 0.25, 0.5, 0.75].map((draw) =>
      backgroundRefreshDelayMs(t, T0, policy, () => draw, window),
    );
    expect(dues).toEqual([0, 7_500, 15_000, 22_500].map((jitter) => surelyOpen - T0 + jitter));
  });
});

describe('leaseHeldSince: a lease taken as held before a call without asking the store', () => {
  it.each([
    // confirmedAt, now, leaseMs, held
    [T0, T0, 3_000, true],
    [T0, T0 + 999, 3_000, true],
    [T0, T0 + 1_000, 3_000, false], // a third of it gone: the holder renews it then, so it asks
    [T0, T0 + 60_000, 3_000, false], // paused past it
    [T0, T0 - 1, 3_000, false], // the clock went back: nothing is known
    [Number.NEGATIVE_INFINITY, T0, 3_000, false], // found lost
  ])('confirmed at %i, now %i, lease %i ms: %s', (confirmedAt, now, leaseMs, held) => {
    expect(leaseHeldSince(confirmedAt, now, leaseMs)).toBe(held);
  });
});
