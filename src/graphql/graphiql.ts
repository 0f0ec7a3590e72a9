import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphiQLOptions } from 'graphql-yoga';

export const GRAPHIQL_TITLE = 'wxtoken-gateway · GraphiQL';

/** GraphiQL's starting document: both queries and the mutation, runnable as-is against the sandbox. */
export const DEFAULT_GRAPHIQL_QUERY = `# wxtoken-gateway: WeChat access tokens over GraphQL.
# Pick an operation with the ▶ button. With one app configured, appId may be omitted.

query TokenStatus {
  tokenStatus {
    appId
    name
    state
    expiresAt
    expiresInSeconds
    obtainedAt
    accessToken
  }
  callbackIps {
    appId
    ips
    fetchedAt
  }
  apps {
    appId
    name
    tokenStatus {
      state
    }
  }
}

mutation RefreshToken {
  refreshToken(force: false) {
    appId
    state
    expiresAt
    expiresInSeconds
  }
}
`;

export const graphiqlOptions: GraphiQLOptions = {
  title: GRAPHIQL_TITLE,
  defaultQuery: DEFAULT_GRAPHIQL_QUERY,
};

/**
 * Renders GraphiQL with its scripts, styles and workers inlined (from @graphql-yoga/render-graphiql),
 * so the page works on networks that block public CDNs. The page is large and its options are fixed,
 * so the last rendering is reused while they stay the same.
 */
export function createGraphiQLRenderer(): (options: GraphiQLOptions) => string {
  let last: { key: string; page: string } | undefined;
  return (options) => {
    const key = JSON.stringify(options ?? {});
    if (last?.key !== key) last = { key, page: renderGraphiQL(options) };
    return last.page;
  };
}
