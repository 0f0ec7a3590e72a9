import { GatewayError } from '../errors.js';
import { type Redactor, redact } from '../redact.js';
import {
  type EndpointKind,
  ERRCODE_CATALOG,
  type ErrcodeEntry,
  type ErrcodeReaction,
  INVALID_SECRET_ON_TOKEN,
  type Platform,
  UNKNOWN,
  WECOM_ERRCODE_CATALOG,
} from './errcode-catalog.js';
import { OPEN_PLATFORM_ERRCODE_CATALOG } from './open-platform-errcodes.js';

export type { EndpointKind, ErrcodeEntry, ErrcodeReaction, Platform } from './errcode-catalog.js';
export { ERRCODE_CATALOG } from './errcode-catalog.js';

/** The catalog row for an errcode as answered by an endpoint of the given kind on the given platform. */
export function describeErrcode(
  errcode: number,
  kind: EndpointKind,
  platform: Platform = 'officialAccount',
): ErrcodeEntry {
  if (platform === 'wecom') return WECOM_ERRCODE_CATALOG.get(errcode) ?? UNKNOWN;
  if (platform === 'openPlatform') {
    if (kind === 'token' && errcode === 40001)
      return OPEN_PLATFORM_ERRCODE_CATALOG.get(40125) as ErrcodeEntry;
    return OPEN_PLATFORM_ERRCODE_CATALOG.get(errcode) ?? UNKNOWN;
  }
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
  /** Whose endpoint answered: the catalog of that platform says what the errcode means. @default 'officialAccount' */
  platform?: Platform;
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
  readonly platform: Platform;
  readonly reaction: ErrcodeReaction;
  readonly advice: string;
  /** The errcode can only mean a gateway bug (the catalog's `gatewayBug`). */
  readonly gatewayBug: boolean;
  /** The egress address WeChat saw, for 40164/61004. */
  readonly callerIp: string | undefined;

  constructor(details: WeChatErrorDetails) {
    const platform = details.platform ?? 'officialAccount';
    const row = describeErrcode(details.errcode, details.kind, platform);
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
    this.platform = platform;
    this.reaction = row.reaction;
    this.advice = advice;
    this.gatewayBug = row.gatewayBug === true;
    this.callerIp = callerIp;
  }

  /** A copy carrying the window the caller must wait, once the manager knows it. */
  withRetryAfter(retryAfterSeconds: number): WeChatError {
    return new WeChatError({
      errcode: this.errcode,
      errmsg: this.errmsg,
      endpoint: this.endpoint,
      kind: this.kind,
      platform: this.platform,
      retryAfterSeconds,
    });
  }
}
