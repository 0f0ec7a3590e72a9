import type { Random } from '../clock.js';

/** Retries of a call WeChat answered with "busy" (-1/-1000). */
export interface BusyRetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Ceiling of the first delay; each next ceiling doubles. */
  baseMs: number;
  /** The sum of all delays stays strictly below this. */
  totalMs: number;
}

/**
 * Upper bounds of each retry delay: exponential, cut so that their sum never exceeds `totalMs`.
 * Full jitter draws each delay in [0, ceiling), so the total actually waited is always < `totalMs`.
 */
export function busyRetryCeilings(policy: BusyRetryPolicy): number[] {
  const ceilings: number[] = [];
  let budget = policy.totalMs;
  for (let i = 0; i < policy.retries; i++) {
    const ceiling = Math.min(policy.baseMs * 2 ** i, budget);
    ceilings.push(ceiling);
    budget -= ceiling;
  }
  return ceilings;
}

/** The delay before retry number `retry` (0-based), or undefined when the retries are spent. */
export function busyRetryDelay(retry: number, policy: BusyRetryPolicy, random: Random): number | undefined {
  const ceiling = busyRetryCeilings(policy)[retry];
  return ceiling === undefined ? undefined : Math.floor(random() * ceiling);
}

/** How a failing background refresh waits before trying again. */
export interface FailureBackoffPolicy {
  /** Delay ceiling after the first failure; doubles with each further failure. */
  baseMs: number;
  /** The ceiling never grows beyond this. */
  maxMs: number;
}

/**
 * Delay after `failures` consecutive failures (1 for the first): "equal jitter", so it is at least
 * half the ceiling (never a tight loop) and at most the ceiling (capped growth).
 */
export function failureBackoffDelay(failures: number, policy: FailureBackoffPolicy, random: Random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
