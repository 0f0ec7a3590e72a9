import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/index.js';
import type { BucketStore } from '../limits/bucket-store.js';
import { MemoryBucketStore } from '../limits/memory-bucket-store.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { ReservingBucketStore } from '../limits/reserving-bucket-store.js';
import { type Logger, silentLogger } from '../logger.js';
import { RedisBucketStore } from '../store/redis/redis-bucket-store.js';
import { useAuth } from './use-auth.js';
import { useCsrfPrevention } from './use-csrf-prevention.js';
import { useQueryLimits } from './use-query-limits.js';
import { useRateLimit } from './use-rate-limit.js';
import { useRequestErrorCodes } from './use-request-error-codes.js';
import { useSecurityHeaders } from './use-security-headers.js';
import { useTrustedDocuments } from './use-trusted-documents.js';

export interface SecurityOptions {
  config: Pick<Config, 'nodeEnv' | 'auth' | 'graphql' | 'limits' | 'redis'>;
  /** Where budgets live. @default Redis when `config.redis.endpoint` is set, else memory */
  buckets?: BucketStore;
  /** @default silentLogger */
  logger?: Logger;
}

export interface Security {
  /** In order: headers, CSRF, API key, request budget, trusted documents, query limits, request error codes. */
  plugins: Plugin[];
  limiter: RateLimiter;
  /** Closes the bucket store this created (not one that was passed in). */
  close(): Promise<void>;
}

/**
 * Budgets shared by every replica through Redis when there is one, reserved in shares so a request
 * costs no Redis round trip (reserving-bucket-store.ts has the error bound).
 */
function defaultBuckets(redis: Config['redis'], logger: Logger): BucketStore {
  if (!redis.endpoint) return new MemoryBucketStore();
  return new ReservingBucketStore({
    shared: new RedisBucketStore({ ...redis.endpoint, keyPrefix: redis.keyPrefix, logger }),
  });
}

/**
 * The security plugins of the Yoga server (docs/security.md; docs/architecture.md, "One request"), in
 * the order the checks must run: cheap refusals before the body is read (CSRF, key, budget), then
 * which documents may run and how large they may be.
 */
export function createSecurity(options: SecurityOptions): Security {
  const { config } = options;
  const buckets = options.buckets ?? defaultBuckets(config.redis, options.logger ?? silentLogger);
  const limiter = new RateLimiter(buckets, config.limits.rate);
  const auth = useAuth(config.auth);
  const trusted = config.graphql.trustedDocuments
    ? useTrustedDocuments(config.graphql.trustedDocuments)
    : undefined;
  const plugins: Plugin[] = [
    useSecurityHeaders(),
    useCsrfPrevention(),
    auth as Plugin,
    useRateLimit({ limiter, callerOf: auth.callerOf }) as Plugin,
    ...(trusted ? [trusted] : []),
    useQueryLimits(config.limits.query, {
      // Suggestions name fields; they leak the schema exactly where introspection is meant to hide it.
      blockFieldSuggestions: config.nodeEnv === 'production' || !config.graphql.introspection,
    }),
    useRequestErrorCodes(),
  ];
  return {
    plugins,
    limiter,
    close: async () => {
      if (!options.buckets) await buckets.close();
    },
  };
}
