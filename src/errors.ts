/**
 * The gateway's error hierarchy. Every failure a client can see is a `GatewayError` with a stable
 * SCREAMING_SNAKE `code` (DESIGN.md, "Error contract"); `src/graphql/errors.ts` turns it into a
 * GraphQLError. Messages must never contain an app secret or a full access token.
 */

export type GatewayErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNKNOWN_APP'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'REFRESH_COOLDOWN'
  | 'WECHAT_TOKEN_REJECTED'
  | 'CLEAR_QUOTA_COOLDOWN'
  | 'RATE_LIMITED'
  | 'STORE_UNAVAILABLE'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'INTERNAL_SERVER_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE';

export interface GatewayErrorOptions {
  /** Whether the same request may succeed if repeated later. @default false */
  retryable?: boolean;
  /** When known, how long the caller should wait before retrying. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: string, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterSeconds =
      options.retryAfterSeconds === undefined ? undefined : Math.max(0, Math.ceil(options.retryAfterSeconds));
  }
}

export class BadUserInputError extends GatewayError {
  override name = 'BadUserInputError';
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

export class UnknownAppError extends GatewayError {
  override name = 'UnknownAppError';
  constructor(readonly appId: string) {
    super('UNKNOWN_APP', `No app with appId "${truncate(appId, 40)}" is configured on this gateway.`);
  }
}

export class UnauthenticatedError extends GatewayError {
  override name = 'UnauthenticatedError';
  constructor(message = 'An API key is required: send it as "Authorization: Bearer <key>" or "x-api-key".') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends GatewayError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class RefreshCooldownError extends GatewayError {
  override name = 'RefreshCooldownError';
  constructor(appId: string, retryAfterSeconds: number) {
    super(
      'REFRESH_COOLDOWN',
      `A forced refresh of ${appId} happened moments ago; try again in ${Math.ceil(retryAfterSeconds)} s.`,
      { retryable: true, retryAfterSeconds },
    );
  }
}

/**
 * WeChat rejected a token obtained moments ago (40001/40014/42001): renewing it again at once would
 * spend token quota in a loop, so the caller retries after the renewal budget's window.
 */
export class TokenRejectedError extends GatewayError {
  override name = 'TokenRejectedError';
  constructor(appId: string, retryAfterSeconds: number, options: { cause?: unknown } = {}) {
    super(
      'WECHAT_TOKEN_REJECTED',
      `WeChat rejected the token of ${appId}, which was obtained moments ago; it is renewed again at most once per window, so try again in ${Math.ceil(retryAfterSeconds)} s.`,
      { retryable: true, retryAfterSeconds, ...options },
    );
  }
}

/** A clear_quota of the app happened less than the cooldown ago (on any replica); WeChat was not called. */
export class ClearQuotaCooldownError extends GatewayError {
  override name = 'ClearQuotaCooldownError';
  constructor(appId: string, retryAfterSeconds: number) {
    super(
      'CLEAR_QUOTA_COOLDOWN',
      `The daily quotas of ${appId} were cleared moments ago (WeChat allows 10 clears a month); try again in ${Math.ceil(retryAfterSeconds)} s.`,
      { retryable: true, retryAfterSeconds },
    );
  }
}

export class RateLimitedError extends GatewayError {
  override name = 'RateLimitedError';
  constructor(message: string, retryAfterSeconds: number) {
    super('RATE_LIMITED', message, { retryable: true, retryAfterSeconds });
  }
}

export class StoreUnavailableError extends GatewayError {
  override name = 'StoreUnavailableError';
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super('STORE_UNAVAILABLE', message, { retryable: true, ...options });
  }
}

/** Network failure, timeout or 5xx on every configured base URL. */
export class UpstreamUnavailableError extends GatewayError {
  override name = 'UpstreamUnavailableError';
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super('UPSTREAM_UNAVAILABLE', message, { retryable: true, ...options });
  }
}

/** WeChat answered, but not with JSON of the expected shape. */
export class UpstreamBadResponseError extends GatewayError {
  override name = 'UpstreamBadResponseError';
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super('UPSTREAM_BAD_RESPONSE', message, { retryable: true, ...options });
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
