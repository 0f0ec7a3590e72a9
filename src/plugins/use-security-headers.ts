import { createHash } from 'node:crypto';

/** Every response: no MIME sniffing, no framing, no referrer, and nothing cached (answers may hold tokens). */
const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** API answers load nothing at all. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The security headers of every answer (src/pipeline/respond.ts puts them on; a page's own policy and caching win). */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  ...COMMON_HEADERS,
  'Cache-Control': 'no-store',
  'Content-Security-Policy': API_CSP,
};

/** The same headers as a flat `[name, value, …]` list, as node:http's `writeHead` takes them without copying. */
export const API_RESPONSE_HEADER_LIST: readonly string[] = Object.entries(API_RESPONSE_HEADERS).flat();

const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g;

/**
 * The policy of the gateway's own pages (GraphiQL, the status page): scripts as `scripts` says, inline
 * styles, data: images and fonts, requests to this origin, nothing framed or submitted.
 */
export function pageCsp(scripts: { scriptSrc: string; workerSrc?: string; formAction?: string }): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.scriptSrc}`,
    ...(scripts.workerSrc ? [`worker-src ${scripts.workerSrc}`] : []),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    `form-action ${scripts.formAction ?? "'none'"}`,
  ].join('; ');
}

/**
 * A server-rendered page with inline scripts (the status page): exactly those scripts, by their hash.
 * `forms: true` lets its forms (the status page's authorizer search, a GET) submit to this origin.
 */
export function inlineScriptCsp(html: string, options: { forms?: boolean } = {}): string {
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map(
    (match) =>
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '', 'utf8')
        .digest('base64')}'`,
  );
  return pageCsp({ scriptSrc: hashes.join(' ') || "'none'", ...(options.forms && { formAction: "'self'" }) });
}
