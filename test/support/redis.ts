import { describe, inject } from 'vitest';

/** The Redis URL found by the global setup, or '' when none (then Redis suites skip; CI fails earlier). */
export const redisUrl: string = inject('redisUrl');

/** `describe` for suites that need a real Redis. */
export const describeRedis = describe.skipIf(!redisUrl);
