import { type Config, configuredSecrets, loadConfig } from '../../../src/config/index.js';
import { ticketKindName } from '../../../src/credentials/kinds/js-sdk-ticket.js';
import { TokenManager } from '../../../src/credentials/token-manager.js';
import { createLogger } from '../../../src/logger.js';
import { connectTokenMetrics } from '../../../src/metrics/connect-metrics.js';
import { GatewayMetrics } from '../../../src/metrics/gateway-metrics.js';
import { observeUpstreamCalls } from '../../../src/metrics/upstream-observer.js';
import { Redactor } from '../../../src/redact.js';
import { createGateway, type Gateway } from '../../../src/server.js';
import { MemoryStores } from '../../../src/store/memory/memory-stores.js';
import { WeChatClient } from '../../../src/wechat/client.js';
import type { WeChatApi, WeComApi } from '../../../src/wechat/endpoints.js';
import { TICKET_TYPES, type WeChatFrontendApi } from '../../../src/wechat/frontend-endpoints.js';
import type { WeChatOpsApi } from '../../../src/wechat/ops-endpoints.js';
import { type WeComAppCredentials, wecomAppId } from '../../../src/wechat/sandbox/wecom-apis.js';
import { fetchOn, type GraphQLPath, type PathAnswer } from '../../graphql/support/paths.js';
import { startSandbox, type TestSandbox } from '../../support/sandbox.js';

/** Keys the production gateways of these suites accept, one per access pattern. */
export const KEYS = {
  reader: 'reader-key-0123456789abcdef',
  refresher: 'refresher-key-0123456789abcd',
  wechat: 'wechat-key-0123456789abcdefg',
  statusOnly: 'status-key-0123456789abcdefg',
  signer: 'signer-key-0123456789abcdefg',
} as const;

export interface ProductionGateway {
  url: string;
  origin: string;
  sandbox: TestSandbox;
  config: Config;
  gateway: Gateway;
  /** Every log line the gateway wrote (level debug and up). */
  logLines: string[];
  /** Every access token WeChat (the sandbox) issued to this gateway. */
  issuedTokens: Set<string>;
  /** Every JS-SDK ticket WeChat (the sandbox) issued to this gateway. */
  issuedTickets: Set<string>;
  /** The path the gateway was started for (`options.path`), undefined for production's own setup. */
  path: GraphQLPath | undefined;
  /**
   * `graphql()` on this gateway's path: on the compiled path the document is compiled first; the answer
   * says which path served it (support/paths.ts). One request at a time.
   */
  post(body: unknown, options?: GraphQLOptions): Promise<PathAnswer>;
  /** Drops the app's stored JS-SDK tickets, so the next signature obtains one from WeChat. */
  forgetTickets(appId: string): Promise<void>;
  /** Any request on this gateway's path (`fetchOn`): a GET, a form, another Accept header. */
  fetch(url: string, init: RequestInit): Promise<PathAnswer>;
  close(): Promise<void>;
}

export interface ProductionGatewayOptions {
  /**
   * The path a parity suite runs on (test/graphql/support/paths.ts): 'yoga' starts the gateway without
   * the compiled path, 'compiled' with it and `post` compiles each document before sending it.
   * @default the compiled path on, learning documents from their first run (as production runs)
   */
  path?: GraphQLPath;
  /** WeCom apps the sandbox accepts and the apps file configures (after the Official Accounts). @default [] */
  wecomApps?: WeComAppCredentials[];
  /** A WeCom app's corpSecret as the gateway is configured with it, when it differs from the sandbox's. */
  configuredCorpSecret?: (app: WeComAppCredentials) => string;
}

/**
 * The whole gateway as production runs it (NODE_ENV=production, keys required, GraphiQL and
 * introspection off) against the WeChat sandbox over HTTP, on 127.0.0.1 and a free port, with a
 * capturing logger and /metrics. `env` adds or overrides settings; `appIdForKeys` limits the wechat key to that app.
 */
