import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Clock } from './clock.js';
import { DocumentCache } from './compiled/document-cache.js';
import { ResponseCache } from './compiled/response-cache.js';
import type { Config } from './config/index.js';
import type { ComponentManager } from './credentials/component-manager.js';
import type { TokenService } from './credentials/types.js';
import { createContextFactory, type RequestContext } from './graphql/context.js';
import { createMaskError } from './graphql/errors.js';
import { schema } from './graphql/schema/index.js';
import { drainHttpServer } from './lifecycle/drain-http.js';
import type { BucketStore } from './limits/bucket-store.js';
import { StreamSlots } from './limits/stream-slots.js';
import { type Logger, silentLogger } from './logger.js';
import type { GatewayMetrics } from './metrics/gateway-metrics.js';
import { useOperationsAtEndpointOnly } from './pipeline/canonical-path.js';
import { createCompiledPhase } from './pipeline/compiled-phase.js';
import { createObserver, useOutcome } from './pipeline/observe.js';
import { createPipeline, type NodeHandler } from './pipeline/pipeline.js';
import { createSecurity } from './plugins/security-plugins.js';
import { useCloseRefusedConnections } from './plugins/use-close-refused-connections.js';
import { COMPONENT_PUSH_PREFIX, componentPushPlugins } from './plugins/use-component-push.js';
import { useGraphiQL } from './plugins/use-graphiql.js';
import { useHealth } from './plugins/use-health.js';
import { useIntrospection } from './plugins/use-introspection.js';
import { useMetricsEndpoint } from './plugins/use-metrics.js';
import { useReadiness } from './plugins/use-readiness.js';
import { useRequestParsing } from './plugins/use-request-parsing.js';
import { useStatusPage, useStatusPageOff } from './plugins/use-status-page.js';
import { useStreamLimits } from './plugins/use-stream-limits.js';
import { useSubscriptionShutdown } from './plugins/use-subscription-shutdown.js';
import { useValidation } from './plugins/use-validation.js';
import { yogaLogger } from './plugins/yoga-logger.js';
import { Redactor } from './redact.js';
import { ipListCaches } from './services/ip-list-cache.js';
import { JsSdkSigner } from './services/js-sdk.js';
import { NetworkChecker } from './services/network-check.js';
import { OpenApiManagement } from './services/open-api-management.js';
import type { StatusSectionSource } from './status/status-model.js';
import { ticketSection } from './status/ticket-section.js';
import type { Stores } from './store/ports.js';
import type { WeChatApi } from './wechat/endpoints.js';
import type { WeChatFrontendApi } from './wechat/frontend-endpoints.js';
import type { OpenApiManagementApi } from './wechat/open-api-endpoints.js';

const GRAPHQL_PATH = '/graphql';
/** The operator endpoints' methods (the pipeline's method rule). */
const READ_ONLY = ['GET', 'HEAD'];
/**
 * Yoga always registers its own health check, answering any URL that ends with this text: a line feed,
 * which no request target holds, turns it off (`/.yoga/health` is a 404 like any unknown path).
 */
const NO_URL_ENDS_WITH = '\n';

/**
 * Connections the kernel queues before the gateway accepts them. Node's default of 511 drops a burst of
 * new connections above it (the client retransmits its SYN only after a second); the kernel caps the
 * figure at `net.core.somaxconn` (4096 on current Linux), which docs/operations.md tells operators to check.
 */
const LISTEN_BACKLOG = 4096;

export interface GatewayDeps {
  config: Pick<
    Config,
    | 'nodeEnv'
    | 'apps'
    | 'graphql'
    | 'auth'
    | 'limits'
    | 'redis'
    | 'shutdownTimeoutMs'
    | 'statusPage'
    | 'token'
  > &
    Partial<Pick<Config, 'cors' | 'allowedHosts' | 'components' | 'componentPush'>>;
  tokens: TokenService;
  /** The Open Platform components (issue 26): their pushes, tokens and authorizers. */
  components?: ComponentManager;
  /** The shared state: its health, cooldowns, and credential changes (readiness follows them). */
  store: Pick<Stores, 'kind' | 'health' | 'holds' | 'credentials'>;
  /** The WeChat calls GraphQL fields make (the token manager has its own). */
  api: Pick<WeChatApi, 'getCallbackIp' | 'getApiDomainIp'> & OpenApiManagementApi & WeChatFrontendApi;
  /** @default silentLogger */
  logger?: Logger;
  /**
   * The gateway's redaction (src/redact.ts): the one the logger, the WeChat client and the token
   * manager share, so the error mask, the request line, /ready and /status remove every configured
   * secret and every credential the gateway holds. @default a redactor of its own (patterns only)
   */
  redactor?: Redactor;
  /** Clock of the IP-list caches and operation timestamps; only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /** Served at /metrics and fed by every GraphQL request; left out, there is no /metrics. */
  metrics?: GatewayMetrics;
  /** More per-app state for the status page, under each app's token and its JS-SDK tickets. @default [] */
  statusSections?: readonly StatusSectionSource[];
  /** Where rate-limit budgets live (src/build-gateway.ts chooses: Redis shares or memory). */
  buckets: BucketStore;
  /**
   * The compiled phase: documents Yoga has already run (the most recent 1,000 queries) are run again by
   * graphql-jit, and answers made of unchanged token reads are given again (src/pipeline/compiled-phase.ts).
   * Off, Yoga executes every operation (the bench's baseline). @default true
   */
  compiledPhase?: boolean;
  /** Bounds on how slowly a client may send a request. @default HTTP_TIMEOUTS */
  httpTimeouts?: HttpTimeouts;
}

