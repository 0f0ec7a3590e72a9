import type { Clock } from '../clock.js';
import type { AppConfig } from '../config/index.js';
import { RefreshCooldownError, TokenRejectedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { tokenFingerprint } from '../redact.js';
import { TOKEN_ENDPOINT, WECHAT_API_PATHS } from '../wechat/api-paths.js';
import { WeChatError } from '../wechat/errors.js';
import { CircuitBoard } from './circuit-board.js';
import { type QuotaCircuits, tokenCircuits } from './quota-circuits.js';
import { retryAfterSeconds } from './quota-window.js';
import type { StoredToken, TokenStore } from './store.js';
import type { TokenFetcher } from './token-fetcher.js';
import { refreshAction, renewableEarly, tokenState } from './token-state.js';
import type { UpstreamGuard } from './upstream-guard.js';

export interface TokenPolicyOptions {
  store: TokenStore;
  fetcher: TokenFetcher;
  guard: UpstreamGuard;
  clock: Clock;
  logger: Logger;
  marginMs: number;
  forceRefreshCooldownMs: number;
  /** Shortest gap between two renewals started behind a request. */
  minRefreshGapMs: number;
  /** Before this much is left, stable_token would only hand the same token back. */
  earlyWindowMs: number;
  /** A rejected token younger than this is not renewed again at once. */
  rejectedRenewalWindowMs: number;
  onCacheLookup: ((appId: string, result: 'hit' | 'miss') => void) | undefined;
}

/**
 * When a token is used, renewed or forced (docs/token-rules.md): serve it while valid, renew behind
 * it in the margin, force at most once per cooldown, renew once when WeChat rejects it; the quota
 * circuits and busy retries of every call come from the `UpstreamGuard`.
 */
export class TokenPolicy {
  readonly #options: TokenPolicyOptions;
  readonly #endpointsCalled = new Map<string, Set<string>>();
  readonly #lastRefreshBehind = new Map<string, number>();
  /** The rejection holds, reported from process memory as the quota circuits are (status, /metrics). */
  readonly #rejections: CircuitBoard;

  constructor(options: TokenPolicyOptions) {
    this.#options = options;
    this.#rejections = new CircuitBoard({ store: options.store, clock: options.clock });
  }

  close(): void {
    this.#rejections.close();
  }

  async getToken(app: AppConfig): Promise<StoredToken> {
    const { store, clock, marginMs } = this.#options;
    const token = await store.get(app.appId);
    const action = refreshAction(tokenState(token, clock.now(), marginMs));
    this.#options.onCacheLookup?.(app.appId, token && action !== 'blocking' ? 'hit' : 'miss');
    if (token && action === 'none') return token;
    if (token && action === 'background') {
      if (this.#renewableNow(app, token)) this.#refreshBehind(app, token);
      return token;
    }
    return this.#fetch(app, token);
  }

  async refresh(app: AppConfig, force: boolean): Promise<StoredToken> {
    const { store, clock, marginMs, guard } = this.#options;
    const token = await store.get(app.appId);
    if (!force) {
      if (token && tokenState(token, clock.now(), marginMs) === 'FRESH') return token;
      return this.#fetch(app, token);
    }
    // Checked before the cooldown is claimed, so a refusal does not also cost the next minute.
    await guard.throwIfNegativelyCached(app.appId);
    await guard.checkTokenCircuits(app.appId, tokenCircuits(app.tokenMode, true));
    const claim = await store.claim(`cooldown:${app.appId}`, this.#options.forceRefreshCooldownMs);
    if (!claim.ok) throw new RefreshCooldownError(app.appId, retryAfterSeconds(claim.remainingMs));
    return this.#options.fetcher.fetch(app, {
      reason: 'forced',
      seen: token,
      force: true,
      whenLocked: 'wait',
    });
  }

  async reportRejected(app: AppConfig, rejectedToken: string): Promise<StoredToken> {
    const token = await this.#options.store.get(app.appId);
    // Another token (renewed meanwhile, or one this gateway never issued): nothing to do upstream.
    if (!token || token.accessToken !== rejectedToken) return token ?? this.#fetch(app, token);
    await this.#options.store.deleteIfSame(app.appId, rejectedToken);
    return this.#options.fetcher.fetch(app, {
      reason: 'invalidated',
      seen: token,
      force: false,
      whenLocked: 'wait',
    });
  }

  /** The background refresher's entry: never waits for a lock another replica holds. */
  refreshInBackground(app: AppConfig, basis: StoredToken | undefined): Promise<StoredToken | undefined> {
    return this.#options.fetcher.fetch(app, {
      reason: basis ? 'margin' : 'cold',
      seen: basis,
      force: false,
      whenLocked: 'skip',
    });
  }

  async call<T>(app: AppConfig, endpoint: string, fn: (accessToken: string) => Promise<T>): Promise<T> {
    const { guard } = this.#options;
    const appId = app.appId;
    this.#noteEndpoint(appId, endpoint);
    await guard.circuits.check(appId, endpoint, 'api');
    const token = await this.getToken(app);
    try {
      return await guard.run(appId, endpoint, () => fn(token.accessToken));
    } catch (error) {
      if (!(error instanceof WeChatError && error.reaction === 'renew-token')) throw error;
      const renewed = await this.#renewRejected(app, token, error);
      return await guard.run(appId, endpoint, () => fn(renewed.accessToken));
    }
  }

  async clearQuotaCircuits(app: AppConfig): Promise<string[]> {
    return this.#options.guard.circuits.closeDaily(app.appId, [
      ...Object.values(TOKEN_ENDPOINT),
      ...this.#apiEndpoints(app.appId),
    ]);
  }

  /** How long a rejection of `token` would not renew it (shared by replicas); 0 when it would. */
  rejectedRenewalBlockedForMs(app: AppConfig, token: StoredToken): Promise<number> {
    return this.#rejections.heldForMs(app.appId, () => [rejectedRenewalKey(app.appId, token)]);
  }

  /** Milliseconds until every quota circuit that concerns the app is closed; 0 when none is open. */
  circuitOpenForMs(app: AppConfig): Promise<number> {
    return this.#options.guard.circuits.openForMs(app.appId, () => [
      TOKEN_ENDPOINT[app.tokenMode],
      ...this.#apiEndpoints(app.appId),
    ]);
  }

  /** Every open quota circuit that concerns the app, token endpoints (forced refresh included) first. */
  openCircuits(app: AppConfig): ReturnType<QuotaCircuits['listOpen']> {
    const endpoints = [...tokenCircuits(app.tokenMode, true), ...this.#apiEndpoints(app.appId)];
    return this.#options.guard.circuits.listOpen(app.appId, endpoints);
  }

  #fetch(app: AppConfig, seen: StoredToken | undefined): Promise<StoredToken> {
    return this.#options.fetcher.fetch(app, {
      reason: seen ? 'margin' : 'cold',
      seen,
      force: false,
      whenLocked: 'wait',
    });
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

  /**
   * The token to retry with after WeChat rejected `token`: renewed once, however many callers on
   * however many replicas met the rejection (they join one fetch). A token that was itself obtained
   * by such a renewal less than the window ago is not renewed again (held in the store, shared by
   * replicas): a WeChat that rejects every token would otherwise make each request renew it once,
   * each classic renewal rotating it and spending quota.
   */
  async #renewRejected(app: AppConfig, token: StoredToken, error: WeChatError): Promise<StoredToken> {
    const { store, logger, fetcher } = this.#options;
    const appId = app.appId;
    const fingerprint = tokenFingerprint(token.accessToken);
    const blockedMs = await store.heldForMs(rejectedRenewalKey(appId, token));
    if (blockedMs > 0) {
      logger.warn(
        { appId, errcode: error.errcode, fingerprint, retryInMs: blockedMs },
        'WeChat rejected a token renewed moments ago for the same reason; not renewing it again yet',
      );
      throw new TokenRejectedError(appId, blockedMs / 1000, { cause: error });
    }
    logger.info(
      { appId, errcode: error.errcode, fingerprint },
      'WeChat rejected the token; renewing it once and retrying',
    );
    await store.deleteIfSame(appId, token.accessToken);
    const renewed = await fetcher.fetch(app, {
      reason: 'invalidated',
      seen: token,
      force: false,
      whenLocked: 'wait',
    });
    const key = rejectedRenewalKey(appId, renewed);
    await store.hold(key, this.#options.rejectedRenewalWindowMs);
    this.#rejections.record(key, this.#options.rejectedRenewalWindowMs);
    return renewed;
  }

  /** Whether asking WeChat now could give a new token (not the same one handed back). */
  #renewableNow(app: AppConfig, token: StoredToken): boolean {
    if (!renewableEarly(token, this.#options.marginMs)) return false;
    if (app.tokenMode !== 'stable') return true;
    return token.expiresAt - this.#options.clock.now() <= this.#options.earlyWindowMs;
  }

  /** A token still inside its life but past the margin: serve it, renew behind it (throttled). */
  #refreshBehind(app: AppConfig, token: StoredToken): void {
    const now = this.#options.clock.now();
    const last = this.#lastRefreshBehind.get(app.appId);
    if (last !== undefined && now - last < this.#options.minRefreshGapMs) return;
    this.#lastRefreshBehind.set(app.appId, now);
    this.#options.fetcher
      .fetch(app, { reason: 'margin', seen: token, force: false, whenLocked: 'fallback' })
      .catch(() => {
        // Already logged and reported as an `error` event by the fetcher; the caller got a valid token.
      });
  }
}

/** Names the token by fingerprint, never by value. */
function rejectedRenewalKey(appId: string, token: StoredToken): string {
  return `rejected-renewal:${appId}:${tokenFingerprint(token.accessToken)}`;
}