export async function startProductionGateway(
  env: NodeJS.ProcessEnv | ((sandbox: TestSandbox) => NodeJS.ProcessEnv) = {},
  appCount = 1,
  options: ProductionGatewayOptions = {},
): Promise<ProductionGateway> {
  const wecomApps = options.wecomApps ?? [];
  const sandbox = await startSandbox({ appCount, wecomApps });
  const settings = typeof env === 'function' ? env(sandbox) : env;
  const [first, second] = sandbox.apps;
  const appsFile =
    appCount > 1 || wecomApps.length > 0
      ? await writeAppsFile(sandbox, wecomApps, options.configuredCorpSecret)
      : undefined;
  const config = loadConfig({
    NODE_ENV: 'production',
    ...(appsFile
      ? { WECHAT_APPS_FILE: appsFile }
      : { WECHAT_APP_ID: first?.appId, WECHAT_APP_SECRET: first?.appSecret }),
    WECHAT_API_BASE: sandbox.url,
    WECOM_API_BASE: sandbox.url,
    GATEWAY_API_KEYS: [
      `${KEYS.reader}:token:read+wechat:read`,
      `${KEYS.refresher}:token:refresh`,
      `${KEYS.wechat}:wechat:read${second ? `:${second.appId}` : ''}`,
      `${KEYS.statusOnly}:wechat:admin`,
      `${KEYS.signer}:jssdk:sign`,
    ].join(','),
    LOG_LEVEL: 'debug',
    ...settings,
  });
  const logLines: string[] = [];
  // One redactor for the whole gateway, as main.ts wires it.
  const redactor = new Redactor({ secrets: configuredSecrets(config) });
  const logger = createLogger({
    redactor,
    level: 'debug',
    destination: { write: (line: string) => logLines.push(line) },
  });
  const store = new MemoryStores();
  // Wired as main.ts wires it, so /metrics and the upstream log lines are part of what the suites see.
  const metrics = new GatewayMetrics();
  const client = new WeChatClient({
    baseUrls: config.wechat.baseUrls,
    wecomBaseUrls: config.wechat.wecomBaseUrls,
    timeoutMs: config.wechat.timeoutMs,
    onUpstreamCall: observeUpstreamCalls({ logger, metrics }),
    redactor,
  });
  const issuedTokens = new Set<string>();
  // The client as the manager sees it, noting every token it hands out (the leak test looks for them).
  const issuedTickets = new Set<string>();
  const api: WeChatApi & WeChatOpsApi & WeChatFrontendApi & WeComApi = {
    fetchToken: async (app, options) => {
      const issued = await client.fetchToken(app, options);
      issuedTokens.add(issued.accessToken);
      return issued;
    },
    fetchWeComToken: async (corpId, corpSecret) => {
      const issued = await client.fetchWeComToken(corpId, corpSecret);
      issuedTokens.add(issued.accessToken);
      return issued;
    },
    getWeComTicket: async (token, type) => {
      const issued = await client.getWeComTicket(token, type);
      issuedTickets.add(issued.ticket);
      return issued;
    },
    getCallbackIp: (token, platform) => client.getCallbackIp(token, platform),
    getApiDomainIp: (token, platform) => client.getApiDomainIp(token, platform),
    getApiQuota: (token, cgiPath) => client.getApiQuota(token, cgiPath),
    clearQuota: (token, appId) => client.clearQuota(token, appId),
    getRequestByRid: (token, rid) => client.getRequestByRid(token, rid),
    getTicket: async (token, type) => {
      const issued = await client.getTicket(token, type);
      issuedTickets.add(issued.ticket);
      return issued;
    },
    checkCallbackNetwork: (token, action, operator) => client.checkCallbackNetwork(token, action, operator),
  };
  const tokens = new TokenManager({
    apps: config.apps,
    stores: store,
    api,
    logger,
    redactor,
    refreshMarginSeconds: config.token.refreshMarginSeconds,
    forceRefreshCooldownSeconds: config.token.forceRefreshCooldownSeconds,
    negativeCacheSeconds: config.token.negativeCacheSeconds,
    busyBackoffBaseMs: 10,
    backgroundRefresh: false,
    onCacheLookup: (appId, result) => metrics.observeTokenLookup(appId, result),
  });
  const disconnectMetrics = connectTokenMetrics(metrics, tokens, store);
  const { path } = options;
  const gateway = createGateway({
    config,
    tokens,
    store,
    api,
    logger,
    redactor,
    metrics,
    ...(path ? { compiledPath: path === 'compiled' } : {}),
  });
  const url = await gateway.listen(0, '127.0.0.1');
  return {
    url,
    origin: new URL(url).origin,
    sandbox,
    config,
    gateway,
    logLines,
    issuedTokens,
    issuedTickets,
    async forgetTickets(appId) {
      for (const type of TICKET_TYPES) {
        const key = { appId, kind: ticketKindName(type) };
        const stored = await store.credentials.get(key);
        if (stored) await store.credentials.deleteIfSame(key, stored.value);
      }
    },
    path,
    post: (body, postOptions = {}) => fetchOn(gateway, path, url, graphqlRequest(body, postOptions)),
    fetch: (target, init) => fetchOn(gateway, path, target, init),
    async close() {
      disconnectMetrics();
      await gateway.close();
      await tokens.stop();
      await client.close();
      await sandbox.close();
    },
  };
}

async function writeAppsFile(
  sandbox: TestSandbox,
  wecomApps: readonly WeComAppCredentials[],
  configuredCorpSecret?: (app: WeComAppCredentials) => string,
): Promise<string> {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const path = join(await mkdtemp(join(tmpdir(), 'wxgw-security-')), 'apps.json');
  const entries = [
    ...sandbox.apps.map((app, i) => ({ ...app, name: `App ${i + 1}` })),
    ...wecomApps.map((app) => ({
      kind: 'wecom',
      ...app,
      corpSecret: configuredCorpSecret?.(app) ?? app.corpSecret,
      name: `WeCom ${wecomAppId(app)}`,
    })),
  ];
  await writeFile(path, JSON.stringify(entries));
  return path;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked field by field in the tests
  json: any;
}

export interface GraphQLOptions {
  key?: string;
  headers?: Record<string, string>;
}

/** A GraphQL POST as JSON with the given key (or none). */
function graphqlRequest(body: unknown, options: GraphQLOptions): RequestInit {
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/** POSTs a GraphQL request as JSON with the given key (or none) and returns status, headers and body. */
export async function graphql(url: string, body: unknown, options: GraphQLOptions = {}): Promise<Answer> {
  return answerOf(await fetch(url, graphqlRequest(body, options)));
}

export async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
