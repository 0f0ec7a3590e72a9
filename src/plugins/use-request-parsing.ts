import { createGraphQLError, type Plugin, processRegularResult } from 'graphql-yoga';
import { BadUserInputError } from '../errors.js';
import { mediaTypeOf } from '../pipeline/media-type.js';
import { refuseRequest } from './http-error.js';

/**
 * Why a request's `operationName` cannot name an operation: anything but a string or absent (null).
 * Yoga refuses such a request here, and the compiled phase gives it no document key
 * (src/compiled/document-cache.ts), so Yoga is the one to answer it.
 */
export function operationNameProblem(operationName: unknown): string | undefined {
  if (operationName === undefined || operationName === null || typeof operationName === 'string') return;
  const given = Array.isArray(operationName) ? 'an array' : `a ${typeof operationName}`;
  return `"operationName" must be the name of an operation in the document (a string) or absent; got ${given}.`;
}

/**
 * Clear answers where Yoga's request handling gives none. Yoga's parsers choose themselves in their own
 * `onRequestParse`, which runs before any plugin of ours, so here `requestParser` is the one chosen:
 * - none (a body type no parser reads, say `application/xml`): 415 with a JSON `BAD_USER_INPUT` error,
 *   where Yoga alone answers 415 with an empty body and none of the gateway's headers;
 * - the GET and form parsers throw a bare SyntaxError for `variables` or `extensions` that are not
 *   JSON, which would be masked as INTERNAL_SERVER_ERROR and logged with a stack: 400 `BAD_USER_INPUT`;
 * - an `operationName` that is not a string (`["Q"]`, `true`), which Yoga passes on to every plugin:
 *   400 `BAD_USER_INPUT` with reason `BAD_REQUEST`, as for a body that is not JSON.
 */
export function useRequestParsing(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) {
        const contentType = mediaTypeOf(request.headers.get('content-type')) ?? 'none';
        throw refuseRequest(
          new BadUserInputError(
            `Content-Type "${contentType.slice(0, 100)}" is not supported: send the GraphQL request as POST with Content-Type: application/json, or as GET with query parameters.`,
          ),
          415,
        );
      }
      setRequestParser(async (incoming) => {
        let params: Awaited<ReturnType<typeof requestParser>>;
        try {
          params = await requestParser(incoming);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw refuseRequest(
            new BadUserInputError('The "variables" and "extensions" parameters must be JSON objects.'),
            400,
          );
        }
        for (const one of Array.isArray(params) ? params : [params]) {
          const problem = operationNameProblem((one as { operationName?: unknown } | null)?.operationName);
          if (problem) {
            throw createGraphQLError(problem, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
        }
        return params;
      });
    },
    // Runs after Yoga's own result processors: when none took the answer, it goes out as JSON rather
    // than as Yoga's empty 406 (the pipeline refuses an Accept no format answers before any of this).
    onResultProcess({ resultProcessor, setResultProcessor }) {
      if (!resultProcessor) setResultProcessor(processRegularResult, 'application/json');
    },
  };
}
