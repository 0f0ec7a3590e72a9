import { createHash } from 'node:crypto';
import type { GraphiQLOptions } from 'graphql-yoga';
import { pageCsp } from '../plugins/use-security-headers.js';

export const GRAPHIQL_TITLE = 'wxtoken-gateway · GraphiQL';

/** Where the page's scripts, styles and workers are served, each under a name holding its hash. */
export const GRAPHIQL_ASSET_PREFIX = '/graphiql/';

const INTRO = `# wxtoken-gateway: WeChat access tokens over GraphQL.
# Each operation runs on its own: press ▶ and pick one. With one app configured, appId may be omitted.
`;

const KEY_HINT = `#
# This gateway needs an API key: put yours in the Headers tab below, {"x-api-key": "<your key>"}.
# Each operation names the scope it needs; TokenStatus runs with any key.
`;

const OPERATIONS = `
# Any valid key.
query TokenStatus {
  tokenStatus {
    appId
    name
    state
    expiresAt
    expiresInSeconds
    obtainedAt
    lastError {
      code
      message
    }
  }
  apps {
    appId
    name
    tokenStatus {
      state
    }
  }
}

# Scope token:read.
query AccessToken {
  tokenStatus {
    appId
    accessToken
    expiresAt
  }
}

# Scope wechat:read.
query CallbackIps {
  callbackIps {
    appId
    ips
    fetchedAt
  }
}

# Scope token:refresh.
mutation RefreshToken {
  refreshToken(force: false) {
    appId
    state
    expiresAt
    expiresInSeconds
  }
}
`;

/** The operations of GraphiQL's starting document, each runnable alone with the scope it names. */
export const GRAPHIQL_OPERATIONS = ['TokenStatus', 'AccessToken', 'CallbackIps', 'RefreshToken'] as const;

const NO_INTROSPECTION_HINT = `#
# Introspection is off here (the production default), so the docs pane says "Error fetching schema"
# and nothing autocompletes. To have both, set GRAPHQL_INTROSPECTION=true on this gateway.
`;

/**
 * GraphiQL's starting document; with keys configured it says where the key goes, and with
 * introspection off (`introspection: false`) which setting gives the docs pane its schema.
 */
export function graphiqlDocument(options: { keysRequired: boolean; introspection?: boolean }): string {
  const hints = `${options.keysRequired ? KEY_HINT : ''}${options.introspection === false ? NO_INTROSPECTION_HINT : ''}`;
  return `${INTRO}${hints}${OPERATIONS}`;
}

/** The starting document of a gateway without keys (`npm run dev`). */
export const DEFAULT_GRAPHIQL_QUERY = graphiqlDocument({ keysRequired: false });

export interface GraphiQLAsset {
  body: Buffer;
  contentType: string;
}

export interface GraphiQLPage {
  html: string;
  /** Served assets by path (`/graphiql/app.<hash>.js`, …). */
  assets: ReadonlyMap<string, GraphiQLAsset>;
}

/**
 * The page's policy: scripts and workers only from this origin (no inline script at all), inline
 * styles (GraphiQL sets them), data: images and fonts (inside its CSS), requests to this origin.
 */
export const GRAPHIQL_CSP = pageCsp({ scriptSrc: "'self'", workerSrc: "'self'" });

const JS = 'text/javascript; charset=utf-8';

function hashed(name: string, ext: string, body: Buffer): string {
  return `${GRAPHIQL_ASSET_PREFIX}${name}.${createHash('sha256').update(body).digest('hex').slice(0, 12)}.${ext}`;
}

function fromDataUrl(url: string): GraphiQLAsset {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match) return { body: Buffer.from(url), contentType: 'text/plain' };
  return { body: Buffer.from(match[2] ?? '', 'base64'), contentType: match[1] ?? 'image/x-icon' };
}

/** JSON that is safe inside a `<script type="application/json">` block. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The title of GraphiQL's docs pane, the plugin the page opens with (README: "The docs pane opens…"). */
export const GRAPHIQL_DOCS_PANE = 'Documentation Explorer';

/** What the page passes to GraphiQL: Yoga's options, and props GraphiQL itself takes (Yoga hands them on). */
export type GraphiQLPageOptions = GraphiQLOptions & {
  /** The side pane open at the start, by its title; a pane the user picked since (kept by GraphiQL) wins. */
  visiblePlugin?: string;
};

/**
 * GraphiQL as separate assets (from @graphql-yoga/render-graphiql, so it works on networks that block
 * public CDNs): the HTML is a few hundred bytes, and the 9 MB of scripts, styles and workers live
 * under hashed names that browsers may cache for good. Those 9 MB (30 MB of heap once loaded) are
 * imported here, on the first visit, never by a gateway that does not serve GraphiQL.
 */
export async function buildGraphiQLPage(options: GraphiQLPageOptions): Promise<GraphiQLPage> {
  const { css, editorWorkerService, favicon, graphqlWorker, js, jsonWorker } = await import(
    '@graphql-yoga/render-graphiql/graphiql'
  );
  const assets = new Map<string, GraphiQLAsset>();
  const add = (name: string, ext: string, asset: GraphiQLAsset): string => {
    const path = hashed(name, ext, asset.body);
    assets.set(path, asset);
    return path;
  };
  const workers = {
    editorWorkerService: add('editor.worker', 'js', {
      body: Buffer.from(editorWorkerService),
      contentType: JS,
    }),
    json: add('json.worker', 'js', { body: Buffer.from(jsonWorker), contentType: JS }),
    graphql: add('graphql.worker', 'js', { body: Buffer.from(graphqlWorker), contentType: JS }),
  };
  // Monaco asks for a worker URL by label; it must be set before GraphiQL's script runs.
  const environment = add('env', 'js', {
    body: Buffer.from(
      `self.MonacoEnvironment={globalAPI:false,getWorkerUrl:function(_id,label){return ${JSON.stringify(workers)}[label];}};`,
    ),
    contentType: JS,
  });
  const app = add('app', 'js', { body: Buffer.from(js), contentType: JS });
  const boot = add('boot', 'js', {
    body: Buffer.from(
      "YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'),JSON.parse(document.getElementById('graphiql-options').textContent));",
    ),
    contentType: JS,
  });
  const styles = add('app', 'css', { body: Buffer.from(css), contentType: 'text/css; charset=utf-8' });
  const icon = add('favicon', 'ico', fromDataUrl(options.favicon ?? favicon));
  const { favicon: _favicon, ...rest } = options;
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? GRAPHIQL_TITLE)}</title>
    <link rel="icon" href="${icon}" />
    <link rel="stylesheet" href="${styles}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run GraphiQL.</noscript>
    <div id="root"></div>
    <script type="application/json" id="graphiql-options">${scriptJson(rest)}</script>
    <script src="${environment}"></script>
    <script src="${app}"></script>
    <script src="${boot}"></script>
  </body>
</html>
`;
  return { html, assets };
}
