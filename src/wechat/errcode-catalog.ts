import type { WeChatErrorCode } from '../errors.js';

/**
 * What each errcode means, and how the gateway reacts to it, per platform: WeChat's Official Accounts
 * (and Mini Programs, which share their endpoints and codes) and WeCom give the same number different
 * meanings (40001 is a rejected token on one, a wrong secret on the other), so every lookup names its
 * platform. docs/error-codes.md lists every row; test/wechat/errcode-catalog.test.ts holds the two
 * together.
 */

/**
 * Whose endpoint answered: an Official Account's or Mini Program's (`api.weixin.qq.com`), WeCom's
 * (`qyapi`), or the Open Platform's component endpoints (`/cgi-bin/component/*`, called with a
 * component token).
 */
export type Platform = 'officialAccount' | 'wecom' | 'openPlatform';

/** The platform whose endpoints serve an app of the given kind (a Mini Program shares an Official Account's). */
export function platformOfApp(kind: 'officialAccount' | 'miniProgram' | 'wecom' | undefined): Platform {
  return kind === 'wecom' ? 'wecom' : 'officialAccount';
}

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
  | 'fatal'
  /** The component's verify ticket is expired or invalid: ask WeChat to push again, not retried. */
  | 'restart-ticket-push'
  /** An authorizer's refresh token is invalid: recover it once from the authorizer list, then give up. */
  | 'recover-refresh-token';

export interface ErrcodeEntry {
  code: WeChatErrorCode;
  reaction: ErrcodeReaction;
  /** Whether a client may usefully retry the GraphQL operation (after `retryAfterSeconds` if given). */
  retryable: boolean;
  /** What an operator should do about it: appears in error messages and logs. */
  advice: string;
  /** WeChat says the gateway sent something it never should: logged as an error, to be reported. */
  gatewayBug?: true;
}

/** Which kind of endpoint answered: 40001 means "wrong secret" on token endpoints, "stale token" elsewhere. */
export type EndpointKind = 'token' | 'api';

export const entry = (
  code: WeChatErrorCode,
  reaction: ErrcodeReaction,
  retryable: boolean,
  advice: string,
): ErrcodeEntry => ({ code, reaction, retryable, advice });

/** A row whose errcode can only come from a gateway bug (wrong arguments, a token of another app). */
const bug = (code: WeChatErrorCode, advice: string): ErrcodeEntry => ({
  ...entry(code, 'fatal', false, `${advice}: a gateway bug, please report it.`),
  gatewayBug: true,
});

export const BUSY = entry(
  'WECHAT_BUSY',
  'backoff',
  true,
  'WeChat is busy; the gateway retried with backoff.',
);
export const INVALID_SECRET_ON_TOKEN = entry(
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
export const API_UNAUTHORIZED = entry(
  'WECHAT_API_UNAUTHORIZED',
  'fatal',
  false,
  'This Official Account is not authorised for the API; check its type and permissions.',
);
/** The same on both platforms: an expired token is renewed once. */
export const TOKEN_EXPIRED = entry(
  'WECHAT_TOKEN_EXPIRED',
  'renew-token',
  true,
  'The access token expired; the gateway renewed it once.',
);
const IP_NEEDS_CONFIRMATION = entry(
  'WECHAT_IP_NEEDS_CONFIRMATION',
  'fatal',
  false,
  'An administrator must confirm calls from this IP in the Official Account platform.',
);

/** The Official Account rows of docs/error-codes.md, keyed by errcode, for endpoints other than the token ones. */
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
  [40002, bug('WECHAT_INVALID_REQUEST', 'Invalid grant_type')],
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
  [41001, bug('WECHAT_INVALID_REQUEST', 'access_token missing')],
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
  [42001, TOKEN_EXPIRED],
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
    bug('WECHAT_INVALID_REQUEST', 'WeChat refused the arguments'),
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
  [40202, bug('WECHAT_INVALID_REQUEST', 'Invalid action for the network check (dns, ping or all)')],
  [
    40203,
    bug(
      'WECHAT_INVALID_REQUEST',
      'Invalid check_operator for the network check (DEFAULT, CHINANET, UNICOM or CAP)',
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

export const UNKNOWN = entry(
  'WECHAT_ERROR',
  'fatal',
  false,
  'WeChat answered with an errcode the gateway does not know; see errmsg.',
);

const WECOM_INVALID_SECRET = entry(
  'WECHAT_INVALID_SECRET',
  'config',
  false,
  "WeCom rejected the app's secret (corpSecret in the apps file): copy it again from the app's page in the WeCom admin console; a secret of another corp or app is refused too.",
);
const WECOM_TOKEN_INVALID = entry(
  'WECHAT_TOKEN_INVALID',
  'renew-token',
  true,
  'WeCom no longer accepts the access token (it may invalidate tokens early); the gateway renewed it once.',
);
const WECOM_RATE_LIMITED = entry(
  'WECHAT_RATE_LIMITED',
  'minute-quota',
  true,
  "WeCom's frequency or concurrency limit was hit (its bans last a minute, or an hour for the hourly limit): calls resume after the ban.",
);

/**
 * The WeCom rows of docs/error-codes.md (qyapi.weixin.qq.com): here 40001 is a wrong secret on every
 * endpoint, never a token to renew, or a wrong secret would call gettoken in a loop until WeCom blocks
 * the caller for an hour.
 */
export const WECOM_ERRCODE_CATALOG: ReadonlyMap<number, ErrcodeEntry> = new Map([
  [-1, BUSY],
  [40001, WECOM_INVALID_SECRET],
  [40091, WECOM_INVALID_SECRET],
  [
    40013,
    entry(
      'WECHAT_INVALID_APPID',
      'config',
      false,
      'WeCom does not know this CorpID: check corpId in the apps file (ww or wx followed by 16 hex digits).',
    ),
  ],
  [
    40056,
    entry(
      'WECHAT_INVALID_REQUEST',
      'config',
      false,
      "WeCom does not know this AgentId for the corp: check the app's agentId in the apps file.",
    ),
  ],
  [40014, WECOM_TOKEN_INVALID],
  [41001, WECOM_TOKEN_INVALID],
  [42001, TOKEN_EXPIRED],
  [41002, entry('WECHAT_INVALID_REQUEST', 'config', false, 'corpid missing: set corpId in the apps file.')],
  [
    41004,
    entry('WECHAT_INVALID_REQUEST', 'config', false, 'secret missing: set corpSecret in the apps file.'),
  ],
  [45009, WECOM_RATE_LIMITED],
  [45033, WECOM_RATE_LIMITED],
  [
    48002,
    entry(
      'WECHAT_API_UNAUTHORIZED',
      'fatal',
      false,
      "This WeCom app may not call the API: grant it in the app's permissions in the WeCom admin console.",
    ),
  ],
  [
    60020,
    entry(
      'WECHAT_IP_NOT_WHITELISTED',
      'config',
      false,
      "Add the gateway's egress IP to the app's trusted IPs (企业可信IP) in the WeCom admin console; the change takes about a minute.",
    ),
  ],
  [
    // A token used for another agent: the gateway keys every token by (corp, app), so this is its bug.
    301002,
    bug('WECHAT_INVALID_REQUEST', 'A token was used for another WeCom app than its own'),
  ],
]);
