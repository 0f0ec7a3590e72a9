import type { ComponentConfig } from '../../../src/config/components.js';
import { type AppConfig, loadConfig } from '../../../src/config/index.js';
import { ComponentManager } from '../../../src/credentials/component-manager.js';
import { TokenManager } from '../../../src/credentials/token-manager.js';
import { MemoryBucketStore } from '../../../src/limits/memory-bucket-store.js';
import type { Logger } from '../../../src/logger.js';
import { connectTokenMetrics } from '../../../src/metrics/connect-metrics.js';
import { GatewayMetrics } from '../../../src/metrics/gateway-metrics.js';
import { observeUpstreamCalls } from '../../../src/metrics/upstream-observer.js';
import type { Redactor } from '../../../src/redact.js';
import { createGateway, type Gateway } from '../../../src/server.js';
import type { Stores } from '../../../src/store/ports.js';
import { WeChatClient } from '../../../src/wechat/client.js';
import { ComponentApi } from '../../../src/wechat/component-api.js';
import type { TestSandbox } from '../../support/sandbox.js';

export interface TestGateway {
  url: string;
  /** `http://127.0.0.1:port` without the GraphQL path. */
  origin: string;
  gateway: Gateway;
  manager: TokenManager;
  /** The Open Platform side, when components were given. */
  components?: ComponentManager;
  metrics: GatewayMetrics;
  graphql(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<Response>;
  close(): Promise<void>;
}

/** The whole gateway in this process, wired like main.ts, against a sandbox, on 127.0.0.1 and a free port. */
export async function startTestGateway(options: {
  sandbox: TestSandbox;
  store: Stores;
  logger: Logger;
  /** The gateway's apps. @default the sandbox's apps */
  apps?: AppConfig[];
  /** Open Platform components whose pushes the gateway receives. @default none */
  components?: ComponentConfig[];
  /** More settings (e.g. GATEWAY_API_KEYS). @default none */
  env?: Record<string, string>;
  /**
   * One redaction for the client, the engines, the push endpoint and the error mask, as main.ts wires
   * it (give the logger's too: `captureLogs(level, redactor)`). @default one of their own each
   */
  redactor?: Redactor;
}): Promise<TestGateway> {
  const { sandbox, store, logger, redactor } = options;
  const config = loadConfig({ NODE_ENV: 'test', WECHAT_API_BASE: sandbox.url, ...options.env });
  const apps =
    options.apps ?? sandbox.apps.map((app) => ({ ...app, name: app.appId, tokenMode: 'stable' as const }));
  const metrics = new GatewayMetrics();
  const client = new WeChatClient({
    baseUrls: [sandbox.url],
    timeoutMs: 2000,
    onUpstreamCall: observeUpstreamCalls({ logger, metrics }),
    ...(redactor && { redactor }),
  });
  const components = options.components?.length
    ? new ComponentManager({
        components: options.components,
        stores: store,
        api: new ComponentApi(client, redactor),
        frontend: client,
        logger,
        ...(redactor && { redactor }),
        backgroundRefresh: false,
      })
    : undefined;
  const manager = new TokenManager({
    apps,
    stores: store,
    api: client,
    logger,
    ...(redactor && { redactor }),
    backgroundRefresh: false,
    onCacheLookup: (appId, result) => metrics.observeTokenLookup(appId, result),
    ...(components && { authorizers: components }),
  });
  const disconnect = connectTokenMetrics(metrics, manager, store);
  if (components) metrics.readComponentsFrom(components);
  const gateway = createGateway({
    config: { ...config, apps, components: options.components ?? [] },
    tokens: manager,
    ...(components && { components }),
    store,
    api: client,
    logger,
    ...(redactor && { redactor }),
    metrics,
    buckets: new MemoryBucketStore(),
  });
  const url = await gateway.listen(0, '127.0.0.1');
  return {
    url,
    origin: new URL(url).origin,
    gateway,
    manager,
    ...(components && { components }),
    metrics,
    graphql: (query, variables = {}, headers = {}) => {
      return fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
    },
    async close() {
      disconnect();
      await gateway.close();
      await manager.stop();
      await components?.stop();
      await client.close();
    },
  };
}
