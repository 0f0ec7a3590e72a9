import { type Clock, systemClock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import { GatewayError, UnknownAppError } from '../errors.js';
import { Listeners } from '../listeners.js';
import { type Logger, silentLogger } from '../logger.js';
import { errorText } from '../redact.js';
import { BackgroundRefresher } from './background-refresher.js';
import { cachedHealth } from './health-cache.js';
import {
  type ResolvedTokenManagerOptions,
  resolveTokenManagerOptions,
  type TokenManagerOptions,
} from './manager-options.js';
import type { StoredToken, StoreEvent, TokenStore } from './store.js';
import { TokenFetcher } from './token-fetcher.js';
import { TokenPolicy } from './token-policy.js';
import { tokenState } from './token-state.js';
import type { AppSummary, TokenEvent, TokenInspection, TokenService, TokenStatus } from './types.js';
import { UpstreamGuard } from './upstream-guard.js';

/**
 * Owns the tokens of every configured app (docs/token-rules.md): the app registry, status and
 * events. Fetching is `TokenFetcher`'s (lock, flight, upstream call), the rules of when to fetch are
 * `TokenPolicy`'s, renewal ahead of expiry is `BackgroundRefresher`'s.
 */
export class TokenManager implements TokenService {
  readonly #apps: ReadonlyMap<string, AppConfig>;
  readonly #store: TokenStore;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #options: ResolvedTokenManagerOptions;
  readonly #fetcher: TokenFetcher;
  readonly #policy: TokenPolicy;
  readonly #guard: UpstreamGuard;
  readonly #background: BackgroundRefresher;
  readonly #listeners: Listeners<TokenEvent>;
  readonly #lastErrors = new Map<string, { code: string; message: string; at: Date }>();
  readonly #unsubscribeStore: () => void;

  constructor(options: TokenManagerOptions) {
    this.#options = resolveTokenManagerOptions(options);
    this.#apps = new Map(options.apps.map((app) => [app.appId, app]));
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    const random = options.random ?? Math.random;
    this.#logger = (options.logger ?? silentLogger).child({ module: 'token' });
    this.#listeners = new Listeners(this.#logger, 'token event');
    const marginMs = this.#options.refreshMarginSeconds * 1000;
    const earlyWindowMs = this.#options.stableEarlyWindowSeconds * 1000;
    const guard = new UpstreamGuard({
      store: this.#store,
      clock: this.#clock,
      random,
      logger: this.#logger,
      busy: {
        retries: this.#options.busyRetries,
        baseMs: this.#options.busyBackoffBaseMs,
        totalMs: this.#options.busyBackoffTotalMs,
      },
      negativeCacheMs: this.#options.negativeCacheSeconds * 1000,
    });
    this.#guard = guard;
    this.#fetcher = new TokenFetcher({
      store: this.#store,
      api: options.api,
      guard,
      clock: this.#clock,
      logger: this.#logger,
      marginMs,
      lockLeaseMs: this.#options.lockLeaseMs,
      lockWaitMs: this.#options.lockWaitMs,
      onFailure: (app, error, background) => this.#recordFailure(app, error, background),
      onObtained: (app) => this.#lastErrors.delete(app.appId),
    });
    this.#policy = new TokenPolicy({
      store: this.#store,
      fetcher: this.#fetcher,
      guard,
      clock: this.#clock,
      logger: this.#logger,
      marginMs,
      forceRefreshCooldownMs: this.#options.forceRefreshCooldownSeconds * 1000,
      minRefreshGapMs: this.#options.backgroundMinDelayMs,
      earlyWindowMs,
      rejectedRenewalWindowMs: this.#options.rejectedRenewalWindowSeconds * 1000,
      onCacheLookup: options.onCacheLookup,
    });
    this.#background = new BackgroundRefresher({
      appIds: [...this.#apps.keys()],
      store: this.#store,
      clock: this.#clock,
      random,
      logger: this.#logger,
      schedule: {
        marginMs,
        jitterMs: this.#options.backgroundJitterMs,
        minDelayMs: this.#options.backgroundMinDelayMs,
      },
      failureBackoff: {
        baseMs: this.#options.backgroundFailureBaseMs,
        maxMs: this.#options.backgroundFailureMaxMs,
      },
      stopTimeoutMs: this.#options.stopTimeoutMs,
      earlyWindowMs: (appId) => (this.#apps.get(appId)?.tokenMode === 'stable' ? earlyWindowMs : undefined),
      refresh: (appId, basis) => this.#refreshInBackground(appId, basis),
    });
    this.#unsubscribeStore = this.#store.subscribe((event) => this.#emit(event));
  }

  /** Starts renewing every app's token ahead of its margin (when `backgroundRefresh` is on). */
  start(): void {
    if (this.#options.backgroundRefresh) this.#background.start();
  }

  /**
   * Stops the background timers, waits (bounded by `stopTimeoutMs`) for refreshes in flight, then
   * stops listening to the store, so a manager replaced by a SIGHUP reload is not kept reachable.
   */
  async stop(): Promise<void> {
    await this.#background.stop();
    const pending = this.#fetcher.pending();
    if (pending.length > 0) {
      await Promise.race([Promise.allSettled(pending), this.#clock.sleep(this.#options.stopTimeoutMs)]);
    }
    this.#fetcher.close();
    this.#guard.circuits.close();
    this.#policy.close();
    this.#unsubscribeStore();
  }

  listApps(): AppSummary[] {
    return [...this.#apps.values()].map(({ appId, name, tokenMode }) => ({ appId, name, tokenMode }));
  }

  hasApp(appId: string): boolean {
    return this.#apps.has(appId);
  }

  async getToken(appId: string): Promise<StoredToken> {
    return this.#policy.getToken(this.#app(appId));
  }

  async refresh(appId: string, options: { force: boolean }): Promise<StoredToken> {
    return this.#policy.refresh(this.#app(appId), options.force);
  }

  async invalidateIfSame(appId: string, accessToken: string): Promise<boolean> {
    this.#app(appId);
    return this.#store.deleteIfSame(appId, accessToken);
  }

  async reportRejected(appId: string, rejectedToken: string): Promise<StoredToken> {
    return this.#policy.reportRejected(this.#app(appId), rejectedToken);
  }

  async call<T>(appId: string, endpoint: string, fn: (accessToken: string) => Promise<T>): Promise<T> {
    return this.#policy.call(this.#app(appId), endpoint, fn);
  }

  async clearQuotaCircuits(appId: string): Promise<string[]> {
    return this.#policy.clearQuotaCircuits(this.#app(appId));
  }

  async status(appId: string): Promise<TokenStatus> {
    const app = this.#app(appId);
    const [token, health, circuitMs] = await Promise.all([
      this.#store.get(appId),
      cachedHealth(this.#store),
      this.#policy.circuitOpenForMs(app),
    ]);
    const rejectedMs = token ? await this.#policy.rejectedRenewalBlockedForMs(app, token) : 0;
    const now = this.#clock.now();
    const lastError = this.#lastErrors.get(appId);
    return {
      appId,
      name: app.name,
      state: tokenState(token, now, this.#options.refreshMarginSeconds * 1000),
      degraded: health.degraded,
      ...(token && {
        accessToken: token.accessToken,
        expiresAt: new Date(token.expiresAt),
        obtainedAt: new Date(token.obtainedAt),
        expiresInSeconds: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
      }),
      ...(lastError && { lastError: { ...lastError } }),
      ...(circuitMs > 0 && { circuitOpenUntil: new Date(now + circuitMs) }),
      ...(rejectedMs > 0 && { renewalOnRejectionBlockedUntil: new Date(now + rejectedMs) }),
    };
  }

  subscribe(listener: (event: TokenEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  async inspect(appId: string): Promise<TokenInspection> {
    const app = this.#app(appId);
    const [circuits, lockMs] = await Promise.all([
      this.#policy.openCircuits(app),
      this.#store.lockHeldForMs?.(appId) ?? 0,
    ]);
    const now = this.#clock.now();
    const next = this.#background.nextRunAt(appId);
    return {
      ...(next !== undefined && { nextRenewalAt: new Date(next) }),
      ...(lockMs > 0 && { fetchLockHeldUntil: new Date(now + lockMs) }),
      circuits: circuits.map(({ endpoint, reaction, remainingMs }) => ({
        endpoint,
        errcode: reaction === 'daily-quota' ? 45009 : 45011,
        openUntil: new Date(now + remainingMs),
      })),
    };
  }

  #app(appId: string): AppConfig {
    const app = this.#apps.get(appId);
    if (!app) throw new UnknownAppError(appId);
    return app;
  }

  async #refreshInBackground(
    appId: string,
    basis: StoredToken | undefined,
  ): Promise<StoredToken | undefined> {
    return this.#policy.refreshInBackground(this.#app(appId), basis);
  }

  #recordFailure(app: AppConfig, error: unknown, background: boolean): void {
    const code = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
    const message = errorText(error, [app.appSecret]);
    this.#lastErrors.set(app.appId, { code, message, at: new Date(this.#clock.now()) });
    this.#logger.warn({ appId: app.appId, code, background, err: message }, 'token fetch failed');
    this.#emit({ type: 'error', appId: app.appId, code, message, background });
  }

  #emit(event: TokenEvent | StoreEvent): void {
    this.#listeners.emit(event);
  }
}
