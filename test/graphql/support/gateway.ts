import type { DestinationStream } from 'pino';
import { buildGateway } from '../../../src/build-gateway.js';
import type { Clock } from '../../../src/clock.js';
import type { ComponentConfig } from '../../../src/config/components.js';
import { type AppConfig, type Config, loadConfig } from '../../../src/config/index.js';
import type { ComponentManager } from '../../../src/credentials/component-manager.js';
import type { TokenManagerOptions } from '../../../src/credentials/options.js';
import type { TokenManager } from '../../../src/credentials/token-manager.js';
import type { SwappableTokenService } from '../../../src/lifecycle/swappable-token-service.js';
import { silentLogger } from '../../../src/logger.js';
import type { GatewayMetrics } from '../../../src/metrics/gateway-metrics.js';
import type { Gateway, GatewayDeps } from '../../../src/server.js';
import { MemoryStores } from '../../../src/store/memory/memory-stores.js';
import type { Stores } from '../../../src/store/ports.js';
import type { WeChatClient } from '../../../src/wechat/client.js';
import { injectFetch } from '../../support/inject.js';
import { type StartSandboxOptions, startSandbox, type TestSandbox } from '../../support/sandbox.js';
import { countSubscribers, type SubscriberCount } from '../../support/subscribers.js';
import type { Transport } from './execute.js';

/** `env` for a production test gateway: production refuses to start without an app, and the test gateway replaces this one with the sandbox's. */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  WECHAT_APP_ID: 'wx0123456789abcdef',
  WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
};

export interface TestGatewayOptions {
  /**
   * The WeChat sandbox: the options of one started for this gateway (and closed with it), or a running
   * one the caller shares between gateways and closes itself. @default a sandbox of one app
   */
  sandbox?: StartSandboxOptions | TestSandbox;
  /** Apps the gateway is configured with. @default the sandbox's apps, in stable mode */
  apps?: AppConfig[] | ((sandbox: TestSandbox) => AppConfig[]);
  /** Open Platform components the gateway serves. @default none */
  components?: ComponentConfig[];
  /** The shared state, owned by the caller (replicas over one Redis). @default a memory store of its own */
  store?: Stores;
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
  /** How long a WeChat call may take before it fails as unavailable. @default 1000 */
  upstreamTimeoutMs?: number;
  /** The gateway's logger. @default silent */
  logger?: GatewayDeps['logger'];
  /**
   * Where the gateway's own logger writes, through the gateway's one redactor as main.ts wires it (the
   * no-leak suites; LOG_LEVEL in `env` sets its level). Instead of `logger`. @default none
   */
  logDestination?: DestinationStream;
}

export interface TestGateway {
  sandbox: TestSandbox;
  apps: AppConfig[];
  config: Config;
  manager: TokenManager;
  /** The token service the gateway reads (it forwards the manager's events to its subscribers). */
  tokens: SwappableTokenService<TokenManager>;
  /** The listeners subscribed to `tokens`, counted and waited on (a stream attaches one and must release it). */
  subscribers: SubscriberCount;
  /** The stores the gateway shares its state through. */
  store: Stores;
  /** The Open Platform side, when components were given. */
  components: ComponentManager | undefined;
  /** The real client the gateway talks to the sandbox with. */
  client: WeChatClient;
  gateway: Gateway;
  /** The gateway's metrics (which phase answered: support/answers.ts). */
  metrics: GatewayMetrics;
  url: string;
  /** `http://127.0.0.1:port`, without the GraphQL path. */
  origin: string;
  /** A GraphQL POST as JSON over HTTP. */
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<Response>;
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
  const shared = options.sandbox && 'url' in options.sandbox ? options.sandbox : undefined;
  const sandbox = shared ?? (await startSandbox(options.sandbox as StartSandboxOptions | undefined));
  const apps =
    (typeof options.apps === 'function' ? options.apps(sandbox) : options.apps) ??
    sandbox.apps.map((app, index) => ({
      ...app,
      name: `Test app ${index + 1}`,
      tokenMode: 'stable' as const,
    }));
  const config = {
    ...loadConfig({ NODE_ENV: 'test', ...options.env }),
    apps,
    components: options.components ?? [],
  };
  const store = options.store ?? new MemoryStores();
  const built = await buildGateway(config, {
    upstream: {
      baseUrls: options.baseUrls?.(sandbox) ?? [sandbox.url],
      ...(options.api && { api: options.api }),
    },
    store,
    ...(options.clock && { clock: options.clock }),
    ...(options.logDestination
      ? { logDestination: options.logDestination }
      : { logger: options.logger ?? silentLogger }),
    upstreamTimeoutMs: options.upstreamTimeoutMs ?? 1000,
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
  const subscribers = countSubscribers(built.tokens);
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
    subscribers,
    store,
    components: built.components,
    client,
    gateway,
    metrics: built.metrics as GatewayMetrics,
    url,
    origin: new URL(url).origin,
    graphql: (query, variables = {}, headers = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      }),
    transports,
    http: transports[1] as Transport,
    fetch: inProcess,
    async close() {
      await built.close();
      if (!options.store) await store.close();
      if (!shared) await sandbox.close();
    },
  };
}
