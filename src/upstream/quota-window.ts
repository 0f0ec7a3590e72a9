import type { ErrcodeReaction } from '../wechat/errors.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** WeChat resets daily quotas at midnight Beijing time, which has no daylight saving. */
const BEIJING_OFFSET_MS = 8 * 3_600_000;

export type QuotaReaction = Extract<ErrcodeReaction, 'daily-quota' | 'minute-quota'>;

export function isQuotaReaction(reaction: ErrcodeReaction): reaction is QuotaReaction {
  return reaction === 'daily-quota' || reaction === 'minute-quota';
}

/** How long a quota circuit stays open: until the next midnight UTC+8, or the next minute boundary. */
export function quotaWindowMs(reaction: QuotaReaction, now: number): number {
  if (reaction === 'minute-quota') return (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS - now;
  const beijing = now + BEIJING_OFFSET_MS;
  return (Math.floor(beijing / DAY_MS) + 1) * DAY_MS - beijing;
}

/**
 * When a circuit with `remainingMs` left at `now` closes. A quota window ends on a whole minute, but
 * the store's time left and `now` are read a few milliseconds apart, so the end is given to the second.
 */
export function quotaWindowEnd(now: number, remainingMs: number): Date {
  return new Date(Math.round((now + remainingMs) / 1000) * 1000);
}

/** Whole seconds a client should wait for `remainingMs`; at least 1 so "retry now" is never said. */
export function retryAfterSeconds(remainingMs: number): number {
  return Math.max(1, Math.ceil(remainingMs / 1000));
}
