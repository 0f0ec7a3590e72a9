import { GatewayError, type WeChatErrorCode } from '../errors.js';
import { type Redactor, redact } from '../redact.js';

/**
 * How the gateway reacts to an errcode. The token manager's retry rules switch on this, never on
 * raw errcodes, so the catalog below is the single place that knows what each errcode means.
 */
export type ErrcodeReaction =
  /** WeChat is busy: back off with jitter, bounded retries. */
  | 'backoff'
  /** The token used is no longer valid: invalidate-if-same, fetch a new one, retry once. */
  | 'renew-token'
  /** Daily quota spent: stop calling until the daily reset. */
  | 'daily-quota'
  /** Per-minute frequency limit: stop calling until the next minute. */
  | 'minute-quota'
  /** A configuration problem an operator must fix: never retried, briefly negative-cached. */
  | 'config'
  /** Retrying cannot help (a bug, a missing permission, an unknown errcode). */
  | 'fatal';

export interface ErrcodeEntry {
  code: WeChatErrorCode;
  reaction: ErrcodeReaction;
  /** Whether a client may usefully retry the GraphQL operation (after `retryAfterSeconds` if given). */
  retryable: boolean;
  /** What an operator should do about it: appears in error messages and logs. */
  advice: string;
}

/** Which kind of endpoint answered: 40001 means "wrong secret" on token endpoints, "stale token" elsewhere. */
export type EndpointKind = 'token' | 'api';

const entry = (
  code: WeChatErrorCode,
  reaction: ErrcodeReaction,
  retryable: boolean,
  advice: string,
): ErrcodeEntry => ({ code, reaction, retryable, advice });

const BUSY = entry('WECHAT_BUSY', 'backoff', true, 'WeChat is busy; the gateway retried with backoff.');
const INVALID_SECRET_ON_TOKEN = entry(
  'WECHAT_INVALID_CREDENTIAL',
  'config',
  false,
  'WeChat rejected the AppSecret: check WECHAT_APP_SECRET (or the apps file) against the Official Account platform.',
);
const IP_NOT_WHITELISTED = entry(
  'WECHAT_IP_NOT_WHITELISTED',
  'config',
  false,
  "Add the gateway's egress IP to the IP whitelist in the Official Account platform (Settings → Basic configuration).",
);
const API_UNAUTHORIZED = entry(
  'WECHAT_API_UNAUTHORIZED',
  'fatal',
  false,
  'This Official Account is not authorised for the API; check its type and permissions.',
);
const IP_NEEDS_CONFIRMATION = entry(
  'WECHAT_IP_NEEDS_CONFIRMATION',
  'fatal',
  false,
  'An administrator must confirm calls from this IP in the Official Account platform.',
);

/** Every row of docs/error-codes.md, keyed by errcode, for endpoints other than the token ones. */
export const ERRCODE_CATALOG: ReadonlyMap<number, ErrcodeEntry> = new Map([
  [-1, BUSY],
  [-1000, BUSY],
  [
    40001,
    entry(
      'WECHAT_INVALID_CREDENTIAL',
      'renew-token',
      true,
      'The access token was invalid or overwritten by another process; the gateway renewed it once.',
    ),
  ],
  [
    40002,
    entry('WECHAT_INVALID_REQUEST', 'fatal', false, 'Invalid grant_type: a gateway bug, please report it.'),
  ],
  [
    40013,
    entry(
      'WECHAT_INVALID_APPID',
      'config',
      false,
      'WeChat does not know this AppID: check WECHAT_APP_ID (or the apps file).',
    ),
  ],
  [
    40014,
    entry(
      'WECHAT_TOKEN_INVALID',
      'renew-token',
      true,
      'The access token was invalid; the gateway renewed it once.',
    ),
  ],
  [
    40125,
    entry(
      'WECHAT_INVALID_SECRET',
      'config',
      false,
      'WeChat rejected the AppSecret: check WECHAT_APP_SECRET (or the apps file); it may have been reset.',
    ),
  ],
  [40164, IP_NOT_WHITELISTED],
  [61004, IP_NOT_WHITELISTED],
  [
    40243,
    entry(
      'WECHAT_SECRET_FROZEN',
      'config',
      false,
      'The AppSecret is frozen: unfreeze or reset it in the Official Account platform.',
    ),
  ],
  [
    41001,
    entry('WECHAT_INVALID_REQUEST', 'fatal', false, 'access_token missing: a gateway bug, please report it.'),
  ],
  [
    41002,
    entry(
      'WECHAT_INVALID_REQUEST',
      'config',
      false,
      'appid missing: set WECHAT_APP_ID (or appId in the apps file).',
    ),
  ],
  [
    41004,
    entry(
      'WECHAT_INVALID_REQUEST',
      'config',
      false,
      'secret missing: set WECHAT_APP_SECRET (or appSecret in the apps file).',
    ),
  ],
  [
    42001,
    entry(
      'WECHAT_TOKEN_EXPIRED',
      'renew-token',
      true,
      'The access token expired; the gateway renewed it once.',
    ),
  ],
  [
    45009,
    entry(
      'WECHAT_QUOTA_EXCEEDED',
      'daily-quota',
      true,
      'The daily API quota is spent: wait for the reset at midnight (UTC+8) or clear it with clear_quota.',
    ),
  ],
  [
    45011,
    entry(
      'WECHAT_RATE_LIMITED',
      'minute-quota',
      true,
      'The per-minute frequency limit was hit: calls resume next minute.',
    ),
  ],
  [
    // Not a daily-quota reaction: the allowance is monthly, so a circuit until midnight would be wrong.
    48006,
    entry(
      'WECHAT_CLEAR_QUOTA_LIMIT',
      'fatal',
      false,
      'clear_quota limit reached this month (WeChat allows 10): wait for the daily reset at midnight (UTC+8) instead.',
    ),
  ],
  [
    // invalid args: getticket with a type other than jsapi/wx_card (the gateway only asks for those).
    40097,
    entry(
      'WECHAT_INVALID_REQUEST',
      'fatal',
      false,
      'WeChat refused the arguments: a gateway bug, please report it.',
    ),
  ],
  [
    // Not `config`: the token is fine, only the network check needs the URL.
    40201,
    entry(
      'WECHAT_CALLBACK_URL_INVALID',
      'fatal',
      false,
      'The Official Account has no valid callback URL: set the server URL in the Official Account platform (Settings → Basic configuration → Server configuration), then check again.',
    ),
  ],
  [
    40202,
    entry(
      'WECHAT_INVALID_REQUEST',
      'fatal',
      false,
      'Invalid action for the network check (dns, ping or all): a gateway bug, please report it.',
    ),
  ],
  [
    40203,
    entry(
      'WECHAT_INVALID_REQUEST',
      'fatal',
      false,
      'Invalid check_operator for the network check (DEFAULT, CHINANET, UNICOM or CAP): a gateway bug, please report it.',
    ),
  ],
  [48001, API_UNAUTHORIZED],
  [50001, API_UNAUTHORIZED],
  [50002, API_UNAUTHORIZED],
  [89501, IP_NEEDS_CONFIRMATION],
  [89503, IP_NEEDS_CONFIRMATION],
  [89506, IP_NEEDS_CONFIRMATION],
  [89507, IP_NEEDS_CONFIRMATION],
]);

