import { type AppConfig, type Config, loadConfig } from '../../../src/config/index.js';
import type { TokenManagerOptions } from '../../../src/credentials/options.js';
import { TokenManager } from '../../../src/credentials/token-manager.js';
import { createGateway, type Gateway, type GatewayDeps } from '../../../src/server.js';
import { MemoryStores } from '../../../src/store/memory/memory-stores.js';
import { WeChatClient } from '../../../src/wechat/client.js';
import { type StartSandboxOptions, startSandbox, type TestSandbox } from '../../support/sandbox.js';
import type { Transport } from './execute.js';
import { type GraphQLPath, precompileBody } from './paths.js';

/** `env` for a production test gateway: production refuses to start without an app, and the test gateway replaces this one with the sandbox's. */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  WECHAT_APP_ID: 'wx0123456789abcdef',
  WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
};

export interface TestGatewayOptions {
  sandbox?: StartSandboxOptions;
  /** Apps the gateway is configured with. @default the sandbox's apps */
  apps?: (sandbox: TestSandbox) => AppConfig[];
  /** Environment read by loadConfig (NODE_ENV=test is implied). */
  env?: Record<string, string>;
  manager?: Partial<TokenManagerOptions>;
  /** Replaces some of the WeChat calls GraphQL fields make. @default the real client for every call */
  api?: (client: WeChatClient) => Partial<GatewayDeps['api']>;
  /** WeChat base URLs. @default [sandbox.url] */
  baseUrls?: (sandbox: TestSandbox) => string[];
  /** @default true */
  compiledPath?: boolean;
  /**
   * The path a parity suite runs on (support/paths.ts): 'yoga' starts the gateway without the compiled
   * path, 'compiled' with it; `onPath` is then the transport that reaches it. Overrides `compiledPath`.
   */
  path?: GraphQLPath;
  /** @default the gateway's HTTP_TIMEOUTS */
  httpTimeouts?: GatewayDeps['httpTimeouts'];
  /** The gateway's logger. @default silent */
  logger?: GatewayDeps['logger'];
}

export interface TestGateway {
  sandbox: TestSandbox;
  apps: AppConfig[];
  config: Config;
  manager: TokenManager;
  /** The stores the gateway shares its state through. */
  store: MemoryStores;
  /** The real client the gateway talks to the sandbox with. */
  client: WeChatClient;
  gateway: Gateway;
  url: string;
  /** Every way in: the same gateway through yoga.fetch, over HTTP, and over HTTP with documents compiled first. */
  transports: Transport[];
  /**
   * Real HTTP on `options.path`: the 'http' transport for 'yoga' (a gateway without the compiled path),
   * the 'compiled' one for 'compiled'. Without `options.path`, the 'http' transport.
   */
  onPath: Transport;
  close(): Promise<void>;
}

/** The real stack on loopback: sandbox over HTTP, WeChatClient, MemoryStores, TokenManager, Yoga. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const sandbox = await startSandbox(options.sandbox);
  const apps =
    options.apps?.(sandbox) ??
    sandbox.apps.map((app, index) => ({
      ...app,
      name: `Test app ${index + 1}`,
      tokenMode: 'stable' as const,
    }));
  const config = { ...loadConfig({ NODE_ENV: 'test', ...options.env }), apps };
  const client = new WeChatClient({
    baseUrls: options.baseUrls?.(sandbox) ?? [sandbox.url],
    wecomBaseUrls: options.baseUrls?.(sandbox) ?? [sandbox.url],
    timeoutMs: 1000,
  });
  const store = new MemoryStores();
  const manager = new TokenManager({
    apps,
    stores: store,
    api: client,
    backgroundRefresh: false,
    // Suites reset the sandbox between tests, which rejects the gateway's token each time; the
    // renewal budget (its own tests in test/credentials/manager-sandbox.test.ts) would answer
    // WECHAT_TOKEN_REJECTED for 30 s after the first such renewal.
    rejectedRenewalWindowSeconds: 0,
    busyBackoffBaseMs: 5,
    busyBackoffTotalMs: 50,
    ...options.manager,
  });
  const deps: GatewayDeps = {
    config,
    tokens: manager,
    store,
    api: { ...clientCalls(client), ...options.api?.(client) },
    ...(options.path
      ? { compiledPath: options.path === 'compiled' }
      : options.compiledPath === undefined
        ? {}
        : { compiledPath: options.compiledPath }),
    ...(options.httpTimeouts ? { httpTimeouts: options.httpTimeouts } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const gateway = createGateway(deps);
  const url = await gateway.listen(0, '127.0.0.1');
  const transports: Transport[] = [
    {
      name: 'in-process',
      endpoint: 'http://gateway.test/graphql',
      fetch: async (u, init) => gateway.yoga.fetch(u, init),
    },
    { name: 'http', endpoint: url, fetch: (u, init) => fetch(u, init) },
    {
      name: 'compiled',
      endpoint: url,
      fetch: (u, init) => {
        precompileBody(gateway, init.body);
        return fetch(u, init);
      },
      served: () => gateway.compiledAnswers(),
    },
  ];
  return {
    sandbox,
    apps,
    config,
    manager,
    store,
    client,
    gateway,
    url,
    transports,
    onPath: transports.find(
      (t) => t.name === (options.path === 'compiled' ? 'compiled' : 'http'),
    ) as Transport,
    async close() {
      await gateway.close();
      await manager.stop();
      await store.close();
      await client.close();
      await sandbox.close();
    },
  };
}

/** The client's calls as plain functions, so a test can replace some and keep the others. */
function clientCalls(client: WeChatClient): GatewayDeps['api'] {
  return {
    getCallbackIp: (token, platform) => client.getCallbackIp(token, platform),
    getApiDomainIp: (token, platform) => client.getApiDomainIp(token, platform),
    getApiQuota: (token, cgiPath) => client.getApiQuota(token, cgiPath),
    clearQuota: (token, appId) => client.clearQuota(token, appId),
    getRequestByRid: (token, rid) => client.getRequestByRid(token, rid),
    getTicket: (token, type) => client.getTicket(token, type),
    checkCallbackNetwork: (token, action, operator) => client.checkCallbackNetwork(token, action, operator),
  };
}
