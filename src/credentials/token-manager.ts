import { type Clock, systemClock } from '../clock.js';
import { type AppConfig, appKindOf, appSettingsFingerprint } from '../config/index.js';
import { UnknownAppError } from '../errors.js';
import { Listeners } from '../listeners.js';
import { silentLogger } from '../logger.js';
import { Redactor } from '../redact.js';
import type { CredentialKey, StoredCredential } from '../store/ports.js';
import { quotaWindowEnd } from '../upstream/quota-window.js';
import { TOKEN_ENDPOINT, WECHAT_API_PATHS, WECOM_API_PATHS } from '../wechat/api-paths.js';
import { TICKET_TYPES, type TicketType } from '../wechat/frontend-endpoints.js';
import { CredentialEngine } from './engine.js';
import type { CredentialKind } from './kind.js';
import { accessTokenKind } from './kinds/access-token.js';
import { isAuthorizerTokenKind } from './kinds/authorizer-token.js';
import { JsSdkTickets, jsSdkTicketKind } from './kinds/js-sdk-ticket.js';
import { isTokenKindName, tokenKindNameOf } from './kinds/names.js';
import { wecomKinds } from './kinds/wecom.js';
import {
  engineSettings,
  type ResolvedTokenManagerOptions,
  resolveTokenManagerOptions,
  type TokenManagerOptions,
} from './options.js';
import { type StatusReading, type StatusSubject, tokenStatuses } from './token-status.js';
import type {
  AppSummary,
  AuthorizerSource,
  TokenEvent,
  TokenInspection,
  TokenService,
  TokenStatus,
} from './types.js';

/**
 * The configured apps' credentials as GraphQL and the services ask for them (docs/token-rules.md):
 * the app registry, each app's access token and JS-SDK tickets on one `CredentialEngine`, token
 * status and events. Every rule of obtaining and renewing is the engine's.
 */
export class TokenManager implements TokenService {
  readonly tickets: JsSdkTickets;
  readonly #apps: ReadonlyMap<string, AppConfig>;
  /** `listApps`' answer, made once: the apps are fixed for this manager's life (a reload makes another). */
  readonly #summaries: readonly Readonly<AppSummary>[];
  readonly #defaultAppId: string | undefined;
  readonly #options: ResolvedTokenManagerOptions;
  readonly #clock: Clock;
  readonly #engine: CredentialEngine;
  readonly #token: CredentialKind;
  readonly #listeners: Listeners<TokenEvent>;
  readonly #endpointsCalled = new Map<string, Set<string>>();
  readonly #unsubscribe: () => void;
  readonly #authorizers: AuthorizerSource | undefined;

