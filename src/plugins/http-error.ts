import { createGraphQLError } from 'graphql-yoga';
import type { GatewayError } from '../errors.js';

/**
 * A GraphQL error that refuses the whole HTTP request with `status` (Yoga turns `extensions.http` into
 * the response status and headers and strips it from the body), carrying the error contract's fields.
 */
export function refuseRequest(error: GatewayError, status: number, headers: Record<string, string> = {}) {
  return createGraphQLError(error.message, {
    extensions: {
      code: error.code,
      retryable: error.retryable,
      retryAfterSeconds: error.retryAfterSeconds,
      http: { status, headers },
    },
  });
}
