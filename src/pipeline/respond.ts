import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import { API_RESPONSE_HEADER_LIST } from '../plugins/use-security-headers.js';
import type { Exchange } from './exchange.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** What a cross-origin page may read of an answer besides the CORS-safelisted headers. */
const EXPOSED_HEADERS = 'retry-after, x-request-id';

/**
 * The headers every answer carries, whichever phase writes it (an admission refusal, the compiled
 * phase, Yoga): the security headers with their API defaults (a page brings its own policy and
 * caching, which win: src/plugins/use-graphiql.ts, use-status-page.ts), the request id, and, for a
 * listed origin, what CORS lets its page read. A flat `[name, value, …]` list, as `writeHead` takes it.
 */
export function decoration(exchange: Exchange): string[] {
  const headers = [...API_RESPONSE_HEADER_LIST, REQUEST_ID_HEADER, exchange.requestId.id];
  if (exchange.origin !== undefined) {
    headers.push(
      'access-control-allow-origin',
      exchange.origin,
      'access-control-expose-headers',
      EXPOSED_HEADERS,
      'vary',
      'Origin',
    );
  }
  return headers;
}

/** Sets the decoration on a response another writer completes (Yoga's answer overrides what it sets itself). */
export function decorate(exchange: Exchange): void {
  const headers = decoration(exchange);
  for (let i = 0; i < headers.length; i += 2)
    exchange.res.setHeader(headers[i] as string, headers[i + 1] as string);
}

/** A refusal: the answer an admission phase gives instead of letting the request run. */
export interface Refusal {
  status: number;
  error: GatewayError;
  /** Headers the refusal needs (`WWW-Authenticate`, `Retry-After`, `Allow`, CORS preflight headers). */
  headers?: readonly string[];
  /** `extensions.reason`, where the code is a family (`BAD_REQUEST` for a `BAD_USER_INPUT`). */
  reason?: string;
}

/** The error contract's body for one error (docs/errors.md). */
export function errorBody(error: GatewayError, reason?: string): string {
  return JSON.stringify({
    errors: [
      {
        message: error.message,
        extensions: {
          code: error.code,
          retryable: error.retryable,
          ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
          ...(reason ? { reason } : {}),
        },
      },
    ],
  });
}

/**
 * Whether an answer leaves before its request's body has arrived (a 401, 411 or 413 refusal): its
 * connection closes, or Node would keep reading the rest to reuse it, and a client dripping a large
 * Content-Length would hold the socket, and a graceful shutdown, for as long as it likes.
 */
export function answersBeforeBody(req: { complete?: boolean }): boolean {
  return req.complete === false;
}

/** Writes an answer of `type` with `headers` (the decoration and any of the answer's own). */
export function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: readonly string[],
  type = 'application/json; charset=utf-8',
): void {
  res.writeHead(status, [
    ...headers,
    'content-type',
    type,
    'content-length',
    String(Buffer.byteLength(body)),
  ]);
  res.end(body);
}

/** Answers a refusal: the error contract's body, the decoration, the refusal's own headers. */
export function refuse(exchange: Exchange, refusal: Refusal): void {
  const headers = [...decoration(exchange), ...(refusal.headers ?? [])];
  if (answersBeforeBody(exchange.req)) headers.push('connection', 'close');
  send(exchange.res, refusal.status, errorBody(refusal.error, refusal.reason), headers);
}
