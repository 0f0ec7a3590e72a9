import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import { Redactor } from '../redact.js';
import { REQUEST_ID_HEADER, type RequestId, requestIdFor, requestIdFrom } from './request-id.js';
import { createRequestLineWriter } from './request-line.js';
import { trackGraphQLRequests } from './track-graphql-requests.js';

export interface RequestLoggingOptions {
  logger: Logger;
  /** The logger's redactor: the request line's client text leaves through it. @default a redactor of its own (patterns only) */
  redactor?: Redactor;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
  /** Makes ids for requests that bring none (tests make them predictable). @default crypto.randomUUID */
  generateId?: () => string;
}

const requestIds = new WeakMap<object, RequestId>();

function requestIdEntry(serverContext: object): RequestId | undefined {
  return requestIds.get(serverContext) ?? requestIds.get(Object.getPrototypeOf(serverContext) as object);
}

/** The id of the request a Yoga server context belongs to (for other plugins' log lines). */
export function requestIdOf(serverContext: object): string | undefined {
  return requestIdEntry(serverContext)?.id;
}

/**
 * Gives every request an id (the caller's `x-request-id` when sane, else a new one) and echoes it in
 * the response, and writes one line per GraphQL request: operation name, duration, result code and
 * HTTP status. Register it first, so requests that other plugins refuse are logged too.
 */
export function useRequestLogging(options: RequestLoggingOptions): Plugin {
  const writeLine = createRequestLineWriter(
    options.logger.child({ module: 'http' }),
    options.redactor ?? new Redactor(),
  );
  const tracker = trackGraphQLRequests({
    graphqlEndpoint: options.graphqlEndpoint,
    onOutcome({ serverContext, operationName, code, reason, status, durationMs }) {
      const requestId = requestIdEntry(serverContext);
      writeLine({
        reqId: requestId?.id,
        reqIdFromCaller: requestId?.fromCaller ?? false,
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
        requestIdFor(payload.request.headers.get(REQUEST_ID_HEADER), options.generateId),
      );
      return tracker.onRequest?.(payload);
    },
    onParams: tracker.onParams,
    onExecute: tracker.onExecute,
    onResultProcess: tracker.onResultProcess,
    onResponse(payload) {
      // Yoga's own endpoints answer before any plugin's onRequest: they get their id here.
      const id =
        requestIds.get(payload.serverContext)?.id ??
        requestIdFrom(payload.request.headers.get(REQUEST_ID_HEADER), options.generateId);
      payload.response.headers.set(REQUEST_ID_HEADER, id);
      return tracker.onResponse?.(payload);
    },
  };
}
