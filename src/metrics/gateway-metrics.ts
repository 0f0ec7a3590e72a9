import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ComponentManager, ComponentSummary } from '../credentials/component-manager.js';
import { isAuthorizerTokenKind } from '../credentials/kinds/authorizer-token.js';
import type { TokenEvent, TokenService, TokenStatus } from '../credentials/types.js';
import { decideReadiness } from '../lifecycle/readiness.js';
import { STREAM_KINDS, type StreamSlots } from '../limits/stream-slots.js';
import { cachedHealth } from '../store/health-cache.js';
import type { Stores } from '../store/ports.js';
import { atTurnEnd, finishTurn } from '../turn-end.js';
import { GATEWAY_APP_ID_PATTERN } from '../wechat/app-id.js';
import type { UpstreamCallEvent } from '../wechat/endpoints.js';
import { BoundedLabel, ENDPOINT_PATH, ERROR_CODE } from './bounded-label.js';
import { type OperationFacts, OperationLabels } from './operation-label.js';
import { OK } from './result-code.js';

export interface GatewayMetricsOptions {
  /** Where the metrics live; a dedicated one per gateway so tests and several gateways never collide. @default new Registry() */
  registry?: Registry;
  /** Prefix of every metric name. @default 'wxgw_' */
  prefix?: string;
  /** Operation names always used as labels (e.g. those of the trusted documents). @default [] */
  knownOperations?: Iterable<string>;
  /** How many other distinct operation names become labels, first come first served; the rest count as `other`. @default 50 */
  maxOperationNames?: number;
}

/** Where per-app state is read at scrape time (lazily: nothing is polled between scrapes). */
export interface TokenStateSource {
  tokens: Pick<TokenService, 'listApps' | 'statuses'>;
  store: Pick<Stores, 'health'>;
}

/** Request durations: a cached answer takes about a millisecond, an upstream round trip up to the timeout. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The execution phases of the request pipeline (src/pipeline/pipeline.ts). */
export type AnswerPhase = 'cache' | 'compiled' | 'yoga';

/** What the HTTP entry answers itself (src/pipeline/entry.ts): a fixed set, so a bounded label. */
export type EntryErrorCode =
  | 'BAD_REQUEST'
  | 'UNREADABLE_REQUEST'
  | 'MISDIRECTED_REQUEST'
  | 'INTERNAL_SERVER_ERROR';

interface Snapshot {
  statuses: TokenStatus[];
  degraded: boolean;
  /** What `GET /ready` would answer now (lifecycle/readiness.ts). */
  ready: boolean;
}

