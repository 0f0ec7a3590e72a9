import type { ExecutionResult } from 'graphql';

/** The label and log value of a request that produced no error. */
export const OK = 'ok';

/** Responses that carry no GraphQL result (refused before parsing), named by their HTTP status. */
const STATUS_CODES: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** `ok`, or the `extensions.code` of the first error (errors without one count as internal). */
export function resultCode(result: unknown): string {
  const first = Array.isArray(result) ? result[0] : result;
  if (!first || typeof first !== 'object' || !('errors' in first)) return OK;
  const errors = (first as ExecutionResult).errors;
  if (!errors || errors.length === 0) return OK;
  const code = errors[0]?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/**
 * Why the first error has its code, when the code is a family (`BAD_USER_INPUT` for Yoga's
 * `GRAPHQL_VALIDATION_FAILED`, `GRAPHQL_PARSE_FAILED`, `BAD_REQUEST`…): its `extensions.reason`.
 */
export function resultReason(result: unknown): string | undefined {
  const first = Array.isArray(result) ? result[0] : result;
  if (!first || typeof first !== 'object' || !('errors' in first)) return undefined;
  const reason = (first as ExecutionResult).errors?.[0]?.extensions?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/** The code of a response that carries no GraphQL result, from its HTTP status. */
export function statusCode(status: number): string {
  if (status < 400) return OK;
  return STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
}
