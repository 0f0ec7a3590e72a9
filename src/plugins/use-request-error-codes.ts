import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Gives a stable code to the request errors graphql-js raises during execution without one: a
 * variable that does not coerce (wrong type, nested lists, missing non-null) fails the whole request
 * before any field runs, and the error contract says every failure carries `extensions.code`.
 * Field errors (with a `path`) are left to the error mapping of the schema.
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
    onExecute() {
      return {
        onExecuteDone({ result }) {
          if (!(Symbol.asyncIterator in result)) label(result.errors);
        },
      };
    },
  };
}
