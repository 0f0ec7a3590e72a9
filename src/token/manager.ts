import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '../config/index.js';
import {
  GatewayError,
  RefreshCooldownError,
  StoreUnavailableError,
  UnknownAppError,
  UpstreamUnavailableError,
} from '../errors.js';
import { type Logger, silentLogger } from '../logger.js';
import { errorText, tokenFingerprint } from '../redact.js';
import { WECHAT_API_PATHS } from '../wechat/api-paths.js';
import type { WeChatApi } from '../wechat/endpoints.js';
import { WeChatError } from '../wechat/errors.js';
import { BackgroundRefresher } from './background-refresher.js';
import { type BusyRetryPolicy, busyRetryDelay } from './backoff.js';
import { type Clock, type Random, systemClock } from './clock.js';
import { cachedHealth } from './health-cache.js';
import {
  type ResolvedTokenManagerOptions,
  resolveTokenManagerOptions,
  type TokenManagerOptions,
} from './manager-options.js';
import { NegativeCache } from './negative-cache.js';
import { QuotaCircuits, TOKEN_ENDPOINT, tokenCircuits } from './quota-circuits.js';
import { isQuotaReaction, retryAfterSeconds } from './quota-window.js';
import { SingleFlight } from './single-flight.js';
import type { RefreshReason, StoredToken, StoreEvent, TokenStore } from './store.js';
import { isNewerToken, refreshAction, renewableEarly, tokenState } from './token-state.js';
import type { AppSummary, TokenEvent, TokenService, TokenStatus } from './types.js';

/** Polling while another replica fetches, in case its `updated` notification is lost. */
const LOCK_POLL_FIRST_MS = 25;
const LOCK_POLL_MAX_MS = 500;

interface ObtainOptions {
  force: boolean;
  /** A still-valid token to serve at once when another replica is already refreshing. */
  fallback?: StoredToken;
  background: boolean;
}

/**
 * Owns the tokens of every configured app (DESIGN.md, "Token rules"): one upstream fetch per app at a
 * time across replicas, renewal ahead of expiry, and the retry rules of the errcode catalog.
 */
export class TokenManager implements TokenService {
  readonly #apps: ReadonlyMap<string, AppConfig>;
  readonly #store: TokenStore;
  readonly #api: WeChatApi;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #logger: Logger;
  readonly #onCacheLookup: TokenManagerOptions['onCacheLookup'];
  readonly #options: ResolvedTokenManagerOptions;
  readonly #busyPolicy: BusyRetryPolicy;
  readonly #flights = new SingleFlight<StoredToken>();
  readonly #circuits: QuotaCircuits;
  readonly #negative: NegativeCache;
  readonly #background: BackgroundRefresher;
  readonly #listeners = new Set<(event: TokenEvent) => void>();
  readonly #updateWaiters = new Map<string, Set<() => void>>();
  readonly #lastErrors = new Map<string, { code: string; message: string; at: Date }>();
  readonly #endpointsCalled = new Map<string, Set<string>>();
  readonly #lastRefreshBehind = new Map<string, number>();
  readonly #unsubscribeStore: () => void;

