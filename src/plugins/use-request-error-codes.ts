import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every error refused before a resolver ran (Yoga's BAD_REQUEST, GRAPHQL_PARSE_FAILED,
 * GRAPHQL_VALIDATION_FAILED…) is about what the client sent, so sending it again cannot help: it gets
 * the contract's `retryable: false`. Yoga's `originalError` goes: for a body that is not JSON it holds
 * the parser's message, which quotes the body back. Errors from resolvers already carry both fields
 * (src/graphql/errors.ts); the gateway's own refusals too.
 */
function contractFields(errors: readonly GraphQLError[] | undefined) {
  for (const error of errors ?? []) {
    const extensions = error.extensions as Record<string, unknown>;
    delete extensions.originalError;
    extensions.retryable ??= false;
  }
}

/**
 * Gives a stable code to the request errors graphql-js raises during execution without one: a
 * variable that does not coerce (wrong type, nested lists, missing non-null) fails the whole request
 * before any field runs, and the error contract says every failure carries `extensions.code`.
 * Field errors (with a `path`) are left to the error mapping of the schema. Then every error of
 * the answer gets the contract's fields (contractFields).
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
      for (const single of Array.isArray(result) ? result : [result]) contractFields(single.errors);
    },
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result)) label(result.errors);
        },
      };
    },
    // A subscription (the schema has none) fails in graphql-js without a code, like a bad variable.
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) label(result.errors);
        },
      };
    },
  };
}
