import { loadConfig } from '../../src/config/index.js';
import { MemoryBucketStore } from '../../src/limits/memory-bucket-store.js';
import { RateLimiter } from '../../src/limits/rate-limiter.js';
import { type Logger, silentLogger } from '../../src/logger.js';
import type { GatewayMetrics } from '../../src/metrics/gateway-metrics.js';
import type { AllowedMethods } from '../../src/pipeline/allowed-methods.js';
import type { CompiledPhase } from '../../src/pipeline/compiled-phase.js';
import { createObserver, type Observe } from '../../src/pipeline/observe.js';
import { createPipeline, type FetchServer, type Pipeline } from '../../src/pipeline/pipeline.js';
import { Redactor } from '../../src/redact.js';

export interface StandInPipelineOptions {
  /** The Yoga (or stand-in) behind the pipeline. */
  yoga: FetchServer;
  /** Settings read by loadConfig (NODE_ENV=test implied): API keys, rate limits. @default none */
  env?: Record<string, string>;
  /** The `http` module's logger. @default silentLogger */
  logger?: Logger;
  metrics?: GatewayMetrics;
  /** The observation, when Yoga needs it too (`useOutcome`). @default an observer on `logger` and `metrics` */
  observe?: Observe;
  /** @default POST and GET at /graphql */
  methods?: AllowedMethods;
  compiled?: CompiledPhase;
}

/**
 * The request pipeline in front of a Yoga the test builds (a stand-in schema, a failing server), wired
 * as src/server.ts wires it around the gateway's: the tests whose subject is a pipeline rule over a
 * small schema. The rate limit's clock stands still, so a budget spent in a test never refills.
 */
export function standInPipeline(options: StandInPipelineOptions): Pipeline {
  const config = loadConfig({ NODE_ENV: 'test', ...options.env });
  const logger = options.logger ?? silentLogger;
  const redactor = new Redactor();
  return createPipeline({
    pushPrefix: '/wechat/',
    allowedHosts: [],
    logger,
    redactor,
    metrics: options.metrics,
    methods: options.methods ?? { '/graphql': ['GET', 'POST'] },
    cors: { origins: [], logger },
    // Bodies without Content-Length are counted while they stream (no 411).
    bodyLimit: { maxBytes: config.graphql.maxBodyBytes, requireContentLength: false },
    auth: config.auth,
    limiter: new RateLimiter(new MemoryBucketStore({ clock: { now: () => 0 } }), config.limits.rate),
    observe: options.observe ?? createObserver({ logger, redactor, metrics: options.metrics }),
    yoga: options.yoga,
    compiled: options.compiled,
  });
}
