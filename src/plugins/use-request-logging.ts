import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import { GRAPHQL_NAME } from '../metrics/bounded-label.js';
import { OK } from '../metrics/result-code.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
import { trackGraphQLRequests } from './track-graphql-requests.js';

export interface RequestLoggingOptions {
  logger: Logger;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
  /** Makes ids for requests that bring none (tests make them predictable). @default crypto.randomUUID */
  generateId?: () => string;
}

const requestIds = new WeakMap<object, string>();

/** The id of the request a Yoga server context belongs to (for other plugins' log lines). */
export function requestIdOf(serverContext: object): string | undefined {
  return requestIds.get(serverContext) ?? requestIds.get(Object.getPrototypeOf(serverContext) as object);
}

/** What one line of the request log says (the Yoga path and the compiled path write the same). */
export interface RequestLine {
  reqId: string | undefined;
  operationName: string | undefined;
  code: string;
  reason?: string | undefined;
  status: number;
  durationMs: number;
}

/** Writes one request line to a logger that is already the `http` module's child. */
export function logRequestLine(logger: Logger, request: RequestLine): void {
  const line = {
    reqId: request.reqId,
    // Client-chosen text: logged only when it is a plain GraphQL name.
    operation:
      request.operationName === undefined || GRAPHQL_NAME.test(request.operationName)
        ? request.operationName
        : '[invalid]',
    durationMs: Math.round(request.durationMs * 10) / 10,
    code: request.code,
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    status: request.status,
  };
  if (request.status >= 500) logger.error(line, 'graphql request');
  else if (request.code !== OK) logger.info(line, 'graphql request failed');
  else logger.info(line, 'graphql request');
}

/**
 * Gives every request an id (the caller's `x-request-id` when sane, else a new one) and echoes it in
 * the response, and writes one line per GraphQL request: operation name, duration, result code and
 * HTTP status. Register it first, so requests that other plugins refuse are logged too.
 */
export function useRequestLogging(options: RequestLoggingOptions): Plugin {
  const logger = options.logger.child({ module: 'http' });
  const tracker = trackGraphQLRequests({
    graphqlEndpoint: options.graphqlEndpoint,
    onOutcome({ serverContext, operationName, code, reason, status, durationMs }) {
      logRequestLine(logger, {
        reqId: requestIdOf(serverContext),
        operationName,
        code,
        reason,
        status,
        durationMs,
      });
    },
  });
  return {
    onRequest(payload) {
      requestIds.set(
        payload.serverContext,
        requestIdFrom(payload.request.headers.get(REQUEST_ID_HEADER), options.generateId),
      );
      return tracker.onRequest?.(payload);
    },
    onParams: tracker.onParams,
    onExecute: tracker.onExecute,
    onResultProcess: tracker.onResultProcess,
    onResponse(payload) {
      // Yoga's own endpoints answer before any plugin's onRequest: they get their id here.
      const id =
        requestIds.get(payload.serverContext) ??
        requestIdFrom(payload.request.headers.get(REQUEST_ID_HEADER), options.generateId);
      payload.response.headers.set(REQUEST_ID_HEADER, id);
      return tracker.onResponse?.(payload);
    },
  };
}
