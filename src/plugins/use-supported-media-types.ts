import type { Plugin } from 'graphql-yoga';
import { BadUserInputError } from '../errors.js';
import { refuseRequest } from './http-error.js';

/**
 * Answers a request body that no GraphQL parser understands (say `application/xml`) with 415 and a
 * JSON error carrying `BAD_USER_INPUT`, where Yoga alone answers 415 with an empty body and none of
 * the gateway's headers. Yoga's parsers choose themselves in their own `onRequestParse`, which runs
 * before any plugin of ours, so an unset `requestParser` here means none applies.
 */
export function useSupportedMediaTypes(): Plugin {
  return {
    onRequestParse({ request, requestParser }) {
      if (requestParser) return;
      const contentType = request.headers.get('content-type')?.split(';')[0]?.trim() || 'none';
      throw refuseRequest(
        new BadUserInputError(
          `Content-Type "${contentType.slice(0, 100)}" is not supported: send the GraphQL request as POST with Content-Type: application/json, or as GET with query parameters.`,
        ),
        415,
      );
    },
  };
}
