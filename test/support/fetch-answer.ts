/** A response read whole: its status, headers, text and JSON (undefined when the text is not JSON). */
export interface ReadAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked field by field in the tests
  json: any;
}

/** `fetch` (or any fetch-like function, such as support/inject.ts's), its answer read whole. */
export async function fetchAnswer(
  url: string,
  init: RequestInit,
  send: (url: string, init: RequestInit) => Promise<Response> = fetch,
): Promise<ReadAnswer> {
  const response = await send(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A GraphQL request body POSTed as JSON over HTTP (with `headers` on top), its answer read whole. */
export function postGraphql(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<ReadAnswer> {
  return fetchAnswer(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
