/**
 * The gateway's error hierarchy: every failure a client can see is a `GatewayError` whose `code` is one
 * of the fixed codes below (docs/error-codes.md); `src/graphql/errors.ts` turns it into
 * a GraphQLError. One class per gateway code; WeChat's codes are `WeChatError`s (src/wechat/errors.ts).
 * Messages must never contain an app secret or a full access token.
 */

/** The gateway's own codes. */
export const GATEWAY_CODES = [
  'BAD_USER_INPUT',
  'UNKNOWN_APP',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'REFRESH_COOLDOWN',
  'WECHAT_TOKEN_REJECTED',
  'CLEAR_QUOTA_COOLDOWN',
  'RATE_LIMITED',
  'STORE_UNAVAILABLE',
  'PERSISTED_QUERY_NOT_FOUND',
  'INTERNAL_SERVER_ERROR',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'TOO_MANY_STREAMS',
  'MISDIRECTED_REQUEST',
] as const;

/** The codes an errcode maps to (the catalog in src/wechat/errors.ts says which errcode is which). */
export const WECHAT_CODES = [
  'WECHAT_BUSY',
  'WECHAT_INVALID_CREDENTIAL',
  'WECHAT_INVALID_REQUEST',
  'WECHAT_INVALID_APPID',
  'WECHAT_TOKEN_INVALID',
  'WECHAT_INVALID_SECRET',
  'WECHAT_IP_NOT_WHITELISTED',
  'WECHAT_SECRET_FROZEN',
  'WECHAT_TOKEN_EXPIRED',
  'WECHAT_QUOTA_EXCEEDED',
  'WECHAT_RATE_LIMITED',
  'WECHAT_API_UNAUTHORIZED',
  'WECHAT_IP_NEEDS_CONFIRMATION',
  'WECHAT_CLEAR_QUOTA_LIMIT',
  'WECHAT_CALLBACK_URL_INVALID',
  'WECHAT_ERROR',
  // Open Platform (third-party platform) codes: from the errcodes 61005/61006, 61023 and 61003, and
  // answered by the gateway itself for the same states (no ticket yet, an authorization revoked).
  'COMPONENT_TICKET_INVALID',
  'AUTHORIZER_REAUTHORIZATION_REQUIRED',
  'AUTHORIZER_UNAUTHORIZED',
] as const;

export type WeChatErrorCode = (typeof WECHAT_CODES)[number];

/** Every `extensions.code` a client can see. */
export type GatewayErrorCode = (typeof GATEWAY_CODES)[number] | WeChatErrorCode;

export interface GatewayErrorOptions {
  /** Whether the same request may succeed if repeated later. @default false */
  retryable?: boolean;
  /** When known, how long the caller should wait before retrying. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class GatewayError extends Error {
  override name = 'GatewayError';
  readonly code: GatewayErrorCode;
  readonly retryable: boolean;
  readonly retryAfterSeconds: number | undefined;

  protected constructor(code: GatewayErrorCode, message: string, options: GatewayErrorOptions = {}) {
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

/** A long-lived stream over GATEWAY_MAX_STREAMS or GATEWAY_MAX_STREAMS_PER_CALLER (HTTP 429). */
export class TooManyStreamsError extends GatewayError {
  override name = 'TooManyStreamsError';
  constructor(message: string) {
    super('TOO_MANY_STREAMS', message, { retryable: true });
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

/** A document id (GATEWAY_TRUSTED_DOCUMENTS) that names no trusted document. */
export class PersistedQueryNotFoundError extends GatewayError {
  override name = 'PersistedQueryNotFoundError';
  constructor(id: string) {
    super(
      'PERSISTED_QUERY_NOT_FOUND',
      `No trusted document has id "${truncate(id, 80)}"; regenerate the client with \`npm run codegen\` and redeploy the manifest.`,
    );
  }
}

/** A `Host` that GATEWAY_ALLOWED_HOSTS does not list (HTTP 421): a DNS-rebinding page, or a misrouted request. */
export class MisdirectedRequestError extends GatewayError {
  override name = 'MisdirectedRequestError';
  constructor() {
    super(
      'MISDIRECTED_REQUEST',
      'This gateway does not answer for the host named in the Host header: use one of the names in its GATEWAY_ALLOWED_HOSTS.',
    );
  }
}

/** Anything unexpected, as a client sees it: no detail (the cause is logged, redacted). */
export class InternalServerError extends GatewayError {
  override name = 'InternalServerError';
  constructor() {
    super('INTERNAL_SERVER_ERROR', 'Unexpected error.');
  }
}

/**
 * A bad option passed to a constructor or factory in code (not a setting: those are `ConfigError`s).
 * A programming error, never shown to clients; the message names the option and how to fix it.
 */
export class InvalidOptionError extends RangeError {
  override name = 'InvalidOptionError';
  readonly code = 'ERR_INVALID_OPTION';
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** No usable verify ticket for the component (none pushed yet, or the last one WeChat refused). */
export class ComponentTicketInvalidError extends GatewayError {
  override name = 'ComponentTicketInvalidError';
  constructor(componentAppId: string, why: string) {
    super(
      'COMPONENT_TICKET_INVALID',
      `The component ${truncate(componentAppId, 40)} has no usable verify ticket (${why}): the gateway asked WeChat to push one (api_start_push_ticket). Check that the authorization event URL on open.weixin.qq.com points at /wechat/component/<componentAppId>/events.`,
    );
  }
}

/** The authorizer revoked the component's authorization (an `unauthorized` push). */
export class AuthorizerUnauthorizedError extends GatewayError {
  override name = 'AuthorizerUnauthorizedError';
  constructor(authorizerAppId: string) {
    super(
      'AUTHORIZER_UNAUTHORIZED',
      `The account ${truncate(authorizerAppId, 40)} revoked its authorization of the third-party platform: the merchant must authorize it again (authorizationUrl, then completeAuthorization).`,
    );
  }
}

/** WeChat refused the refresh token and the authorizer list gave no working one. */
export class AuthorizerReauthorizationRequiredError extends GatewayError {
  override name = 'AuthorizerReauthorizationRequiredError';
  constructor(authorizerAppId: string, options: { cause?: unknown } = {}) {
    super(
      'AUTHORIZER_REAUTHORIZATION_REQUIRED',
      `WeChat refused the refresh token of ${truncate(authorizerAppId, 40)} (61023) and api_get_authorizer_list gave no working one: the merchant must authorize the third-party platform again (authorizationUrl, then completeAuthorization).`,
      options,
    );
  }
}
