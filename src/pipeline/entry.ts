import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { setNewest } from '../bounded-map.js';
import { BadUserInputError, type GatewayError, MisdirectedRequestError } from '../errors.js';
import type { EntryErrorCode } from '../metrics/gateway-metrics.js';
import { type Authority, allowedBy, parseAuthority } from '../net/authority.js';
import { API_RESPONSE_HEADER_LIST } from '../plugins/use-security-headers.js';
import { REQUEST_ID_HEADER } from './request-id.js';
import { errorBody } from './respond.js';

/** What the entry refuses before a request is anyone's: its target or its `Host`. */
export interface EntryRefusal {
  status: number;
  error: GatewayError;
  code: EntryErrorCode;
  /** Why, for the log line: a fixed phrase, never the client's text. */
  problem: string;
}

const badRequest = (problem: string, message: string): EntryRefusal => ({
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

/** `Host` texts recently parsed: a client sends the same one on every request. */
const MAX_REMEMBERED_HOSTS = 256;
const hostAuthorities = new Map<string, Authority | null>();

/** `parseAuthority`, remembered for the most recent `Host` texts (a flood of new ones only costs parsing). */
function hostAuthority(text: string): Authority | undefined {
  let authority = hostAuthorities.get(text);
  if (authority === undefined) {
    authority = parseAuthority(text) ?? null;
    setNewest(hostAuthorities, text, authority, MAX_REMEMBERED_HOSTS);
  }
  return authority ?? undefined;
}

/**
 * What is wrong with the request's target or `Host`, if anything (GATEWAY_ALLOWED_HOSTS included):
 * - a request target that is not a path, or a `Host` that is not `host[:port]` (or sent twice): 400
 *   `BAD_USER_INPUT` (reason `BAD_REQUEST`), where the Fetch adapter would throw `Invalid URL` and
 *   answer its stack in plain text;
 * - with GATEWAY_ALLOWED_HOSTS, a `Host` naming another host: 421 `MISDIRECTED_REQUEST` (a page that
 *   rebinds its DNS name to the gateway is same-origin with it for the browser, never for this list).
 */
export function entryRefusal(req: IncomingMessage, allowed: readonly Authority[]): EntryRefusal | undefined {
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
  const authority = hostAuthority(hosts[0] as string);
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

/**
 * The answer to what node's parser refused (no request exists to answer through), as raw HTTP with the
 * same headers and body as every other refusal; the connection closes.
 */
export function parserRefusal(code: string | undefined): {
  status: number;
  reason: string;
  raw(requestId: string): string;
} {
  const refusal = PARSER_REFUSALS[code ?? ''] ?? MALFORMED;
  return {
    status: refusal.status,
    reason: refusal.reason,
    raw(requestId) {
      const body = errorBody(new BadUserInputError(refusal.message), refusal.reason);
      const headers = [
        ...API_RESPONSE_HEADER_LIST,
        REQUEST_ID_HEADER,
        requestId,
        'content-type',
        'application/json; charset=utf-8',
        'content-length',
        String(Buffer.byteLength(body)),
        'connection',
        'close',
      ];
      let head = `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\n`;
      for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
      return `${head}\r\n${body}`;
    },
  };
}
