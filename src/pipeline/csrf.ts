import type { IncomingMessage } from 'node:http';
import { ForbiddenError } from '../errors.js';
import { mediaTypeOf } from './media-type.js';
import type { Refusal } from './respond.js';

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
 * a "simple" content type (or none), must carry `x-graphql-csrf`. JSON POSTs (what GraphiQL and
 * generated clients send) are preflighted by browsers, so they pass as they are. The rule of Yoga's
 * `@graphql-yoga/plugin-csrf-prevention`, checked here on node:http because admission runs before any
 * executor (a Yoga plugin would not see what the compiled phase answers).
 */
export function csrfRefusal(req: IncomingMessage): Refusal | undefined {
  const marked = req.headers[CSRF_HEADER];
  if (typeof marked === 'string' ? marked.trim() : marked?.some((value) => value.trim())) return undefined;
  const contentType = mediaTypeOf(req.headers['content-type']);
  if (contentType && !SIMPLE_CONTENT_TYPES.has(contentType)) return undefined;
  return {
    status: 403,
    error: new ForbiddenError(
      `This request could have been forged by another web page: send it as POST with Content-Type: application/json, or add the header "${CSRF_HEADER}: 1".`,
    ),
  };
}
