import { buildGateway } from '../../../src/build-gateway.js';
import type { Clock } from '../../../src/clock.js';
import { type AppConfig, type Config, loadConfig } from '../../../src/config/index.js';
import type { TokenManagerOptions } from '../../../src/credentials/options.js';
import type { TokenManager } from '../../../src/credentials/token-manager.js';
import type { SwappableTokenService } from '../../../src/lifecycle/swappable-token-service.js';
import { silentLogger } from '../../../src/logger.js';
import type { GatewayMetrics } from '../../../src/metrics/gateway-metrics.js';
import type { Gateway, GatewayDeps } from '../../../src/server.js';
import { MemoryStores } from '../../../src/store/memory/memory-stores.js';
import type { WeChatClient } from '../../../src/wechat/client.js';
import { injectFetch } from '../../support/inject.js';
import { type StartSandboxOptions, startSandbox, type TestSandbox } from '../../support/sandbox.js';
import type { Transport } from './execute.js';

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
  /** The clock of the engine and the gateway's caches (src/build-gateway.ts). @default the system clock */
  clock?: Clock;
  /** Replaces some of the WeChat calls GraphQL fields make. @default the real client for every call */
  api?: (client: WeChatClient) => Partial<GatewayDeps['api']>;
  /** WeChat base URLs. @default [sandbox.url] */
  baseUrls?: (sandbox: TestSandbox) => string[];
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
  /** The token service the gateway reads (it forwards the manager's events to its subscribers). */
  tokens: SwappableTokenService<TokenManager>;
  /** The stores the gateway shares its state through. */
  store: MemoryStores;
  /** The real client the gateway talks to the sandbox with. */
  client: WeChatClient;
  gateway: Gateway;
  /** The gateway's metrics (which phase answered: support/answers.ts). */
  metrics: GatewayMetrics;
  url: string;
  /** Every way in: the same gateway in process (its node:http handler) and over HTTP. */
  transports: Transport[];
  /** The 'http' transport: real HTTP on loopback. */
  http: Transport;
  /** The gateway in process: the whole pipeline without a socket (support/inject.ts). */
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  close(): Promise<void>;
}

/** The real stack on loopback, built as production builds it (src/build-gateway.ts) over the sandbox and a memory store. */
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
  const store = new MemoryStores();
  const built = await buildGateway(config, {
    upstream: {
      baseUrls: options.baseUrls?.(sandbox) ?? [sandbox.url],
      ...(options.api && { api: options.api }),
    },
    store,
    ...(options.clock && { clock: options.clock }),
    logger: options.logger ?? silentLogger,
    upstreamTimeoutMs: 1000,
    engine: {
      backgroundRefresh: false,
      // Suites reset the sandbox between tests, which rejects the gateway's token each time; the
      // renewal budget (its own tests in test/credentials/manager-sandbox.test.ts) would answer
      // WECHAT_TOKEN_REJECTED for 30 s after the first such renewal.
      rejectedRenewalWindowSeconds: 0,
      busyBackoffBaseMs: 5,
      busyBackoffTotalMs: 50,
      ...options.manager,
    },
    ...(options.httpTimeouts && { httpTimeouts: options.httpTimeouts }),
  });
  const { gateway, client } = built;
  const url = await gateway.listen(0, '127.0.0.1');
  const inProcess = injectFetch(gateway.handle);
  const transports: Transport[] = [
    { name: 'in-process', endpoint: 'http://gateway.test/graphql', fetch: inProcess },
    { name: 'http', endpoint: url, fetch: (u, init) => fetch(u, init) },
  ];
  return {
    sandbox,
    apps,
    config,
    manager: built.manager,
    tokens: built.tokens,
    store,
    client,
    gateway,
    metrics: built.metrics as GatewayMetrics,
    url,
    transports,
    http: transports[1] as Transport,
    fetch: inProcess,
    async close() {
      await built.close();
      await store.close();
      await sandbox.close();
    },
  };
}
