import type { IncomingMessage } from 'node:http';
import { BadUserInputError, ForbiddenError } from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { redact } from '../redact.js';
import { CSRF_HEADER } from './csrf.js';
import type { Refusal } from './respond.js';

export interface CorsOptions {
  /** Exact origins whose pages may call the gateway (GATEWAY_CORS_ORIGINS); empty: no page may (preflights refused). */
  origins: readonly string[];
  /** The path answered across origins. @default '/graphql' */
  graphqlEndpoint?: string;
  /** How long a browser may cache a preflight answer, in seconds. @default 600 */
  maxAgeSeconds?: number;
  /** Told of each refused origin: the browser hides the 403's body from the page. @default silentLogger */
  logger?: Logger;
}

/** What CORS makes of a request: nothing (not cross-origin), a listed origin, or an answer of its own. */
export type CorsDecision =
  | undefined
  | { origin: string }
  | { answer: Refusal }
  /** A preflight that passes: 204 with these headers. */
  | { preflight: readonly string[] };

/** Longer `Origin` headers are cut in the log line: an origin is a scheme, a host and a port. */
const MAX_LOGGED_ORIGIN = 200;

const ALLOWED_METHODS = 'GET, POST';
/** What the gateway's clients send: JSON, the API key (either header), the CSRF header, a request id. */
const ALLOWED_HEADERS = ['accept', 'authorization', 'content-type', 'x-api-key', CSRF_HEADER, 'x-request-id'];

/** The request's own origin as a browser names it (same-origin requests are not CORS). */
function ownOrigin(req: IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/** A browser's CORS preflight: only ever sent for a cross-origin request. */
function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
}

/**
 * Cross-origin calls from the listed origins' pages (a WeChat page asking for its `wx.config`): their
 * preflights are answered here, before the CSRF rule and the API-key check (a preflight carries neither),
 * and their answers carry `Access-Control-Allow-Origin` with that exact origin (respond.ts). Never `*`,
 * never credentials: keys travel in headers, not cookies. A request from any other origin, or to another
 * path, is refused with 403 naming the setting; same-origin requests (GraphiQL, the status page) and
 * requests without `Origin` (services) are not CORS and pass untouched. With no origins listed, a
 * preflight is refused the same way (403 naming the setting, and a warning naming the origin); every
 * other request passes untouched (the browser's same-origin policy refuses cross-origin reads).
 */
export function createCors(
  options: CorsOptions,
): (req: IncomingMessage, path: string, reqId: string) => CorsDecision {
  const allowed = new Set(options.origins);
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  const maxAge = String(options.maxAgeSeconds ?? 600);
  const logger = (options.logger ?? silentLogger).child({ module: 'cors' });
  return (req, path, reqId) => {
    const origin = req.headers.origin;
    if (!origin || origin === ownOrigin(req)) return undefined;
    // With CORS off, only a preflight is surely cross-origin (a page's POST carries `Origin` too, and a
    // TLS-terminating proxy makes a same-origin one look foreign): it is refused with the fix named,
    // where it would otherwise be a silent 405. Other requests pass untouched.
    if (allowed.size === 0 && !isPreflight(req)) return undefined;
    if (!allowed.has(origin) || path !== endpoint) {
      // A page sees only "Failed to fetch": this line is where its developer learns why. An origin is
      // no secret, but it is client text: redacted and cut like any.
      const shown = redact(origin.slice(0, MAX_LOGGED_ORIGIN));
      logger.warn(
        {
          reqId: redact(reqId),
          origin: shown,
          path: redact(path.slice(0, MAX_LOGGED_ORIGIN)),
          method: req.method,
        },
        allowed.has(origin)
          ? `refused a cross-origin request from ${shown} to ${path}: only ${endpoint} answers other origins`
          : `refused a cross-origin request from ${shown}: add it to GATEWAY_CORS_ORIGINS to allow it`,
      );
      return {
        answer: {
          status: 403,
          error: new ForbiddenError(
            `Origin ${origin} may not call this gateway from a web page: add it to GATEWAY_CORS_ORIGINS to allow it.`,
          ),
          headers: ['vary', 'Origin'],
        },
      };
    }
    if (req.method !== 'OPTIONS') return { origin };
    const requested = (req.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const unknown = requested.filter((h) => !ALLOWED_HEADERS.includes(h));
    const method = req.headers['access-control-request-method'] ?? '';
    const headers = [
      'access-control-allow-origin',
      origin,
      'access-control-allow-methods',
      ALLOWED_METHODS,
      'access-control-allow-headers',
      ALLOWED_HEADERS.join(', '),
      'access-control-max-age',
      maxAge,
      'vary',
      'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    ];
    // An unlisted method or header fails the preflight in the browser anyway: the answer says why.
    if (!ALLOWED_METHODS.split(', ').includes(method) || unknown.length > 0) {
      return {
        answer: {
          status: 403,
          error: new BadUserInputError(
            `A cross-origin ${method.slice(0, 20) || 'request'} with headers [${unknown.join(', ').slice(0, 200)}] is not allowed: use ${ALLOWED_METHODS} and only ${ALLOWED_HEADERS.join(', ')}.`,
          ),
          headers,
        },
      };
    }
    return { preflight: headers };
  };
}
