import type { AppKind, TokenMode, WeComAppConfig } from '../config/index.js';
import type { CredentialKey, StoredCredential } from '../store/ports.js';
import type { TicketType } from '../wechat/frontend-endpoints.js';
import type { CredentialEngine, EngineEvent } from './engine.js';
import type { JsSdkTickets } from './kinds/js-sdk-ticket.js';
import type { CredentialState } from './state.js';

/** FRESH: usable beyond the refresh margin; EXPIRING: inside it; EXPIRED: past expiry; MISSING: none. */
export type TokenState = CredentialState;

export interface AppSummary {
  appId: string;
  /** Official Account, Mini Program or WeCom app. @default 'officialAccount' */
  kind?: AppKind;
  name: string;
  tokenMode: TokenMode;
  /** The page domains its JS-SDK signatures are limited to; absent: any host. */
  jsSdkDomains?: readonly string[];
  /** Its JS-SDK signatures are for `https://` pages only. */
  jsSdkHttpsOnly?: boolean;
  /** A WeCom app's corp and agent (or special secret's name); never its secret. */
  wecom?: WeComAppConfig;
  /** Set on an Open Platform authorizer: the component its token is obtained through. */
  componentAppId?: string;
}

export interface TokenStatus {
  appId: string;
  name: string;
  state: TokenState;
  expiresAt?: Date;
  obtainedAt?: Date;
  expiresInSeconds?: number;
  /** The token itself; the GraphQL layer shows it only to callers with `token:read`. */
  accessToken?: string;
  /** The last failure to obtain a token, if the last attempt failed. */
  lastError?: { code: string; message: string; at: Date };
  /** Set while a quota circuit blocks upstream calls for this app. */
  circuitOpenUntil?: Date;
  /** Set while WeChat rejected a token obtained moments ago and it is not renewed again (WECHAT_TOKEN_REJECTED). */
  renewalOnRejectionBlockedUntil?: Date;
  /** True when the shared store is down and this replica serves from its local fallback. */
  degraded: boolean;
}

/** What the status page shows beyond `TokenStatus`: read-only, never calls WeChat. */
export interface TokenInspection {
  /** When this replica's background refresher next renews the token; absent when none is scheduled. */
  nextRenewalAt?: Date;
  /** Whether some replica holds the app's fetch lock right now, and until when. */
  fetchLockHeldUntil?: Date;
  /** The open quota circuits, by endpoint (`…:force_refresh` is stable_token's forced-refresh quota). */
  circuits: { endpoint: string; errcode: 45009 | 45011; openUntil: Date }[];
}

/**
 * Everything that happens to access tokens, for subscriptions, logs and metrics: the engine's events
 * of apps' and authorizers' tokens, and what happens to an authorizer's authorization.
 */
export type TokenEvent = EngineEvent | AuthorizationEvent;

/** What the GraphQL layer needs from the token manager. */
export interface TokenService {
  /** The apps' JS-SDK tickets, on the same engine as their tokens. */
  readonly tickets: Pick<JsSdkTickets, 'get' | 'statuses'>;
  listApps(): AppSummary[];
  /** Whether `appId` is a configured app (an Open Platform authorizer is not: see `findApp`). */
  hasApp(appId: string): boolean;
  /**
   * A configured app, else an Open Platform authorizer served as an app (the configured app wins):
   * undefined when neither; a revoked authorizer rejects AUTHORIZER_UNAUTHORIZED, one needing a new
   * authorization AUTHORIZER_REAUTHORIZATION_REQUIRED. Reads the store, never calls WeChat.
   */
  findApp(appId: string): Promise<AppSummary | undefined>;
  /** The app's settings in force now (after any reload), never its secret; undefined when unknown. */
  app(appId: string): AppSummary | undefined;
  /** A usable token, fetched (single-flight, locked) when missing or inside the margin. */
  getToken(appId: string): Promise<StoredCredential>;
  /** The app an omitted `appId` means: the only app, or the configured default; undefined when none. */
  defaultAppId(): string | undefined;
  /** Reads state; never calls WeChat. */
  status(appId: string): Promise<TokenStatus>;
  /**
   * `status` of many apps with one store read (one `MGET`, one per slot in a Redis Cluster), in the
   * order asked: what lists of apps, /ready, /metrics and the status page read.
   */
  statuses(appIds: readonly string[]): Promise<TokenStatus[]>;
  /** `force: false` returns the cached token while fresh; `force: true` fetches anew (cooldown applies). */
  refresh(appId: string, options: { force: boolean }): Promise<StoredCredential>;
  invalidateIfSame(appId: string, accessToken: string): Promise<boolean>;
  /**
   * A service reports that WeChat rejected `rejectedToken`: if it is the stored token, it is dropped
   * (compare-and-delete) and a new one obtained in normal mode, once across replicas; otherwise the
   * stored token is returned without calling WeChat. The answer never says which case it was.
   */
  reportRejected(appId: string, rejectedToken: string): Promise<StoredCredential>;
  /** Runs a WeChat call with the app's token, applying the retry rules (renew once, backoff, circuits). */
  call<T>(appId: string, endpoint: string, fn: (accessToken: string) => Promise<T>): Promise<T>;
  /**
   * Closes the app's daily-quota (45009) circuits on every replica, once WeChat's quota was cleared
   * (`/cgi-bin/clear_quota`); returns the endpoints whose circuit was open.
   */
  clearQuotaCircuits(appId: string): Promise<string[]>;
  subscribe(listener: (event: TokenEvent) => void): () => void;
  /** Renewal schedule, fetch lock and circuits of one app, for the status page. */
  inspect?(appId: string): Promise<TokenInspection>;
}

/** What happened to an authorizer, for `tokenEvents` (AUTHORIZED, AUTHORIZATION_UPDATED, UNAUTHORIZED). */
export type AuthorizationEvent = {
  type: 'authorized' | 'authorization-updated' | 'unauthorized';
  componentAppId: string;
  appId: string;
};

/**
 * What the token service needs of the Open Platform components (a `ComponentManager`) to serve their
 * authorizers as apps: which component an appId authorized, where its token and tickets live, its
 * status, and its events.
 */
export interface AuthorizerSource {
  locateAuthorizer(appId: string): Promise<string | undefined>;
  authorizerCredential(
    componentAppId: string,
    authorizerAppId: string,
    ticket?: TicketType,
  ): { engine: CredentialEngine; key: CredentialKey };
  /** The authorizers' token statuses in one batch; `apiEndpoints`: the circuits to report beside the token endpoint's. */
  tokenStatuses(
    componentAppId: string,
    authorizerAppIds: readonly string[],
    apiEndpoints: (appId: string) => Iterable<string>,
  ): Promise<TokenStatus[]>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  onAuthorization(listener: (event: AuthorizationEvent) => void): () => void;
}