  /**
   * `authorizers`: the Open Platform components, whose authorizers are served as apps (an appId no app
   * is configured with is looked up among them; a configured app with the same appId wins).
   */
  constructor(options: TokenManagerOptions & { authorizers?: AuthorizerSource }) {
    this.#options = resolveTokenManagerOptions(options);
    this.#apps = new Map(options.apps.map((app) => [app.appId, app]));
    this.#summaries = [...this.#apps.values()].map((app) => Object.freeze(summaryOf(app)));
    this.#defaultAppId = options.defaultAppId;
    this.#authorizers = options.authorizers;
    this.#clock = options.clock ?? systemClock;
    const logger = (options.logger ?? silentLogger).child({ module: 'token' });
    this.#listeners = new Listeners(logger, 'token event');
    this.#token = accessTokenKind({
      app: (appId) => this.#app(appId),
      api: options.api,
      stableEarlyWindowMs: this.#options.stableEarlyWindowSeconds * 1000,
    });
    const onCacheLookup = options.onCacheLookup;
    const redactor = options.redactor ?? new Redactor();
    // The apps' secrets are configuration this manager was given (a reload's new apps included).
    for (const app of options.apps) redactor.learnSecret(app.appSecret);
    this.#engine = new CredentialEngine({
      stores: options.stores,
      kinds: [
        this.#token,
        ...TICKET_TYPES.map((type) => jsSdkTicketKind(type, options.api)),
        ...wecomKinds({ app: (appId) => this.#app(appId), api: options.api }),
      ],
      settings: engineSettings(this.#options),
      clock: this.#clock,
      random: options.random ?? Math.random,
      logger,
      redactor,
      // A reload that changes what WeChat sees of an app (its secret) is not held to its old refusals.
      settingsOf: (appId) => {
        const app = this.#apps.get(appId);
        return app && appSettingsFingerprint(app);
      },
      ...(onCacheLookup && {
        onCacheLookup: (key: CredentialKey, result: 'hit' | 'miss') => {
          if (isTokenKindName(key.kind)) onCacheLookup(key.appId, result);
        },
      }),
    });
    for (const app of this.#apps.values()) this.#engine.follow(tokenKey(app));
    this.tickets = new JsSdkTickets({
      engine: this.#engine,
      app: (appId) => this.#apps.get(appId),
      clock: this.#clock,
      marginMs: this.#options.refreshMarginSeconds * 1000,
      authorizerTicket: async (appId, type) =>
        this.#authorizers?.authorizerCredential(await this.#componentOf(appId), appId, type as TicketType),
    });
    const stops = [
      this.#engine.subscribe((event) => {
        if (isTokenKindName(event.kind)) this.#listeners.emit(event);
      }),
    ];
    // An authorizer's events are its token's (from every replica, through the store) and its
    // authorizations (AUTHORIZED, AUTHORIZATION_UPDATED, UNAUTHORIZED).
    if (this.#authorizers) {
      stops.push(
        this.#authorizers.subscribe((event) => {
          if (isAuthorizerTokenKind(event.kind) && !this.#apps.has(event.appId)) this.#listeners.emit(event);
        }),
        this.#authorizers.onAuthorization((event) => {
          if (!this.#apps.has(event.appId)) this.#listeners.emit(event);
        }),
      );
    }
    this.#unsubscribe = () => {
      for (const stop of stops) stop();
    };
  }

  /** Starts renewing every app's token ahead of its margin (when `backgroundRefresh` is on). */
  start(): void {
    this.#engine.start();
  }

  /**
   * Stops the background timers, waits (bounded by `stopTimeoutMs`) for fetches in flight, then stops
   * listening, so a manager replaced by a SIGHUP reload is not kept reachable.
   */
  async stop(): Promise<void> {
    await this.#engine.stop();
    this.#unsubscribe();
  }

  /** Every app without its secret; the same (frozen) summaries each time, in a new array. */
  listApps(): AppSummary[] {
    return [...this.#summaries];
  }

  defaultAppId(): string | undefined {
    if (this.#apps.size === 1) return this.#apps.keys().next().value;
    const chosen = this.#defaultAppId;
    return chosen !== undefined && this.#apps.has(chosen) ? chosen : undefined;
  }

  hasApp(appId: string): boolean {
    return this.#apps.has(appId);
  }

  app(appId: string): AppSummary | undefined {
    const app = this.#apps.get(appId);
    return app && summaryOf(app);
  }

  async findApp(appId: string): Promise<AppSummary | undefined> {
    const app = this.#apps.get(appId);
    if (app) return summaryOf(app);
    const componentAppId = await this.#authorizers?.locateAuthorizer(appId);
    if (componentAppId === undefined) return undefined;
    return { appId, name: appId, kind: 'officialAccount', tokenMode: 'classic', componentAppId };
  }

  async getToken(appId: string): Promise<StoredCredential> {
    const { engine, key } = await this.#route(appId);
    return engine.get(key);
  }

  async refresh(appId: string, options: { force: boolean }): Promise<StoredCredential> {
    const { engine, key } = await this.#route(appId);
    return engine.refresh(key, options.force);
  }

  async invalidateIfSame(appId: string, accessToken: string): Promise<boolean> {
    const { engine, key } = await this.#route(appId);
    return engine.invalidateIfSame(key, accessToken);
  }

  async reportRejected(appId: string, rejectedToken: string): Promise<StoredCredential> {
    const { engine, key } = await this.#route(appId);
    return engine.reportRejected(key, rejectedToken);
  }

  async call<T>(appId: string, endpoint: string, fn: (accessToken: string) => Promise<T>): Promise<T> {
    const { engine, key } = await this.#route(appId);
    this.#noteEndpoint(appId, endpoint);
    return engine.call(key, endpoint, fn);
  }

  async clearQuotaCircuits(appId: string): Promise<string[]> {
    const { engine } = await this.#route(appId);
    // An authorizer's token comes from the component's endpoint, whose circuits are the component's.
    const tokenEndpoints = this.#apps.has(appId) ? Object.values(TOKEN_ENDPOINT) : [];
    return engine.guard.circuits.closeDaily(appId, [...tokenEndpoints, ...this.#apiEndpoints(appId)]);
  }

  async status(appId: string): Promise<TokenStatus> {
    return (await this.statuses([appId]))[0] as TokenStatus;
  }

  /**
   * Configured apps in one batch on this manager's engine; authorizers in one batch per component
   * (`AuthorizerSource.tokenStatuses`), each located once. In the order asked.
   */
  async statuses(appIds: readonly string[]): Promise<TokenStatus[]> {
    const own = appIds.filter((appId) => this.#apps.has(appId) || !this.#authorizers);
    const answers = new Map<string, TokenStatus>();
    const batches: Promise<void>[] = [
      tokenStatuses(
        this.#statusReading(),
        own.map((appId) => this.#subject(this.#app(appId))),
      ).then((statuses) => {
        for (const status of statuses) answers.set(status.appId, status);
      }),
    ];
    const authorizers = this.#authorizers;
    const others = [...new Set(appIds.filter((appId) => !this.#apps.has(appId)))];
    if (authorizers && others.length > 0) {
      batches.push(
        Promise.all(others.map(async (appId) => [await this.#componentOf(appId), appId] as const)).then(
          async (located) => {
            const byComponent = new Map<string, string[]>();
            for (const [component, appId] of located)
              byComponent.set(component, [...(byComponent.get(component) ?? []), appId]);
            await Promise.all(
              [...byComponent].map(async ([component, ids]) => {
                const statuses = await authorizers.tokenStatuses(component, ids, (appId) =>
                  this.#apiEndpoints(appId),
                );
                for (const status of statuses) answers.set(status.appId, status);
              }),
            );
          },
        ),
      );
    }
    await Promise.all(batches);
    return appIds.map((appId) => answers.get(appId) as TokenStatus);
  }

  #statusReading(): StatusReading {
    return {
      engine: this.#engine,
      stores: this.#options.stores,
      clock: this.#clock,
      marginMs: this.#options.refreshMarginSeconds * 1000,
    };
  }

  /** A configured app's token, and the circuits that hold it back: its token endpoint's and its calls'. */
  #subject(app: AppConfig): StatusSubject {
    return {
      appId: app.appId,
      name: app.name,
      key: tokenKey(app),
      circuitEndpoints: () => [
        appKindOf(app) === 'wecom' ? WECOM_API_PATHS.token : TOKEN_ENDPOINT[app.tokenMode],
        ...this.#apiEndpoints(app.appId),
      ],
    };
  }

  subscribe(listener: (event: TokenEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  async inspect(appId: string): Promise<TokenInspection> {
    const app = this.#app(appId);
    const key = tokenKey(app);
    const endpoints = [...this.#tokenEndpoints(app), ...this.#apiEndpoints(appId)];
    const [circuits, leaseMs] = await Promise.all([
      this.#engine.guard.circuits.listOpen(appId, endpoints),
      this.#engine.leaseHeldForMs(key),
    ]);
    const now = this.#clock.now();
    const next = this.#engine.nextRenewalAt(key);
    return {
      ...(next !== undefined && { nextRenewalAt: new Date(next) }),
      ...(leaseMs > 0 && { fetchLockHeldUntil: new Date(now + leaseMs) }),
      circuits: circuits.map(({ endpoint, reaction, remainingMs }) => ({
        endpoint,
        errcode: reaction === 'daily-quota' ? 45009 : 45011,
        openUntil: quotaWindowEnd(now, remainingMs),
      })),
    };
  }

  #app(appId: string): AppConfig {
    const app = this.#apps.get(appId);
    if (!app) throw new UnknownAppError(appId);
    return app;
  }

  /**
   * Whose token an appId names, the one place that says so: a configured app's own (it wins over an
   * authorizer with the same appId), else an authorizer's, on its component's engine; neither is
   * UNKNOWN_APP, a revoked authorizer AUTHORIZER_UNAUTHORIZED.
   */
  async #route(appId: string): Promise<{ engine: CredentialEngine; key: CredentialKey }> {
    const app = this.#apps.get(appId);
    if (app || !this.#authorizers) return { engine: this.#engine, key: tokenKey(this.#app(appId)) };
    return this.#authorizers.authorizerCredential(await this.#componentOf(appId), appId);
  }

  /** The component an authorizer's appId is served for; UNKNOWN_APP when none. */
  async #componentOf(appId: string): Promise<string> {
    const componentAppId = await this.#authorizers?.locateAuthorizer(appId);
    if (componentAppId === undefined) throw new UnknownAppError(appId);
    return componentAppId;
  }

  /** The token endpoints whose circuits may hold the app's token back (a forced renewal's included). */
  #tokenEndpoints(app: AppConfig): string[] {
    if (appKindOf(app) === 'wecom') return [WECOM_API_PATHS.token];
    return this.#token.endpoints(app.appId, true);
  }

  /**
   * Every API endpoint whose quota circuit any replica may have opened for this app: the paths the
   * gateway knows, and any other this replica has called.
   */
  #apiEndpoints(appId: string): string[] {
    const app = this.#apps.get(appId);
    const wecom = app !== undefined && appKindOf(app) === 'wecom';
    const known = wecom
      ? [
          WECHAT_API_PATHS.callbackIp,
          WECHAT_API_PATHS.apiDomainIp,
          WECOM_API_PATHS.corpTicket,
          WECOM_API_PATHS.agentTicket,
        ]
      : Object.values(WECHAT_API_PATHS);
    return [...known, ...(this.#endpointsCalled.get(appId) ?? [])];
  }

  #noteEndpoint(appId: string, endpoint: string): void {
    const endpoints = this.#endpointsCalled.get(appId) ?? new Set<string>();
    endpoints.add(endpoint);
    this.#endpointsCalled.set(appId, endpoints);
  }
}

/** An app's token key: its platform's token kind, keyed by the app's own id (a WeCom app's `<corp>/<agent>`). */
function tokenKey(app: AppConfig): CredentialKey {
  return { appId: app.appId, kind: tokenKindNameOf(appKindOf(app)) };
}

/** What the gateway may show of an app: everything but its secret. */
function summaryOf({ appSecret: _secret, ...summary }: AppConfig): AppSummary {
  return { ...summary, kind: appKindOf(summary) };
}
