import type { Plugin } from 'graphql-yoga';
import { type Logger, silentLogger } from '../logger.js';
import { redact } from '../redact.js';
import { CSRF_HEADER } from './use-csrf-prevention.js';
import { requestIdOf } from './use-request-logging.js';

export interface CorsOptions {
  /** Exact origins whose pages may call the gateway (GATEWAY_CORS_ORIGINS); empty turns CORS off. */
  origins: readonly string[];
  /** The path answered across origins. @default '/graphql' */
  graphqlEndpoint?: string;
  /** How long a browser may cache a preflight answer, in seconds. @default 600 */
  maxAgeSeconds?: number;
  /** Told of each refused origin: the browser hides the 403's body from the page. @default silentLogger */
  logger?: Logger;
}

/** Longer `Origin` headers are cut in the log line: an origin is a scheme, a host and a port. */
const MAX_LOGGED_ORIGIN = 200;

const ALLOWED_METHODS = 'GET, POST';
/** What the gateway's clients send: JSON, the API key (either header), the CSRF header, a request id. */
const ALLOWED_HEADERS = ['accept', 'authorization', 'content-type', 'x-api-key', CSRF_HEADER, 'x-request-id'];
const EXPOSED_HEADERS = 'retry-after, x-request-id';

function refusal(origin: string, status: number): Response {
  const message = `Origin ${origin} may not call this gateway from a web page: add it to GATEWAY_CORS_ORIGINS to allow it.`;
  return Response.json(
    { errors: [{ message, extensions: { code: 'FORBIDDEN', retryable: false } }] },
    { status, headers: { vary: 'Origin', 'cache-control': 'no-store' } },
  );
}

/**
 * Cross-origin calls from the listed origins' pages (a WeChat page asking for its `wx.config`): their
 * preflights are answered here, before the CSRF rule and the API-key check (a preflight carries neither),
 * and their answers carry `Access-Control-Allow-Origin` with that exact origin. Never `*`, never
 * credentials: keys travel in headers, not cookies. A request from any other origin is refused with 403
 * naming the setting; same-origin requests (GraphiQL, the status page) and requests without `Origin`
 * (services) are not CORS and pass untouched. With no origins listed, the plugin does nothing.
 */
export function useCors(options: CorsOptions): Plugin {
  const allowed = new Set(options.origins);
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  const maxAge = String(options.maxAgeSeconds ?? 600);
  const crossOrigin = new WeakMap<Request, string>();
  const logger = (options.logger ?? silentLogger).child({ module: 'cors' });
  if (allowed.size === 0) return {};
  return {
    onRequest({ request, url, serverContext, endResponse }) {
      const origin = request.headers.get('origin');
      if (!origin || origin === url.origin) return;
      if (!allowed.has(origin) || url.pathname !== endpoint) {
        // A page sees only "Failed to fetch": this line is where its developer learns why. An origin is
        // no secret, but it is client text: redacted and cut like any.
        const shown = redact(origin.slice(0, MAX_LOGGED_ORIGIN));
        const reqId = requestIdOf(serverContext);
        logger.warn(
          {
            reqId: reqId === undefined ? undefined : redact(reqId),
            origin: shown,
            path: url.pathname,
            method: request.method,
          },
          allowed.has(origin)
            ? `refused a cross-origin request from ${shown} to ${url.pathname}: only ${endpoint} answers other origins`
            : `refused a cross-origin request from ${shown}: add it to GATEWAY_CORS_ORIGINS to allow it`,
        );
        endResponse(refusal(origin, 403));
        return;
      }
      crossOrigin.set(request, origin);
      if (request.method !== 'OPTIONS') return;
      const requested = (request.headers.get('access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      const unknown = requested.filter((h) => !ALLOWED_HEADERS.includes(h));
      const method = request.headers.get('access-control-request-method') ?? '';
      const headers: Record<string, string> = {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': ALLOWED_METHODS,
        'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
        'access-control-max-age': maxAge,
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        'cache-control': 'no-store',
      };
      // An unlisted method or header fails the preflight in the browser anyway: the answer says why.
      if (!ALLOWED_METHODS.split(', ').includes(method) || unknown.length > 0) {
        endResponse(
          Response.json(
            {
              errors: [
                {
                  message: `A cross-origin ${method || 'request'} with headers [${unknown.join(', ')}] is not allowed: use ${ALLOWED_METHODS} and only ${ALLOWED_HEADERS.join(', ')}.`,
                  extensions: { code: 'BAD_USER_INPUT', retryable: false },
                },
              ],
            },
            { status: 403, headers },
          ),
        );
        return;
      }
      endResponse(new Response(null, { status: 204, headers }));
    },
    onResponse({ request, response }) {
      const origin = crossOrigin.get(request);
      if (!origin || request.method === 'OPTIONS') return;
      response.headers.set('access-control-allow-origin', origin);
      response.headers.set('access-control-expose-headers', EXPOSED_HEADERS);
      response.headers.append('vary', 'Origin');
    },
  };
}