/**
 * The gateway's Prometheus metrics. Every label is bounded: operation names, apps, endpoints and codes
 * pass through a `BoundedLabel`; no token, secret or free text is ever a label.
 */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly #operations: OperationLabels;
  readonly #codes = new BoundedLabel({ pattern: ERROR_CODE, maxLearned: 100 });
  readonly #reasons = new BoundedLabel({ pattern: ERROR_CODE, maxLearned: 20 });
  readonly #apps = new BoundedLabel({ pattern: GATEWAY_APP_ID_PATTERN, maxLearned: 1000 });
  readonly #endpoints = new BoundedLabel({ pattern: ENDPOINT_PATH, maxLearned: 20 });
  readonly #graphql: Histogram<'operation' | 'code' | 'reason'>;
  readonly #upstreamCalls: Counter<'endpoint' | 'outcome'>;
  readonly #upstreamDuration: Histogram<'endpoint'>;
  readonly #refreshes: Counter<'app' | 'reason'>;
  readonly #invalidations: Counter<'app'>;
  readonly #fetchErrors: Counter<'app' | 'code'>;
  readonly #lookups: Counter<'app' | 'result'>;
  readonly #reloads: Counter<'outcome'>;
  readonly #entryErrors: Counter<'code'>;
  readonly #answers: Counter<'phase'>;
  readonly #compilations: Counter<'outcome'>;
  readonly #componentPushes: Counter<'component' | 'info_type' | 'outcome'>;
  #source: TokenStateSource | undefined;
  #components: Pick<ComponentManager, 'summaries'> | undefined;
  #pendingComponents: Promise<ComponentSummary[] | undefined> | undefined;
  #streams: Pick<StreamSlots, 'open'> | undefined;
  #pendingSnapshot: Promise<Snapshot> | undefined;

  constructor(options: GatewayMetricsOptions = {}) {
    const registry = options.registry ?? new Registry();
    const prefix = options.prefix ?? 'wxgw_';
    this.registry = registry;
    this.#operations = new OperationLabels({
      known: options.knownOperations ?? [],
      ...(options.maxOperationNames !== undefined && { maxNames: options.maxOperationNames }),
    });
    const registers = [registry];

    const graphql = new Histogram({
      name: `${prefix}graphql_request_duration_seconds`,
      help: 'Time from receiving a GraphQL request to its response, by operation name, result code and reason.',
      labelNames: ['operation', 'code', 'reason'],
      buckets: REQUEST_BUCKETS,
      registers,
      collect: finishTurn, // requests are observed at the end of their turn: a read sees them first
    });
    this.#graphql = graphql;
    const graphqlCount = `${prefix}graphql_request_duration_seconds_count`;
    new Counter({
      name: `${prefix}graphql_requests_total`,
      help: 'GraphQL requests by operation name (the operation that ran; "not_run" when none did, "other" past the bound), result code ("ok" or the first error code, as the response says it) and reason (the first error\'s extensions.reason, e.g. GRAPHQL_VALIDATION_FAILED for BAD_USER_INPUT; empty when none).',
      labelNames: ['operation', 'code', 'reason'],
      registers,
      // The requests the duration histogram observed, series by series: its counts, read at scrape time,
      // so one observation per request feeds both and they never disagree.
      async collect() {
        const { values } = await graphql.get();
        this.reset();
        for (const value of values) {
          if (value.metricName === graphqlCount) this.inc(value.labels, value.value);
        }
      },
    });
    this.#upstreamCalls = new Counter({
      name: `${prefix}upstream_calls_total`,
      help: 'HTTP attempts against WeChat by endpoint and outcome (ok, errcode, http_error, network_error, timeout, bad_response).',
      labelNames: ['endpoint', 'outcome'],
      registers,
    });
    this.#upstreamDuration = new Histogram({
      name: `${prefix}upstream_call_duration_seconds`,
      help: 'Duration of one HTTP attempt against WeChat, by endpoint.',
      labelNames: ['endpoint'],
      buckets: UPSTREAM_BUCKETS,
      registers,
    });
    this.#refreshes = new Counter({
      name: `${prefix}token_refreshes_total`,
      help: 'Tokens stored, by app and reason (cold, margin, invalidated, forced). With a shared store this replica also sees the refreshes of the others.',
      labelNames: ['app', 'reason'],
      registers,
    });
    this.#invalidations = new Counter({
      name: `${prefix}token_invalidations_total`,
      help: 'Cached tokens dropped because WeChat rejected them, by app.',
      labelNames: ['app'],
      registers,
    });
    this.#fetchErrors = new Counter({
      name: `${prefix}token_fetch_errors_total`,
      help: 'Failed token fetches of this replica, by app and error code.',
      labelNames: ['app', 'code'],
      registers,
    });
    this.#lookups = new Counter({
      name: `${prefix}token_cache_lookups_total`,
      help: 'Token lookups by app and result: hit (a cached token served) or miss (the caller waited for a fetch).',
      labelNames: ['app', 'result'],
      registers,
    });
    this.#reloads = new Counter({
      name: `${prefix}config_reloads_total`,
      help: 'Apps file reloads (SIGHUP) by outcome: ok, or error (the previous configuration stays).',
      labelNames: ['outcome'],
      registers,
    });
    this.#answers = new Counter({
      name: `${prefix}graphql_answers_total`,
      help: 'GraphQL requests past admission, by the execution phase that answered them: cache (an answer given again while its token and address-list reads are unchanged), compiled (a document Yoga ran before, run by graphql-jit), yoga (everything else, first runs included).',
      labelNames: ['phase'],
      registers,
      collect: finishTurn, // counted at the end of the turn, like the requests
    });
    this.#compilations = new Counter({
      name: `${prefix}graphql_documents_compiled_total`,
      help: 'Documents the compiled phase compiled with graphql-jit (once each, on its second run), by outcome: compiled, or not_compilable (answered by Yoga instead).',
      labelNames: ['outcome'],
      registers,
    });
    this.#entryErrors = new Counter({
      name: `${prefix}http_entry_errors_total`,
      help: 'Requests the HTTP entry answered itself, for any path: BAD_REQUEST (a malformed request line, target, header or Host, 400), UNREADABLE_REQUEST (headers too slow, 408, or too large, 431), MISDIRECTED_REQUEST (a Host outside GATEWAY_ALLOWED_HOSTS, 421), INTERNAL_SERVER_ERROR (an unexpected failure, masked, 500).',
      labelNames: ['code'],
      registers,
    });
    this.#componentPushes = new Counter({
      name: `${prefix}component_push_total`,
      help: 'Pushes to the Open Platform push endpoints by component ("unknown" for an appId not configured), InfoType ("unknown" when the push was refused before it was read) and outcome: accepted, duplicate (a ticket no newer than the stored one), or why it was refused.',
      labelNames: ['component', 'info_type', 'outcome'],
      registers,
    });

    const metrics = this;
    new Gauge({
      name: `${prefix}token_expires_in_seconds`,
      help: "Seconds until the app's cached token expires; 0 when there is none. Read at scrape time.",
      labelNames: ['app'],
      registers,
      async collect() {
        this.reset();
        for (const status of (await metrics.#snapshot())?.statuses ?? []) {
          this.set({ app: metrics.#apps.label(status.appId) }, status.expiresInSeconds ?? 0);
        }
      },
    });
    new Gauge({
      name: `${prefix}upstream_circuit_open`,
      help: "1 while a quota circuit blocks the app's upstream calls, else 0. Read at scrape time.",
      labelNames: ['app'],
      registers,
      async collect() {
        this.reset();
        for (const status of (await metrics.#snapshot())?.statuses ?? []) {
          this.set({ app: metrics.#apps.label(status.appId) }, status.circuitOpenUntil ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: `${prefix}token_rejection_renewal_blocked_seconds`,
      help: 'Seconds until a token WeChat keeps rejecting may be renewed again (WECHAT_TOKEN_REJECTED meanwhile); 0 when renewal is allowed. Read at scrape time.',
      labelNames: ['app'],
      registers,
      async collect() {
        this.reset();
        for (const status of (await metrics.#snapshot())?.statuses ?? []) {
          const until = status.renewalOnRejectionBlockedUntil?.getTime() ?? 0;
          this.set(
            { app: metrics.#apps.label(status.appId) },
            Math.max(0, Math.ceil((until - Date.now()) / 1000)),
          );
        }
      },
    });
    new Gauge({
      name: `${prefix}component_verify_ticket_age_seconds`,
      help: "Age of the Open Platform component's latest verify ticket (from its push's CreateTime); +Inf when none was ever received. WeChat pushes one every 10 minutes. Read at scrape time.",
      labelNames: ['component'],
      registers,
      async collect() {
        this.reset();
        for (const c of (await metrics.#componentSummaries()) ?? []) {
          const age = c.verifyTicket.ageSeconds;
          this.set({ component: metrics.#apps.label(c.appId) }, age ?? Number.POSITIVE_INFINITY);
        }
      },
    });
    new Gauge({
      name: `${prefix}authorizers`,
      help: "The Open Platform component's authorizers by state (AUTHORIZED, UNAUTHORIZED, REFRESH_TOKEN_INVALID); never one series per authorizer. Read at scrape time.",
      labelNames: ['component', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const c of (await metrics.#componentSummaries()) ?? []) {
          for (const [state, count] of Object.entries(c.authorizers))
            this.set({ component: metrics.#apps.label(c.appId), state }, count);
        }
      },
    });
    new Gauge({
      name: `${prefix}streams_open`,
      help: 'Long-lived streams open on this replica, by kind (subscription: tokenEvents; status_events: /status/events); capped by GATEWAY_MAX_STREAMS.',
      labelNames: ['kind'],
      registers,
      collect() {
        const streams = metrics.#streams;
        if (streams) for (const kind of STREAM_KINDS) this.set({ kind }, streams.open(kind));
      },
    });
    new Gauge({
      name: `${prefix}store_degraded`,
      help: '1 while the shared token store is unreachable and this replica serves from local memory, else 0.',
      registers,
      async collect() {
        const snapshot = await metrics.#snapshot();
        if (snapshot) this.set(snapshot.degraded ? 1 : 0);
      },
    });
    new Gauge({
      name: `${prefix}ready`,
      help: '1 while this replica would answer GET /ready with 200, else 0. Read at scrape time.',
      registers,
      async collect() {
        const snapshot = await metrics.#snapshot();
        if (snapshot) this.set(snapshot.ready ? 1 : 0);
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Where the streams gauge reads how many streams are open. */
  countStreams(streams: Pick<StreamSlots, 'open'>): void {
    this.#streams = streams;
  }

  /** Where the component gauges read each component's ticket and authorizer counts. */
  readComponentsFrom(components: Pick<ComponentManager, 'summaries'>): void {
    this.#components = components;
  }

  /** Where the scrape-time gauges read per-app token state and store health. */
  readTokenStateFrom(source: TokenStateSource): void {
    this.#source = source;
  }

  /**
   * Counts one GraphQL request under the label `OperationLabels` decides (operation-label.ts): only an
   * operation that ran, and not refused whole, names a series, within its caller's share of the slots.
   */
  observeGraphQLRequest(operation: OperationFacts, code: string, seconds: number, reason?: string): void {
    const codeLabel = code === OK ? OK : this.#codes.label(code);
    const reasonLabel = reason === undefined ? '' : this.#reasons.label(reason);
    const labels = { operation: this.#operations.label(operation), code: codeLabel, reason: reasonLabel };
    atTurnEnd(() => this.#graphql.observe(labels, seconds));
  }

  observeUpstreamCall(event: UpstreamCallEvent): void {
    const endpoint = this.#endpoints.label(event.endpoint);
    this.#upstreamCalls.inc({ endpoint, outcome: event.outcome });
    this.#upstreamDuration.observe({ endpoint }, event.durationMs / 1000);
  }

  /**
   * An app's token events; an Open Platform authorizer's are not counted here (no per-authorizer
   * series: authorizers are counted by state in wxgw_authorizers), nor are authorizations.
   */
  observeTokenEvent(event: TokenEvent): void {
    if (!('kind' in event) || isAuthorizerTokenKind(event.kind)) return;
    const app = this.#apps.label(event.appId);
    if (event.type === 'updated') this.#refreshes.inc({ app, reason: event.reason });
    else if (event.type === 'invalidated') this.#invalidations.inc({ app });
    else this.#fetchErrors.inc({ app, code: this.#codes.label(event.code) });
  }

  observeTokenLookup(appId: string, result: 'hit' | 'miss'): void {
    this.#lookups.inc({ app: this.#apps.label(appId), result });
  }

  observeConfigReload(outcome: 'ok' | 'error'): void {
    this.#reloads.inc({ outcome });
  }

  /** One GraphQL request answered past admission, by the execution phase that answered it. */
  observeAnswer(phase: AnswerPhase): void {
    atTurnEnd(() => this.#answers.inc({ phase }));
  }

  /** One document compiled by the compiled phase. */
  observeCompilation(outcome: 'compiled' | 'not_compilable'): void {
    this.#compilations.inc({ outcome });
  }

  observeEntryError(code: EntryErrorCode): void {
    this.#entryErrors.inc({ code });
  }

  /** Every value is bounded by its caller: a configured component or "unknown", a known InfoType, an outcome. */
  observeComponentPush(component: string, infoType: string, outcome: string): void {
    this.#componentPushes.inc({ component, info_type: infoType, outcome });
  }

  /** One read of the components per scrape, shared by both component gauges. */
  #componentSummaries(): Promise<ComponentSummary[] | undefined> {
    const components = this.#components;
    if (!components) return Promise.resolve(undefined);
    this.#pendingComponents ??= components
      .summaries()
      .catch(() => undefined)
      .finally(() => {
        this.#pendingComponents = undefined;
      });
    return this.#pendingComponents;
  }

  /** One read of every app's status per scrape, shared by the gauges that need it. */
  #snapshot(): Promise<Snapshot | undefined> {
    const source = this.#source;
    if (!source) return Promise.resolve(undefined);
    this.#pendingSnapshot ??= readSnapshot(source).finally(() => {
      this.#pendingSnapshot = undefined;
    });
    return this.#pendingSnapshot;
  }
}

async function readSnapshot(source: TokenStateSource): Promise<Snapshot> {
  const [statuses, health] = await Promise.all([
    source.tokens.statuses(source.tokens.listApps().map((app) => app.appId)).catch(() => undefined),
    cachedHealth(source.store).catch(() => ({ ok: false, degraded: true })),
  ]);
  return {
    statuses: statuses ?? [],
    degraded: health.degraded || !health.ok,
    // Statuses that cannot be read count as not ready, as /ready counts them.
    ready: statuses !== undefined && decideReadiness({ kind: 'store', ...health }, statuses).ready,
  };
}
