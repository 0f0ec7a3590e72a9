import type { Plugin } from 'graphql-yoga';

/** Every response: no MIME sniffing, no framing, no referrer, and nothing cached (answers may hold tokens). */
const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** API answers (and pages without a policy of their own) load nothing at all. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Every header this plugin puts on a JSON answer (the compiled path sets the same). */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  ...COMMON_HEADERS,
  'Cache-Control': 'no-store',
  'Content-Security-Policy': API_CSP,
};

/**
 * Security headers on every response (GraphQL, health, metrics, GraphiQL). A response that brings its
 * own policy keeps it (the GraphiQL page and its assets, src/plugins/use-graphiql.ts); every other
 * one gets a deny-all policy.
 */
export function useSecurityHeaders(): Plugin {
  return {
    onResponse({ response }) {
      for (const [name, value] of Object.entries(COMMON_HEADERS)) response.headers.set(name, value);
      if (!response.headers.has('cache-control')) response.headers.set('Cache-Control', 'no-store');
      if (!response.headers.has('content-security-policy')) {
        response.headers.set('Content-Security-Policy', API_CSP);
      }
    },
  };
}
