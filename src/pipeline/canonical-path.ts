import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { exchangeOf } from './exchange.js';

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
 * Whether `path` (as sent) is a variant spelling of the GraphQL endpoint: `/graphql/`, `//graphql`,
 * `/./graphql`, `/%67raphql`. Yoga would answer them, outside every rule that follows the exact path;
 * the pipeline answers them 404 naming the real path.
 */
export function isVariantOf(endpoint: string, path: string): boolean {
  return path !== endpoint && loosely(path) === endpoint;
}

export const variantAnswer = (endpoint: string) =>
  `Not found. The GraphQL endpoint is ${endpoint}, spelled exactly so.\n`;

/**
 * Yoga takes any URL that ends with the endpoint (`/x/graphql`, `/nope?q=/graphql`) for its endpoint.
 * Only what the pipeline routed as a GraphQL operation, and so admitted, may run: anything else Yoga
 * would parse as one is the same 404 as a variant spelling.
 */
export function useOperationsAtEndpointOnly(endpoint: string): Plugin {
  return {
    onRequestParse({ serverContext }) {
      if (exchangeOf(serverContext)?.route === 'graphql') return;
      throw createGraphQLError(variantAnswer(endpoint).trim(), {
        extensions: { code: 'BAD_USER_INPUT', retryable: false, http: { status: 404 } },
      });
    },
  };
}
