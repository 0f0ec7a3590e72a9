import { createHash } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

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

/** Every header this plugin puts on a JSON answer (the compiled path sets the same). */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  ...COMMON_HEADERS,
  'Cache-Control': 'no-store',
  'Content-Security-Policy': API_CSP,
};

/**
 * The same headers as a flat `[name, value, …]` list, for node:http's `writeHead`: an object spread
 * from `API_RESPONSE_HEADERS` there cost a third of a cached answer's throughput, a list nothing.
 */
export const API_RESPONSE_HEADER_LIST: readonly string[] = Object.entries(API_RESPONSE_HEADERS).flat();

const INLINE_SCRIPT = /<script>([\s\S]*?)<\/script>/g;

/**
 * The policy of the gateway's own pages (GraphiQL, the status page): scripts as `scripts` says, inline
 * styles, data: images and fonts, requests to this origin, nothing framed or submitted.
 */
export function pageCsp(scripts: { scriptSrc: string; workerSrc?: string }): string {
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
    "form-action 'none'",
  ].join('; ');
}

/** A server-rendered page with inline scripts (the status page): exactly those scripts, by their hash. */
export function inlineScriptCsp(html: string): string {
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map(
    (match) =>
      `'sha256-${createHash('sha256')
        .update(match[1] ?? '', 'utf8')
        .digest('base64')}'`,
  );
  return pageCsp({ scriptSrc: hashes.join(' ') || "'none'" });
}

/**
 * Security headers on every response (GraphQL, health, metrics, pages). A response that brings its
 * own policy keeps it (GraphiQL and its assets, src/plugins/use-graphiql.ts); another HTML page gets
 * one allowing its inline scripts by hash (computed once per distinct page); everything else a
 * deny-all policy.
 */
export function useSecurityHeaders(): Plugin {
  let lastPage: { html: string; csp: string } | undefined;
  return {
    async onResponse({ response, setResponse }) {
      for (const [name, value] of Object.entries(COMMON_HEADERS)) response.headers.set(name, value);
      if (!response.headers.has('cache-control')) response.headers.set('Cache-Control', 'no-store');
      if (response.headers.has('content-security-policy')) return;
      if (!response.headers.get('content-type')?.startsWith('text/html')) {
        response.headers.set('Content-Security-Policy', API_CSP);
        return;
      }
      const html = await response.text();
      if (lastPage?.html !== html) lastPage = { html, csp: inlineScriptCsp(html) };
      const headers = new Headers(response.headers);
      headers.set('Content-Security-Policy', lastPage.csp);
      headers.delete('content-length');
      setResponse(new Response(html, { status: response.status, statusText: response.statusText, headers }));
    },
  };
}
