import type { Plugin } from 'graphql-yoga';
import { ForbiddenError } from '../errors.js';
import { refuseRequest } from './http-error.js';
import { mediaTypeOf } from './media-type.js';

/** The header that marks a request as sent on purpose by a GraphQL client (any non-empty value). */
export const CSRF_HEADER = 'x-graphql-csrf';

/** Content types a browser sends cross-site without a CORS preflight (an HTML form can produce them). */
const SIMPLE_CONTENT_TYPES = new Set([
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'text/plain',
]);

/**
 * Refuses GraphQL requests a browser could send cross-site without asking first: a GET, or a POST with
 * a "simple" content type, must carry `x-graphql-csrf`. JSON POSTs (what GraphiQL and generated clients
 * send) are preflighted by browsers, so they pass as they are. Yoga's own CSRF plugin is a separate
 * package that is not installed; this is the same rule.
 */
export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.headers.get(CSRF_HEADER)?.trim()) return;
      const contentType = mediaTypeOf(request.headers.get('content-type'));
      if (contentType && !SIMPLE_CONTENT_TYPES.has(contentType)) return;
      throw refuseRequest(
        new ForbiddenError(
          `This request could have been forged by another web page: send it as POST with Content-Type: application/json, or add the header "${CSRF_HEADER}: 1".`,
        ),
        403,
      );
    },
  };
}
