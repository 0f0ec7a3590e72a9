import type { Plugin } from 'graphql-yoga';
import { BadUserInputError } from '../errors.js';
import { refuseRequest } from './http-error.js';

/**
 * Clear answers where Yoga's request parsers give none. Yoga's parsers choose themselves in their own
 * `onRequestParse`, which runs before any plugin of ours, so here `requestParser` is the one chosen:
 * - none (a body type no parser reads, say `application/xml`): 415 with a JSON `BAD_USER_INPUT` error,
 *   where Yoga alone answers 415 with an empty body and none of the gateway's headers;
 * - the GET and form parsers throw a bare SyntaxError for `variables` or `extensions` that are not
 *   JSON, which would be masked as INTERNAL_SERVER_ERROR and logged with a stack: 400 `BAD_USER_INPUT`.
 */
export function useRequestParsing(): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser) {
        const contentType = request.headers.get('content-type')?.split(';')[0]?.trim() || 'none';
        throw refuseRequest(
          new BadUserInputError(
            `Content-Type "${contentType.slice(0, 100)}" is not supported: send the GraphQL request as POST with Content-Type: application/json, or as GET with query parameters.`,
          ),
          415,
        );
      }
      setRequestParser(async (incoming) => {
        try {
          return await requestParser(incoming);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw refuseRequest(
            new BadUserInputError('The "variables" and "extensions" parameters must be JSON objects.'),
            400,
          );
        }
      });
    },
  };
}
