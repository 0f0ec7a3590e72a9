import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { sendNodeResponse } from '@whatwg-node/server';
import {
  BadUserInputError,
  type GatewayError,
  InternalServerError,
  MisdirectedRequestError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import type { EntryErrorCode, GatewayMetrics } from '../metrics/gateway-metrics.js';
import { type Authority, allowedBy, parseAuthority } from '../net/authority.js';
import { type Redactor, redact } from '../redact.js';
import { canonicalContentType } from './media-type.js';
import { REQUEST_ID_HEADER, type RequestId, requestIdFor } from './request-id.js';
import { API_RESPONSE_HEADER_LIST } from './use-security-headers.js';

/** A node:http handler: what Yoga and the compiled path are to the server. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The part of a Yoga server the entry drives: its Fetch answer to a node request, sent here. */
export interface FetchServer {
  handleNodeRequestAndResponse(
    req: IncomingMessage,
    res: ServerResponse,
    context: { req: IncomingMessage; res: ServerResponse },
  ): Response | Promise<Response>;
}

export interface FrontDoorOptions {
  /** GATEWAY_ALLOWED_HOSTS; empty: any well-formed `Host`. */
  allowedHosts: readonly Authority[];
  /** The `http` module's logger. */
  logger: Logger;
  /** The gateway's redaction, for the cause of a masked 500 (it knows every credential held). */
  redactor: Pick<Redactor, 'errorText'>;
  metrics?: GatewayMetrics;
  yoga: FetchServer;
  /** The compiled path's `handle`, which answers what it may and hands the rest to Yoga. */
  compiled?: (req: IncomingMessage, res: ServerResponse, yoga: NodeHandler) => unknown;
}

interface Refusal {
  status: number;
  error: GatewayError;
  code: EntryErrorCode;
  /** Why, for the log line: a fixed phrase, never the client's text. */
  problem: string;
}

const badRequest = (problem: string, message: string): Refusal => ({
  status: 400,
  error: new BadUserInputError(message),
  code: 'BAD_REQUEST',
  problem,
});

/** The request's `Host` headers as sent (node keeps only the first in `headers.host`). */
function hostHeaders(raw: readonly string[]): string[] {
  const hosts: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'host') hosts.push(raw[i + 1] ?? '');
  }
  return hosts;
}

/** What is wrong with the request's target or `Host`, if anything (GATEWAY_ALLOWED_HOSTS included). */
function refusalOf(req: IncomingMessage, allowed: readonly Authority[]): Refusal | undefined {
  // Origin-form only: the gateway is no proxy (`GET http://x/graphql`) and has no `*` resource.
  if (!req.url?.startsWith('/')) {
    return badRequest(
      'request target',
      'The request target must be a path starting with "/" (such as /graphql), not an absolute URL or "*".',
    );
  }
  const hosts = hostHeaders(req.rawHeaders);
  // HTTP/1.0 may leave Host out: nothing to check (a browser always sends one). HTTP/1.1 must send it
  // (RFC 9112, 3.2): node leaves that refusal to this entry (requireHostHeader: false in server.ts).
  if (hosts.length === 0) {
    if (req.httpVersion === '1.0') return undefined;
    return badRequest('Host missing', 'An HTTP/1.1 request must carry a Host header.');
  }
  if (hosts.length > 1) return badRequest('Host repeated', 'The request has more than one Host header.');
  const authority = parseAuthority(hosts[0] as string);
  if (!authority) {
    return badRequest(
      'malformed Host',
      'The Host header must be host[:port]: a DNS name or an IP address, and a port up to 65535.',
    );
  }
  if (allowed.length > 0 && !allowedBy(allowed, authority)) {
    return {
      status: 421,
      error: new MisdirectedRequestError(),
      code: 'MISDIRECTED_REQUEST',
      problem: 'Host not allowed',
    };
  }
  return undefined;
}

/** The request's id as a log line holds it: the caller's own is client text, redacted like any. */
const logged = (requestId: RequestId) => (requestId.fromCaller ? redact(requestId.id) : requestId.id);

function errorBody(error: GatewayError, reason: string | undefined): string {
  return JSON.stringify({
    errors: [
      {
        message: error.message,
        extensions: {
          code: error.code,
          retryable: error.retryable,
          ...(reason ? { reason } : {}),
        },
      },
    ],
  });
}

/** The headers of every JSON error the entry answers, as a flat name/value list. */
function errorHeaders(body: string, requestId: string, close: boolean): string[] {
  return [
    ...API_RESPONSE_HEADER_LIST,
    'content-type',
    'application/json; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    REQUEST_ID_HEADER,
    requestId,
    ...(close ? ['connection', 'close'] : []),
  ];
}

