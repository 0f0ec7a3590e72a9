import { GraphQLError } from 'graphql';
import type { MaskError } from 'graphql-yoga';
import { GatewayError, type GatewayErrorCode, InternalServerError } from '../errors.js';
import type { Logger } from '../logger.js';
import { Redactor } from '../redact.js';
import { WeChatError } from '../wechat/errors.js';

/** The `extensions` every gateway failure carries (docs/error-codes.md). */
export interface ErrorExtensions {
  code: GatewayErrorCode;
  retryable: boolean;
  retryAfterSeconds?: number;
  errcode?: number;
  errmsg?: string;
  rid?: string;
}

export const UNEXPECTED_ERROR_MESSAGE = new InternalServerError().message;

function errorExtensions(error: GatewayError, redactor?: Redactor): ErrorExtensions {
  const wechat =
    error instanceof WeChatError
      ? {
          errcode: error.errcode,
          errmsg: redactor ? redactor.redact(error.errmsg) : error.errmsg,
          rid: error.rid,
        }
      : {};
  return {
    code: error.code,
    retryable: error.retryable,
    retryAfterSeconds: error.retryAfterSeconds,
    ...wechat,
  };
}

/** Keeps where the error happened (path, locations) and replaces what it says. */
function reshape(at: GraphQLError | undefined, message: string, extensions: ErrorExtensions): GraphQLError {
  return new GraphQLError(message, {
    nodes: at?.nodes,
    source: at?.source,
    positions: at?.positions,
    path: at?.path,
    extensions: { ...extensions },
  });
}

/** A GraphQLError built by graphql-js or Yoga itself (validation, parsing, HTTP): already safe to show. */
function isOwnGraphQLError(error: unknown): error is GraphQLError {
  return (
    error instanceof GraphQLError &&
    (error.originalError == null || error.originalError instanceof GraphQLError)
  );
}

/**
 * Yoga's `maskedErrors.maskError`: gateway errors become contract errors, GraphQL's own errors pass,
 * anything else is logged (redacted) and answered as "Unexpected error." with no detail or stack.
 *
 * Every error it replaces is added to `reshaped`: Yoga logs each replaced error at error level, which
 * for a gateway error (a client's UNKNOWN_APP, a WeChat errcode) is an answer, not a server fault, and
 * for an unexpected one repeats the line logged here. Its logger uses the set to tell them apart.
 * Messages leave through the gateway's `redactor`, which knows every credential it holds.
 */
export function createMaskError(
  logger: Logger,
  reshaped: WeakSet<object> = new WeakSet(),
  redactor: Redactor = new Redactor(),
): MaskError {
  return (error) => {
    const located = error instanceof GraphQLError ? error : undefined;
    const original = located?.originalError ?? error;
    if (original instanceof GatewayError) {
      if (typeof error === 'object' && error !== null) reshaped.add(error);
      return reshape(located, redactor.redact(original.message), errorExtensions(original, redactor));
    }
    if (isOwnGraphQLError(error)) return error;
    if (typeof error === 'object' && error !== null) reshaped.add(error);
    const cause = original instanceof Error ? original : new Error(String(original));
    logger.error(
      {
        err: redactor.serializeError(cause),
        path: located?.path?.join('.'),
      },
      'unexpected error while resolving a GraphQL request',
    );
    const internal = new InternalServerError();
    return reshape(located, internal.message, errorExtensions(internal));
  };
}