export interface HttpTimeouts {
  /** A client must have sent its request headers within this long (else 408). */
  headersMs: number;
  /** A client must have sent its whole request (headers and body) within this long (else 408). */
  requestMs: number;
}

/**
 * Node's own bounds are 60 s for headers and 300 s for a request, checked every 30 s: long enough
 * for a few slow clients to hold sockets (and a graceful shutdown) for minutes. A request to this
 * gateway is at most MAX_BODY_BYTES of JSON.
 */
export const HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 10_000, requestMs: 30_000 };

export interface Gateway {
  yoga: YogaServerInstance<Record<string, unknown>, RequestContext>;
  server: Server;
  /** The request pipeline's node:http handler (the server's): what in-process requests are sent to. */
  handle: NodeHandler;
  /** Starts listening; resolves to the GraphQL endpoint URL (also where GraphiQL is served). */
  listen(port: number, host: string): Promise<string>;
  /**
   * Ends every open subscription (clients receive `complete`) and status-page event stream, and
   * refuses none started later to run on: call it before draining the HTTP server, which would
   * otherwise wait for subscribers to leave.
   */
  endSubscriptions(): void;
  /** The open subscriptions and status-page event streams, as counted against their caps. */
  streams: Pick<StreamSlots, 'open' | 'onChange'>;
  /**
   * Stops accepting connections, lets in-flight requests finish (bounded by `shutdownTimeoutMs`; the
   * same drain as SIGTERM's, a no-op when that already ran), then disposes Yoga.
   */
  close(): Promise<void>;
}

function endpointUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}${GRAPHQL_PATH}`;
}

/** The HTTP gateway: Yoga, its plugins in request order, and the IP-list caches (docs/architecture.md, "One request"). */
export function createGateway(deps: GatewayDeps): Gateway {
  const { config, tokens, store } = deps;
  const logger = deps.logger ?? silentLogger;
  const redactor = deps.redactor ?? new Redactor();
  const { api, clock } = deps;
  const { callbackIps, apiDomainIps } = ipListCaches({
    tokens,
    api,
    ttlSeconds: config.graphql.callbackIpsTtlSeconds,
    clock,
  });
  const openApi = new OpenApiManagement({
    tokens,
    api,
    clock,
    holds: store.holds,
    clearQuotaCooldownSeconds: config.token.clearQuotaCooldownSeconds,
  });
  const { tickets } = tokens;
  const pages = {
    tickets,
    signer: new JsSdkSigner({
      tickets,
      // The apps in force now: a reload that adds an app or changes its rules applies at once.
      pageRules: (appId) => {
        const app = tokens.app(appId);
        return app && { domains: app.jsSdkDomains, httpsOnly: app.jsSdkHttpsOnly };
      },
      wecom: (appId) => tokens.app(appId)?.wecom,
      clock,
    }),
    network: new NetworkChecker({ tokens, api }),
  };

  const security = createSecurity({ config, buckets: deps.buckets });
  const subscriptions = useSubscriptionShutdown();
  const streams = new StreamSlots(config.limits.streams);
  deps.metrics?.countStreams(streams);
  const statusPage = config.statusPage
    ? useStatusPage({
        tokens,
        store,
        streams,
        sections: [ticketSection(tickets), ...(deps.statusSections ?? [])],
        components: deps.components,
        ...(deps.clock ? { clock: deps.clock } : {}),
        redactor,
      })
    : undefined;
  const reshapedErrors = new WeakSet<object>();
  const maskError = createMaskError(logger, reshapedErrors, redactor);
  const context = createContextFactory({
    tokens,
    callbackIps,
    apiDomainIps,
    openApi,
    pages,
    components: deps.components,
  });
  const httpLogger = logger.child({ module: 'http' });
  const observe = createObserver({ logger: httpLogger, redactor, metrics: deps.metrics });
  const compiled =
    deps.compiledPhase === false
      ? undefined
      : createCompiledPhase({
          documents: new DocumentCache(schema, {
            ...(deps.metrics && { onCompile: deps.metrics.observeCompilation.bind(deps.metrics) }),
          }),
          answers: new ResponseCache({ tokens, lists: { callbackIps, apiDomainIps } }),
          context,
          maskError,
          observe,
          metrics: deps.metrics,
        });

  const yoga: YogaServerInstance<Record<string, unknown>, RequestContext> = createYoga<
    Record<string, unknown>,
    RequestContext
  >({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    // Yoga 5 always registers its health check, answering an empty 200 to any URL ending with this
    // endpoint (/health, /x/health, /.yoga/health) before our plugins see it: no URL ends with a line feed.
    healthCheckEndpoint: NO_URL_ENDS_WITH,
    landingPage: false,
    // CORS is the pipeline's (src/pipeline/cors.ts): Yoga's default reflects any Origin with credentials.
    cors: false,
    // Served by useGraphiQL: compressed, cacheable assets, and a page saying how to turn it on.
    graphiql: false,
    maskedErrors: { maskError, isDev: false },
    // The pipeline reads every body within its bound before Yoga sees the request.
    maxRequestBodySize: false,
    logging: yogaLogger(logger, reshapedErrors, redactor),
    context,
    // Admission, decoration and observation are the pipeline's (src/pipeline/pipeline.ts): Yoga is an
    // executor, and the endpoints below are what it serves besides operations.
    plugins: [
      useOperationsAtEndpointOnly(GRAPHQL_PATH),
      useCloseRefusedConnections(),
      useOutcome(observe),
      ...componentPushPlugins({
        config,
        store,
        components: deps.components,
        redactor,
        logger,
        clock: deps.clock,
        metrics: deps.metrics,
      }),
      ...(deps.metrics ? [useMetricsEndpoint({ metrics: deps.metrics })] : []),
      useHealth(),
      useGraphiQL({
        enabled: config.graphql.graphiql,
        keysRequired: config.auth.apiKeys.length > 0,
        introspection: config.graphql.introspection,
        graphqlEndpoint: GRAPHQL_PATH,
      }),
      useReadiness({ store, tokens, redactor, ...(deps.components && { components: deps.components }) }),
      statusPage ? statusPage.plugin : useStatusPageOff(),
      useIntrospection({ enabled: config.graphql.introspection }),
      useValidation(),
      ...security.plugins,
      // Before the shutdown's race, which then ends (and so releases) the capped stream.
      useStreamLimits(streams),
      subscriptions.plugin,
      ...(compiled ? [compiled.plugin] : []),
      // Last: Yoga's own parsers pick themselves before any of ours runs.
      useRequestParsing(),
    ],
  });
  const pipeline = createPipeline({
    graphqlEndpoint: GRAPHQL_PATH,
    pushPrefix: COMPONENT_PUSH_PREFIX,
    allowedHosts: config.allowedHosts ?? [],
    logger: httpLogger,
    redactor,
    metrics: deps.metrics,
    methods: {
      [GRAPHQL_PATH]: ['GET', 'POST'],
      '/health': READ_ONLY,
      '/ready': READ_ONLY,
      ...(deps.metrics ? { '/metrics': READ_ONLY } : {}),
      ...(statusPage ? { '/status': READ_ONLY, '/status/events': READ_ONLY } : {}),
    },
    cors: { origins: config.cors?.origins ?? [], logger },
    bodyLimit: {
      maxBytes: config.graphql.maxBodyBytes,
      requireContentLength: config.limits.requireContentLength,
    },
    auth: config.auth,
    limiter: security.limiter,
    observe,
    yoga,
    compiled,
  });
  const timeouts = deps.httpTimeouts ?? HTTP_TIMEOUTS;
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      // How often Node checks those bounds: its 30 s default would stretch them by up to 30 s.
      connectionsCheckingInterval: Math.min(1000, timeouts.headersMs),
      // A request without Host is refused by the HTTP entry, with the headers, id, log line and metric.
      requireHostHeader: false,
    },
    pipeline.handle,
  );
  server.on('clientError', pipeline.clientError);

  return {
    yoga,
    server,
    handle: pipeline.handle,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          resolve(endpointUrl(server.address() as AddressInfo));
        });
      });
    },
    streams,
    endSubscriptions: () => {
      subscriptions.end();
      statusPage?.end();
    },
    async close() {
      subscriptions.end();
      statusPage?.end();
      await drainHttpServer(server, { timeoutMs: config.shutdownTimeoutMs });
      await yoga.dispose();
    },
  };
}