/** A JSON error answer with the gateway's headers and the request's id; closes a connection that sent garbage. */
function answer(
  res: ServerResponse,
  requestId: string,
  status: number,
  error: GatewayError,
  extra: { reason?: string; close?: boolean },
): void {
  const body = errorBody(error, extra.reason);
  res.writeHead(status, errorHeaders(body, requestId, extra.close ?? false));
  res.end(body);
}

/** What node's HTTP parser refuses before any request exists, by its error code (node's own statuses). */
const PARSER_REFUSALS: Readonly<Record<string, { status: number; reason: string; message: string }>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'REQUEST_TIMEOUT',
    message: 'The request was not received in time.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'HEADERS_TOO_LARGE',
    message: 'The request headers are too large.',
  },
};
const MALFORMED = {
  status: 400,
  reason: 'BAD_REQUEST',
  message: 'The request is not valid HTTP/1.1 (request line, target or headers).',
};

export interface FrontDoor {
  /** The server's request handler. */
  handle: NodeHandler;
  /** The server's `clientError` listener: what node's parser refuses, answered as the entry answers. */
  clientError(error: Error & { code?: string }, socket: Duplex): void;
}

/**
 * The node:http entry, in front of both executors (the compiled path and Yoga): every request passes
 * here first, so the rules below have this one owner whichever executor answers.
 * - a request target that is not a path, or a `Host` that is not `host[:port]` (or sent twice): 400
 *   `BAD_USER_INPUT` (reason `BAD_REQUEST`), where the Fetch adapter would throw `Invalid URL` and
 *   answer its stack in plain text;
 * - with GATEWAY_ALLOWED_HOSTS, a `Host` naming another host: 421 `MISDIRECTED_REQUEST` (a page that
 *   rebinds its DNS name to the gateway is same-origin with it for the browser, never for this list);
 * - `Content-Type` in its canonical form (media-type.ts), so neither executor compares it by case;
 * - anything thrown on the way to an answer, in either executor or in Yoga's adapter: the masked
 *   `INTERNAL_SERVER_ERROR` (500), its cause logged redacted.
 * Each of these answers carries the security headers and `x-request-id`, writes one log line and
 * counts in `wxgw_http_entry_errors_total` by code.
 */
export function createFrontDoor(options: FrontDoorOptions): FrontDoor {
  const { logger, metrics, yoga } = options;

  function failed(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    const requestId = requestIdFor(req.headers[REQUEST_ID_HEADER] as string | undefined);
    logger.error(
      {
        reqId: logged(requestId),
        code: 'INTERNAL_SERVER_ERROR',
        status: 500,
        err: options.redactor.errorText(error),
      },
      'request failed',
    );
    metrics?.observeEntryError('INTERNAL_SERVER_ERROR');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    answer(res, requestId.id, 500, new InternalServerError(), { close: true });
  }

  /** Yoga's own node listener, with its failures answered as every other unexpected error is. */
  const toYoga: NodeHandler = (req, res) =>
    Promise.resolve()
      .then(() => yoga.handleNodeRequestAndResponse(req, res, { req, res }))
      .then((response) => sendNodeResponse(response, res, req, true))
      .catch((error: unknown) => failed(req, res, error));

  function clientError(error: Error & { code?: string }, socket: Duplex): void {
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = PARSER_REFUSALS[error.code ?? ''] ?? MALFORMED;
    const requestId = requestIdFor(undefined);
    const code: EntryErrorCode = refusal.status === 400 ? 'BAD_REQUEST' : 'UNREADABLE_REQUEST';
    logger.info(
      {
        reqId: requestId.id,
        code: 'BAD_USER_INPUT',
        reason: refusal.reason,
        status: refusal.status,
        problem: error.code,
      },
      'request refused',
    );
    metrics?.observeEntryError(code);
    const body = errorBody(new BadUserInputError(refusal.message), refusal.reason);
    const headers = errorHeaders(body, requestId.id, true);
    let head = `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n`;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    socket.end(`${head}\r\n${body}`, () => socket.destroy());
  }

  const handle: NodeHandler = (req, res) => {
    const refusal = refusalOf(req, options.allowedHosts);
    if (refusal) {
      const requestId = requestIdFor(req.headers[REQUEST_ID_HEADER] as string | undefined);
      logger.info(
        {
          reqId: logged(requestId),
          code: refusal.error.code,
          status: refusal.status,
          problem: refusal.problem,
        },
        'request refused',
      );
      metrics?.observeEntryError(refusal.code);
      answer(res, requestId.id, refusal.status, refusal.error, {
        ...(refusal.status === 400 ? { reason: 'BAD_REQUEST' } : {}),
        close: true,
      });
      return;
    }
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && contentType !== 'application/json') {
      req.headers['content-type'] = canonicalContentType(contentType);
    }
    try {
      const handled = options.compiled ? options.compiled(req, res, toYoga) : toYoga(req, res);
      if (handled instanceof Promise) handled.catch((error: unknown) => failed(req, res, error));
    } catch (error) {
      failed(req, res, error);
    }
  };
  return { handle, clientError };
}
