import type { Plugin } from 'graphql-yoga';

export interface CanonicalPathOptions {
  /** @default '/graphql' */
  graphqlEndpoint?: string;
}

/** The path as the client sent it: Node's raw request target when there is one (URL parsing resolves `/./`). */
function sentPath(serverContext: unknown, url: URL): string {
  const raw = (serverContext as { req?: { url?: unknown } } | undefined)?.req?.url;
  return typeof raw === 'string' ? (raw.split('?', 1)[0] ?? raw) : url.pathname;
}

/** What a lenient router would take the path for: dot segments resolved, slashes collapsed, case kept. */
function loosely(path: string): string {
  let decoded = path;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    // A malformed escape is no variant of anything.
  }
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}

/**
 * The GraphQL endpoint has one spelling. Yoga also answers `/graphql/`, `//graphql` and `/./graphql`,
 * which would run operations outside the request log and the metrics (they follow the exact path):
 * every such variant is a 404 naming the real path instead. Register it first.
 */
export function useCanonicalPath(options: CanonicalPathOptions = {}): Plugin {
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  return {
    onRequest({ url, serverContext, endResponse, fetchAPI }) {
      const path = sentPath(serverContext, url);
      if (path === endpoint || loosely(path) !== endpoint) return;
      endResponse(
        new fetchAPI.Response(`Not found. The GraphQL endpoint is ${endpoint}, spelled exactly so.\n`, {
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        }),
      );
    },
  };
}
