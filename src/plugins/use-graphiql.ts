import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';
import {
  buildGraphiQLPage,
  GRAPHIQL_ASSET_PREFIX,
  GRAPHIQL_CSP,
  GRAPHIQL_DOCS_PANE,
  GRAPHIQL_TITLE,
  type GraphiQLPage,
  graphiqlDocument,
} from '../graphql/graphiql.js';

import { inlineScriptCsp } from './use-security-headers.js';
export interface GraphiQLPluginOptions {
  /** Serve GraphiQL (GRAPHIQL); when off, a browser opening the endpoint is told how to turn it on. */
  enabled: boolean;
  /** API keys are configured: the Headers tab starts with `{"x-api-key": ""}` and the document says so. */
  keysRequired: boolean;
  /** Introspection is allowed (GRAPHQL_INTROSPECTION); when not, the document names that setting. @default true */
  introspection?: boolean;
  /** @default '/graphql' */
  graphqlEndpoint?: string;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const OFF_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>GraphiQL is off</title></head>
<body><p>GraphiQL is off here (GRAPHIQL=true turns it on).</p></body></html>
`;
const OFF_PAGE_CSP = inlineScriptCsp(OFF_PAGE);
/** A GET carrying any of these is a GraphQL request, not a browser opening the page. */
const GRAPHQL_PARAMS = ['query', 'documentId', 'operationName', 'variables', 'extensions'];

/**
 * Whether a request to the GraphQL endpoint is a browser's visit to GraphiQL rather than an operation:
 * a GET accepting HTML with no GraphQL parameters. The pipeline routes it as a page (no CSRF, key or
 * budget: src/pipeline/pipeline.ts) and this plugin serves it, both by this one rule.
 */
export function isGraphiQLVisit(
  method: string | undefined,
  accept: string | null | undefined,
  search: URLSearchParams,
): boolean {
  return (
    method === 'GET' && !!accept?.includes('text/html') && !GRAPHQL_PARAMS.some((name) => search.has(name))
  );
}

type Encoding = 'br' | 'gzip' | 'identity';

const compressors: Record<Exclude<Encoding, 'identity'>, (body: Buffer) => Promise<Buffer>> = {
  // Quality 5: an asset is compressed once, on its first request, which waits for it; that wait stays
  // under a second for the 9 MB of GraphiQL (quality 11 takes about a minute).
  br: (body) =>
    promisify(brotliCompress)(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  gzip: (body) => promisify(gzip)(body, { level: 6 }),
};

/** The best encoding the client accepts (`q=0` refuses one). */
export function chooseEncoding(acceptEncoding: string | null): Encoding {
  const accepted = new Set<string>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (name && (q === undefined || Number(q.slice(2)) > 0)) accepted.add(name);
  }
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip') || accepted.has('*')) return 'gzip';
  return 'identity';
}

/**
 * GraphiQL at the GraphQL endpoint for browsers (GET, `Accept: text/html`, no GraphQL parameters):
 * a small HTML page (no-store) whose scripts, styles and workers are served compressed (brotli or
 * gzip, each compressed once) under hashed names that may be cached for good. With GraphiQL off, the
 * same visit gets a page saying how to turn it on, not the CSRF refusal meant for API clients.
 * Register it before the CSRF check.
 */
export function useGraphiQL(options: GraphiQLPluginOptions): Plugin {
  const endpoint = options.graphqlEndpoint ?? '/graphql';
  let page: Promise<GraphiQLPage> | undefined;
  const encoded = new Map<string, Promise<Buffer>>();
  const built = (): Promise<GraphiQLPage> => {
    page ??= buildGraphiQLPage({
      title: GRAPHIQL_TITLE,
      endpoint,
      defaultQuery: graphiqlDocument({
        keysRequired: options.keysRequired,
        introspection: options.introspection ?? true,
      }),
      // The schema's description (what the API is, its scopes) is the first thing a newcomer reads;
      // without introspection there is no schema to show, and the document says which setting to add.
      ...((options.introspection ?? true) ? { visiblePlugin: GRAPHIQL_DOCS_PANE } : {}),
      ...(options.keysRequired
        ? { headers: JSON.stringify({ 'x-api-key': '' }, null, 2), defaultEditorToolsVisibility: 'headers' }
        : {}),
    });
    return page;
  };
  const body = (key: string, raw: Buffer, encoding: Encoding): Promise<Buffer> => {
    if (encoding === 'identity') return Promise.resolve(raw);
    const cacheKey = `${encoding} ${key}`;
    let cached = encoded.get(cacheKey);
    if (!cached) {
      cached = compressors[encoding](raw);
      encoded.set(cacheKey, cached);
    }
    return cached;
  };

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const isAsset = url.pathname.startsWith(GRAPHIQL_ASSET_PREFIX);
      const isPage =
        url.pathname === endpoint &&
        isGraphiQLVisit(request.method, request.headers.get('accept'), url.searchParams);
      if (!isAsset && !isPage) return;
      if (!options.enabled) {
        if (isPage) {
          endResponse(
            new fetchAPI.Response(OFF_PAGE, {
              status: 404,
              headers: {
                'content-type': 'text/html; charset=utf-8',
                'cache-control': 'no-store',
                'content-security-policy': OFF_PAGE_CSP,
              },
            }),
          );
        }
        return;
      }
      const encoding = chooseEncoding(request.headers.get('accept-encoding'));
      const { html, assets } = await built();
      const asset = isPage
        ? { body: Buffer.from(html), contentType: 'text/html; charset=utf-8' }
        : assets.get(url.pathname);
      if (!asset) {
        endResponse(new fetchAPI.Response('Not found.\n', { status: 404 }));
        return;
      }
      const headers: Record<string, string> = {
        'content-type': asset.contentType,
        'cache-control': isPage ? 'no-store' : IMMUTABLE,
        'content-security-policy': GRAPHIQL_CSP,
        vary: 'accept-encoding',
      };
      if (encoding !== 'identity') headers['content-encoding'] = encoding;
      const bytes = await body(isPage ? 'page' : url.pathname, asset.body, encoding);
      endResponse(new fetchAPI.Response(new Uint8Array(bytes), { headers }));
    },
  };
}
