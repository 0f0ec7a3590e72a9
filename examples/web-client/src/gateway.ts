import type { TypedDocumentString } from './gql/graphql.js';

/**
 * The gateway as this page reaches it: across origins (the gateway lists this page's origin in
 * GATEWAY_CORS_ORIGINS) with the published key, which holds only `jssdk:sign` for this app.
 */
export interface GatewaySettings {
  url: string;
  key: string;
  appId: string;
}

export function settingsFromBuild(): GatewaySettings {
  const { VITE_GATEWAY_URL: url, VITE_GATEWAY_KEY: key, VITE_APP_ID: appId } = import.meta.env;
  if (!url || !key || !appId) {
    throw new Error('Build with VITE_GATEWAY_URL, VITE_GATEWAY_KEY and VITE_APP_ID set (see README.md).');
  }
  return { url, key, appId };
}

/** One typed GraphQL request; a GraphQL error becomes an Error with its code. */
export async function request<TResult, TVariables>(
  settings: GatewaySettings,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const response = await fetch(settings.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${settings.key}` },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as {
    data?: TResult | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const [error] = body.errors ?? [];
  if (error) throw new Error(`${error.extensions?.code ?? 'ERROR'}: ${error.message}`);
  if (!body.data) throw new Error(`HTTP ${response.status} without data`);
  return body.data;
}
