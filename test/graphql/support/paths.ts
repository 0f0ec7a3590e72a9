import type { Gateway } from '../../../src/server.js';

/**
 * The two paths a GraphQL POST can take through the gateway: Yoga, or the compiled path
 * (src/compiled/), which answers a document it knows straight on node:http. The parity suites run on
 * both with `describe.each(PATHS)`:
 *
 * - 'yoga': the gateway runs without the compiled path (`compiledPath: false`), so it never learns a
 *   document and Yoga answers every request;
 * - 'compiled': the gateway runs as in production, and every POSTed document is compiled before it is
 *   sent (`precompileBody`), so the compiled path answers what it may and hands the rest to Yoga.
 *
 * Each answer says which path served it (`servedBy`, from the gateway's count of compiled answers), so
 * a test proves that the compiled variant really was served by the compiled path, or really was handed
 * to Yoga where that is the design (a refused key, a spent budget, an unknown document…):
 * `expect(answer.servedBy).toBe(path)` for the first, `.toBe('yoga')` for the second.
 */
export const PATHS = ['yoga', 'compiled'] as const;
export type GraphQLPath = (typeof PATHS)[number];

type Counted = Pick<Gateway, 'precompile' | 'compiledAnswers'>;

/** Compiles the request's query document (as Yoga would accept it) before it is sent. */
export function precompileBody(gateway: Pick<Gateway, 'precompile'>, body: RequestInit['body']): void {
  if (typeof body !== 'string') return;
  try {
    const { query, operationName } = JSON.parse(body) as { query?: unknown; operationName?: unknown };
    if (typeof query !== 'string') return;
    gateway.precompile(query, typeof operationName === 'string' ? { operationName } : {});
  } catch {
    // Not JSON: the request itself tests that.
  }
}

/** On the compiled path, compiles a document that a test then sends in a way `fetchOn` does not read. */
export function precompileOn(
  gateway: Pick<Gateway, 'precompile'>,
  path: GraphQLPath | undefined,
  query: string,
): void {
  if (path === 'compiled') precompileBody(gateway, JSON.stringify({ query }));
}

/**
 * Runs one request and says which path answered it. The count is the gateway's: the request must be
 * the only one in flight to that gateway (the suites send theirs one after the other).
 */
export async function served<T>(
  gateway: Pick<Gateway, 'compiledAnswers'>,
  send: () => Promise<T>,
): Promise<{ result: T; servedBy: GraphQLPath }> {
  const before = gateway.compiledAnswers();
  const result = await send();
  return { result, servedBy: gateway.compiledAnswers() > before ? 'compiled' : 'yoga' };
}

export interface PathAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked field by field in the tests
  json: any;
  /** Which path answered (see `served`). */
  servedBy: GraphQLPath;
}

/**
 * `fetch` on a path: on the compiled path the body's document is compiled first. `path` undefined
 * sends it as it is (a gateway as production runs it, which compiles documents from their first run).
 */
export async function fetchOn(
  gateway: Counted,
  path: GraphQLPath | undefined,
  url: string,
  init: RequestInit,
): Promise<PathAnswer> {
  if (path === 'compiled') precompileBody(gateway, init.body);
  const { result, servedBy } = await served(gateway, async () => {
    const response = await fetch(url, init);
    return { response, text: await response.text() };
  });
  let json: unknown;
  try {
    json = JSON.parse(result.text);
  } catch {
    json = undefined;
  }
  return {
    status: result.response.status,
    headers: result.response.headers,
    text: result.text,
    json,
    servedBy,
  };
}
