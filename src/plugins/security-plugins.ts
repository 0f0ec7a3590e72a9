import type { Plugin } from 'graphql-yoga';
import type { Config } from '../config/index.js';
import type { BucketStore } from '../limits/bucket-store.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { useQueryLimits } from './use-query-limits.js';
import { useRequestErrorCodes } from './use-request-error-codes.js';
import { useTrustedDocuments } from './use-trusted-documents.js';

export interface SecurityOptions {
  config: Pick<Config, 'nodeEnv' | 'graphql' | 'limits'>;
  /** Where budgets live (the composition root chooses: src/build-gateway.ts). */
  buckets: BucketStore;
}

export interface Security {
  /** In order: trusted documents, query limits, request error codes. */
  plugins: Plugin[];
  /** The budgets the pipeline's admission draws from (src/pipeline/pipeline.ts). */
  limiter: RateLimiter;
}

/**
 * The gateway's security rules inside GraphQL (docs/security.md; docs/architecture.md, "One request"):
 * which documents may run and how large they may be, and the error contract. What is checked before a
 * request is an operation (CSRF, key, budget, body) is the pipeline's admission (src/pipeline/).
 */
export function createSecurity(options: SecurityOptions): Security {
  const { config } = options;
  const limiter = new RateLimiter(options.buckets, config.limits.rate);
  const trusted = config.graphql.trustedDocuments
    ? useTrustedDocuments(config.graphql.trustedDocuments)
    : undefined;
  const plugins: Plugin[] = [
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
  };
}
