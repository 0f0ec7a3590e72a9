import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Yoga's codes for a request refused before any resolver ran: all about what the client sent. */
const REQUEST_ERROR_CODES = new Set([
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * The error contract lists the codes a client can meet, so a request Yoga refuses (not JSON, no
 * query, a parse or validation failure…) is `BAD_USER_INPUT`; Yoga's own name stays in
 * `extensions.reason` for clients that know it. Sending it again cannot help: `retryable: false`.
 * Yoga's `originalError` goes: for a body that is not JSON it holds the parser's message, which quotes
 * the body back. Errors from resolvers already carry the contract's fields (src/graphql/errors.ts).
 * The one owner of these fields for every executor: Yoga's (below) and the compiled phase's.
 */
export function toErrorContract(errors: readonly GraphQLError[] | undefined) {
  for (const error of errors ?? []) {
    const extensions = error.extensions as Record<string, unknown>;
    delete extensions.originalError;
    if (typeof extensions.code === 'string' && REQUEST_ERROR_CODES.has(extensions.code)) {
      extensions.reason = extensions.code;
      extensions.code = 'BAD_USER_INPUT';
    }
    // A request that is not well-formed GraphQL-over-HTTP (a body that is not JSON, no query) is a 400
    // for every client; Yoga's `spec` mark would answer application/json clients 200.
    const http = extensions.http as { spec?: boolean } | undefined;
    if (extensions.reason === 'BAD_REQUEST' && http?.spec) delete http.spec;
    extensions.retryable ??= false;
  }
}

/**
 * Gives a stable code to the request errors graphql-js raises during execution without one: a
 * variable that does not coerce (wrong type, nested lists, missing non-null) fails the whole request
 * before any field runs, and the error contract says every failure carries `extensions.code`.
 * Field errors (with a `path`) are left to the error mapping of the schema. Then every error of
 * the answer gets the contract's fields (toErrorContract).
 */
export function useRequestErrorCodes(): Plugin {
  const label = (errors: readonly GraphQLError[] | undefined) => {
    for (const error of errors ?? []) {
      if (error.path === undefined && error.extensions.code === undefined) {
        Object.assign(error.extensions, { code: 'BAD_USER_INPUT', retryable: false });
      }
    }
  };
  return {
    onResultProcess({ result }) {
      if (Symbol.asyncIterator in result) return;
      for (const single of Array.isArray(result) ? result : [result]) toErrorContract(single.errors);
    },
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result)) label(result.errors);
        },
      };
    },
    // A subscription that fails before its stream starts (a bad variable) has no code either.
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) label(result.errors);
        },
      };
    },
  };
}