  constructor(options: TokenManagerOptions) {
    this.#options = resolveTokenManagerOptions(options);
    this.#apps = new Map(options.apps.map((app) => [app.appId, app]));
    this.#store = options.store;
    this.#api = options.api;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#logger = (options.logger ?? silentLogger).child({ module: 'token' });
    this.#onCacheLookup = options.onCacheLookup;
    this.#busyPolicy = {
      retries: this.#options.busyRetries,
      baseMs: this.#options.busyBackoffBaseMs,
      totalMs: this.#options.busyBackoffTotalMs,
    };
    this.#circuits = new QuotaCircuits(this.#store, this.#clock);
    this.#negative = new NegativeCache(this.#clock, this.#options.negativeCacheSeconds * 1000);
    this.#background = new BackgroundRefresher({
      appIds: [...this.#apps.keys()],
      store: this.#store,
      clock: this.#clock,
      random: this.#random,
      logger: this.#logger,
      schedule: {
        marginMs: this.#marginMs,
        jitterMs: this.#options.backgroundJitterMs,
        minDelayMs: this.#options.backgroundMinDelayMs,
      },
      failureBackoff: {
        baseMs: this.#options.backgroundFailureBaseMs,
        maxMs: this.#options.backgroundFailureMaxMs,
      },
      stopTimeoutMs: this.#options.stopTimeoutMs,
      refresh: (appId, basis) => this.#refreshInBackground(appId, basis),
    });
    this.#unsubscribeStore = this.#store.subscribe((event) => this.#onStoreEvent(event));
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
    const pending = this.#flights.pending();
    if (pending.length > 0) {
      await Promise.race([
        Promise.allSettled(pending),
        sleep(this.#options.stopTimeoutMs, undefined, { ref: false }),
      ]);
    }
    this.#unsubscribeStore();
    this.#circuits.close();
  }

  listApps(): AppSummary[] {
    return [...this.#apps.values()].map(({ appId, name, tokenMode }) => ({ appId, name, tokenMode }));
  }

  hasApp(appId: string): boolean {
    return this.#apps.has(appId);
  }

  async getToken(appId: string): Promise<StoredToken> {
    const app = this.#app(appId);
    const token = await this.#store.get(appId);
    const action = refreshAction(tokenState(token, this.#clock.now(), this.#marginMs));
    this.#onCacheLookup?.(appId, token && action !== 'blocking' ? 'hit' : 'miss');
    if (token && action === 'none') return token;
    if (token && action === 'background') {
      if (renewableEarly(token, this.#marginMs)) this.#refreshBehind(app, token);
      return token;
    }
    return this.#obtain(app, token ? 'margin' : 'cold', token, { force: false, background: false });
  }

  async refresh(appId: string, options: { force: boolean }): Promise<StoredToken> {
    const app = this.#app(appId);
    const token = await this.#store.get(appId);
    if (!options.force) {
      if (token && tokenState(token, this.#clock.now(), this.#marginMs) === 'FRESH') return token;
      return this.#obtain(app, token ? 'margin' : 'cold', token, { force: false, background: false });
    }
    // Checked before the cooldown is claimed, so a refusal does not also cost the next minute.
    this.#throwIfNegativelyCached(appId);
    await this.#checkCircuits(appId, tokenCircuits(app.tokenMode, true));
    const claim = await this.#store.claim(
      `cooldown:${appId}`,
      this.#options.forceRefreshCooldownSeconds * 1000,
    );
    if (!claim.ok) throw new RefreshCooldownError(appId, retryAfterSeconds(claim.remainingMs));
    return this.#obtain(app, 'forced', token, { force: true, background: false });
  }

  async invalidateIfSame(appId: string, accessToken: string): Promise<boolean> {
    this.#app(appId);
    return this.#store.deleteIfSame(appId, accessToken);
  }

  async call<T>(appId: string, endpoint: string, fn: (accessToken: string) => Promise<T>): Promise<T> {
    const app = this.#app(appId);
    this.#noteEndpoint(appId, endpoint);
    await this.#circuits.check(appId, endpoint, 'api');
    const token = await this.getToken(appId);
    try {
      return await this.#withRetries(appId, endpoint, () => fn(token.accessToken));
    } catch (error) {
      if (!(error instanceof WeChatError && error.reaction === 'renew-token')) throw error;
      this.#logger.info(
        { appId, endpoint, errcode: error.errcode, fingerprint: tokenFingerprint(token.accessToken) },
        'WeChat rejected the token; renewing it once and retrying',
      );
      await this.#store.deleteIfSame(appId, token.accessToken);
      const renewed = await this.#obtain(app, 'invalidated', token, { force: false, background: false });
      return await this.#withRetries(appId, endpoint, () => fn(renewed.accessToken));
    }
  }

  async clearQuotaCircuits(appId: string): Promise<string[]> {
    this.#app(appId);
    return this.#circuits.closeDaily(appId, [...Object.values(TOKEN_ENDPOINT), ...this.#apiEndpoints(appId)]);
  }

  async status(appId: string): Promise<TokenStatus> {
    const app = this.#app(appId);
    const endpoints = [TOKEN_ENDPOINT[app.tokenMode], ...this.#apiEndpoints(appId)];
    const [token, health, circuitMs] = await Promise.all([
      this.#store.get(appId),
      cachedHealth(this.#store),
      this.#circuits.openForMs(appId, endpoints),
    ]);
    const now = this.#clock.now();
    const lastError = this.#lastErrors.get(appId);
    return {
      appId,
      name: app.name,
      state: tokenState(token, now, this.#marginMs),
      degraded: health.degraded,
      ...(token && {
        accessToken: token.accessToken,
        expiresAt: new Date(token.expiresAt),
        obtainedAt: new Date(token.obtainedAt),
        expiresInSeconds: Math.max(0, Math.floor((token.expiresAt - now) / 1000)),
      }),
      ...(lastError && { lastError: { ...lastError } }),
      ...(circuitMs > 0 && { circuitOpenUntil: new Date(now + circuitMs) }),
    };
  }

  subscribe(listener: (event: TokenEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get #marginMs(): number {
    return this.#options.refreshMarginSeconds * 1000;
  }

  #app(appId: string): AppConfig {
    const app = this.#apps.get(appId);
    if (!app) throw new UnknownAppError(appId);
    return app;
  }

  /**
   * Every API endpoint whose quota circuit any replica may have opened for this app: the paths the
   * gateway knows, and any other this replica has called.
   */
  #apiEndpoints(appId: string): string[] {
    return [...Object.values(WECHAT_API_PATHS), ...(this.#endpointsCalled.get(appId) ?? [])];
  }

  #noteEndpoint(appId: string, endpoint: string): void {
    const endpoints = this.#endpointsCalled.get(appId) ?? new Set<string>();
    endpoints.add(endpoint);
    this.#endpointsCalled.set(appId, endpoints);
  }

  async #checkCircuits(appId: string, endpoints: readonly string[]): Promise<void> {
    for (const endpoint of endpoints) await this.#circuits.check(appId, endpoint, 'token');
  }

  #throwIfNegativelyCached(appId: string): void {
    const remembered = this.#negative.recall(appId);
    if (remembered) throw remembered;
  }

  /** A token still inside its life but past the margin: serve it, renew behind it (throttled). */
  #refreshBehind(app: AppConfig, token: StoredToken): void {
    const now = this.#clock.now();
    const last = this.#lastRefreshBehind.get(app.appId);
    if (last !== undefined && now - last < this.#options.backgroundMinDelayMs) return;
    this.#lastRefreshBehind.set(app.appId, now);
    this.#obtain(app, 'margin', token, { force: false, fallback: token, background: true }).catch(() => {
      // Already logged and reported as an `error` event by #fetchUpstream; the caller got a valid token.
    });
  }

  /** One fetch per app in this process (single-flight), and one across replicas (the store lock). */
  #obtain(
    app: AppConfig,
    reason: RefreshReason,
    seen: StoredToken | undefined,
    options: ObtainOptions,
  ): Promise<StoredToken> {
    this.#throwIfNegativelyCached(app.appId);
    // A flight that may answer with its fallback (the old token) must not be joined by callers who
    // need a new one, such as a renewal after WeChat rejected that very token.
    const key = options.force ? `${app.appId}#forced` : options.fallback ? `${app.appId}#behind` : app.appId;
    return this.#flights.run(key, () => this.#fetchLocked(app, reason, seen, options));
  }

  async #fetchLocked(
    app: AppConfig,
    reason: RefreshReason,
    seen: StoredToken | undefined,
    options: ObtainOptions,
  ): Promise<StoredToken> {
    // A real-time deadline: the wait is made of real timers, whatever the injected clock says.
    const deadline = performance.now() + this.#options.lockWaitMs;
    let pollMs = LOCK_POLL_FIRST_MS;
    for (;;) {
      const lock = await this.#tryLock(app);
      if (lock.acquired) {
        try {
          // Someone may have renewed it between our read and the lock: then there is nothing to do.
          const current = await this.#store.get(app.appId);
          if (current && isNewerToken(current, seen) && this.#needsNoRenewal(current)) return current;
          return await this.#fetchUpstream(app, reason, options);
        } finally {
          if (lock.owner) await this.#releaseLock(app.appId, lock.owner);
        }
      }
      if (options.fallback && this.#clock.now() < options.fallback.expiresAt) return options.fallback;
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new UpstreamUnavailableError(
          `Another gateway replica is fetching the token of ${app.appId} and did not finish within ${this.#options.lockWaitMs} ms; try again.`,
        );
      }
      await this.#waitForUpdate(app.appId, Math.min(pollMs, remaining));
      pollMs = Math.min(pollMs * 2, LOCK_POLL_MAX_MS);
      const current = await this.#store.get(app.appId);
      if (current && isNewerToken(current, seen)) return current;
    }
  }

  /**
   * `owner` is undefined when the shared store is down and the mode allows fetching without it:
   * stable_token hands every replica the same token, whereas an unlocked classic /cgi-bin/token call
   * would kill every other replica's token, so classic mode refuses.
   */
  async #tryLock(app: AppConfig): Promise<{ acquired: boolean; owner?: string }> {
    try {
      const owner = await this.#store.acquireLock(app.appId, this.#options.lockTtlMs);
      return owner ? { acquired: true, owner } : { acquired: false };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || app.tokenMode === 'classic') throw error;
      this.#logger.warn(
        { appId: app.appId },
        'shared store unavailable; fetching the stable token without the distributed lock',
      );
      return { acquired: true };
    }
  }

  async #releaseLock(appId: string, owner: string): Promise<void> {
    try {
      await this.#store.releaseLock(appId, owner);
    } catch (error) {
      // The lock expires by itself after lockTtlMs; the token is already stored.
      this.#logger.warn({ appId, err: errorText(error) }, 'could not release the token fetch lock');
    }
  }

  async #fetchUpstream(app: AppConfig, reason: RefreshReason, options: ObtainOptions): Promise<StoredToken> {
    const circuits = tokenCircuits(app.tokenMode, options.force);
    let issued: Awaited<ReturnType<WeChatApi['fetchToken']>>;
    try {
      await this.#checkCircuits(app.appId, circuits);
      issued = await this.#withRetries(app.appId, circuits[0], () =>
        this.#api.fetchToken(
          { appId: app.appId, appSecret: app.appSecret },
          { mode: app.tokenMode, forceRefresh: options.force },
        ),
      );
    } catch (error) {
      this.#recordFailure(app, error, options.background);
      throw error;
    }
    const now = this.#clock.now();
    const token: StoredToken = {
      accessToken: issued.accessToken,
      obtainedAt: now,
      expiresAt: now + issued.expiresInSeconds * 1000,
    };
    await this.#store.set(app.appId, token, reason);
    this.#lastErrors.delete(app.appId);
    this.#logger.info(
      {
        appId: app.appId,
        reason,
        fingerprint: tokenFingerprint(token.accessToken),
        expiresIn: issued.expiresInSeconds,
      },
      'obtained a new access token',
    );
    return token;
  }

  #recordFailure(app: AppConfig, error: unknown, background: boolean): void {
    if (error instanceof WeChatError && error.reaction === 'config')
      this.#negative.remember(app.appId, error);
    const code = error instanceof GatewayError ? error.code : 'INTERNAL_SERVER_ERROR';
    const message = errorText(error, [app.appSecret]);
    this.#lastErrors.set(app.appId, { code, message, at: new Date(this.#clock.now()) });
    this.#logger.warn({ appId: app.appId, code, background, err: message }, 'token fetch failed');
    this.#emit({ type: 'error', appId: app.appId, code, message, background });
  }

  /**
   * One upstream call under the errcode rules that need no token change: bounded jittered retries
   * while WeChat is busy, and a quota circuit opened on 45009/45011 (callers check it beforehand).
   */
  async #withRetries<T>(appId: string, endpoint: string, fn: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; retry++) {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof WeChatError)) throw error;
        if (isQuotaReaction(error.reaction)) {
          throw await this.#circuits.open(appId, endpoint, error.reaction, error);
        }
        const delay =
          error.reaction === 'backoff' ? busyRetryDelay(retry, this.#busyPolicy, this.#random) : undefined;
        if (delay === undefined) throw error;
        this.#logger.debug({ appId, endpoint, retry: retry + 1, delayMs: delay }, 'WeChat busy; backing off');
        await sleep(delay);
      }
    }
  }

  /** The background refresher's entry: never waits for a lock another replica holds. */
  async #refreshInBackground(
    appId: string,
    basis: StoredToken | undefined,
  ): Promise<StoredToken | undefined> {
    const app = this.#app(appId);
    this.#throwIfNegativelyCached(appId);
    const lock = await this.#tryLock(app);
    if (!lock.acquired) return undefined;
    try {
      const current = await this.#store.get(appId);
      // Another replica may have stored a token between our read and the lock (in classic mode a
      // second fetch would rotate it for nothing).
      if (current && isNewerToken(current, basis)) return current;
      // Its own flight key: a caller's flight on `appId` may be waiting for the very lock held here,
      // so joining it would wait on ourselves until lockWaitMs. Such callers wake on the `updated` event.
      return await this.#flights.run(`${appId}#background`, () =>
        this.#fetchUpstream(app, current ? 'margin' : 'cold', { force: false, background: true }),
      );
    } finally {
      if (lock.owner) await this.#releaseLock(appId, lock.owner);
    }
  }

  #waitForUpdate(appId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.#updateWaiters.get(appId) ?? new Set<() => void>();
      this.#updateWaiters.set(appId, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.#updateWaiters.delete(appId);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref();
      waiters.add(done);
    });
  }

  #onStoreEvent(event: StoreEvent): void {
    if (event.type === 'updated') {
      for (const wake of [...(this.#updateWaiters.get(event.appId) ?? [])]) wake();
    }
    this.#emit(event);
  }

  /** Fresh, or inside the margin but just handed back by WeChat, which would only hand it back again. */
  #needsNoRenewal(token: StoredToken): boolean {
    const state = tokenState(token, this.#clock.now(), this.#marginMs);
    return state === 'FRESH' || (state === 'EXPIRING' && !renewableEarly(token, this.#marginMs));
  }

  #emit(event: TokenEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.warn({ err: errorText(error) }, 'a token event listener threw');
      }
    }
  }
}
