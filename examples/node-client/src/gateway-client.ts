import type { TypedDocumentString } from './gql/graphql.js';

/** The gateway as a backend service reaches it: its URL and a server-side key (token:read + token:refresh). */
export interface GatewaySettings {
  url: string;
  key: string;
}

export class GatewayRequestError extends Error {
  override name = 'GatewayRequestError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** One typed GraphQL request over HTTP; a GraphQL error becomes a GatewayRequestError with its code. */
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
  if (error) throw new GatewayRequestError(error.message, error.extensions?.code);
  if (!body.data) throw new GatewayRequestError(`HTTP ${response.status} without data`, undefined);
  return body.data;
}

/**
 * Follows a subscription over Server-Sent Events (GraphQL over SSE, "distinct connections" mode) and
 * calls `onNext` with each result's data; resolves when the stream ends or `signal` aborts it.
 */
export async function subscribe<TResult, TVariables>(
  settings: GatewaySettings,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  onNext: (data: TResult) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(settings.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${settings.key}`,
    },
    body: JSON.stringify({ query: document.toString(), variables }),
    signal,
  });
  if (!response.ok || !response.body)
    throw new GatewayRequestError(`SSE refused: HTTP ${response.status}`, undefined);
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (event === 'complete') return;
        if (event === 'next' && data) {
          const parsed = JSON.parse(data) as { data?: TResult };
          if (parsed.data) onNext(parsed.data);
        }
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