const UNKNOWN = entry(
  'WECHAT_ERROR',
  'fatal',
  false,
  'WeChat answered with an errcode the gateway does not know; see errmsg.',
);

/** The catalog row for an errcode as answered by an endpoint of the given kind. */
export function describeErrcode(errcode: number, kind: EndpointKind): ErrcodeEntry {
  if (kind === 'token' && errcode === 40001) return INVALID_SECRET_ON_TOKEN;
  return ERRCODE_CATALOG.get(errcode) ?? UNKNOWN;
}

/** WeChat appends `rid: <id>` to most errmsgs; support tickets need it. */
export function parseRid(errmsg: string): string | undefined {
  return /\brid:\s*([0-9a-zA-Z-]+)/.exec(errmsg)?.[1];
}

/**
 * 40164/61004 name the caller's address: "invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist",
 * "access clientip is not registered hint: [xxx] requestIP: 1.2.3.4".
 */
export function parseCallerIp(errmsg: string): string | undefined {
  return /\b(?:invalid ip|clientip|requestIP:)\s*(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f]*:[0-9a-f:.]*[0-9a-f])/i.exec(
    errmsg,
  )?.[1];
}

export interface WeChatErrorDetails {
  errcode: number;
  errmsg: string;
  endpoint: string;
  kind: EndpointKind;
  /** Overrides the catalog when the gateway knows better (quota windows). */
  retryAfterSeconds?: number;
  /** Extra values to remove from `errmsg` besides the generic token/secret patterns. */
  knownSecrets?: Iterable<string | undefined>;
  /** The gateway's redaction, which knows every credential it holds. @default the patterns only */
  redactor?: Pick<Redactor, 'redact'>;
}

/** WeChat answered with a non-zero errcode. */
export class WeChatError extends GatewayError {
  override name = 'WeChatError';
  readonly errcode: number;
  /** WeChat's message, redacted. */
  readonly errmsg: string;
  readonly rid: string | undefined;
  readonly endpoint: string;
  readonly kind: EndpointKind;
  readonly reaction: ErrcodeReaction;
  readonly advice: string;
  /** The egress address WeChat saw, for 40164/61004. */
  readonly callerIp: string | undefined;

  constructor(details: WeChatErrorDetails) {
    const row = describeErrcode(details.errcode, details.kind);
    const errmsg = details.redactor
      ? details.redactor.redact(details.errmsg, details.knownSecrets)
      : redact(details.errmsg, details.knownSecrets);
    const callerIp = row.code === 'WECHAT_IP_NOT_WHITELISTED' ? parseCallerIp(errmsg) : undefined;
    const advice = callerIp ? `${row.advice} WeChat saw the gateway calling from ${callerIp}.` : row.advice;
    super(row.code, `WeChat ${details.endpoint} failed with errcode ${details.errcode}: ${advice}`, {
      retryable: row.retryable,
      retryAfterSeconds: details.retryAfterSeconds,
    });
    this.errcode = details.errcode;
    this.errmsg = errmsg;
    this.rid = parseRid(errmsg);
    this.endpoint = details.endpoint;
    this.kind = details.kind;
    this.reaction = row.reaction;
    this.advice = advice;
    this.callerIp = callerIp;
  }

  /** A copy carrying the window the caller must wait, once the manager knows it. */
  withRetryAfter(retryAfterSeconds: number): WeChatError {
    return new WeChatError({
      errcode: this.errcode,
      errmsg: this.errmsg,
      endpoint: this.endpoint,
      kind: this.kind,
      retryAfterSeconds,
    });
  }
}
