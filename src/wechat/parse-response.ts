import { truncate, UpstreamBadResponseError } from '../errors.js';
import { type Redactor, redact } from '../redact.js';
import type { IssuedToken } from './endpoints.js';
import { type EndpointKind, type Platform, WeChatError } from './errors.js';
import type { IssuedTicket, NetworkCheckAnswer } from './frontend-endpoints.js';
import type { ApiQuota, RecordedRequest } from './open-api-endpoints.js';

/**
 * Pure interpretation of a WeChat answer (status + body text) into a typed value, a `WeChatError`
 * (non-zero errcode) or an `UpstreamBadResponseError` (not JSON, wrong shape). No I/O, so every odd
 * body WeChat or a proxy in front of it may send is covered by table-driven unit tests.
 */

export interface ResponseContext {
  /** The path called, e.g. `/cgi-bin/token`; appears in messages. */
  endpoint: string;
  kind: EndpointKind;
  /** Whose endpoint answered: its errcode catalog reads the answer. @default 'officialAccount' */
  platform?: Platform;
  /** Values that must never surface (the app secret, the token used). */
  knownSecrets?: readonly (string | undefined)[];
  /** The gateway's redaction (every credential it holds, pieces included). @default the patterns only */
  redactor?: Pick<Redactor, 'redact'>;
}

/** Text of an answer as it may leave: through the gateway's redactor, with the call's own secrets. */
function redactIn(context: ResponseContext, text: string): string {
  const known = context.knownSecrets ?? [];
  return context.redactor ? context.redactor.redact(text, known) : redact(text, known);
}

export interface UpstreamAnswer {
  status: number;
  body: string;
}

type JsonObject = Record<string, unknown>;

function bad(context: ResponseContext, what: string): UpstreamBadResponseError {
  return new UpstreamBadResponseError(redactIn(context, `WeChat ${context.endpoint} answered ${what}`));
}

/** A short, single-line, redacted excerpt of a body, so an operator can recognise it. */
function excerpt(body: string, context: ResponseContext): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return JSON.stringify(truncate(redactIn(context, oneLine), 60));
}

function describeNonJson(body: string, context: ResponseContext): string {
  if (body.trim() === '') return 'an empty body instead of JSON';
  if (/^\s*</.test(body)) return `an HTML/XML page instead of JSON (${excerpt(body, context)})`;
  return `a body that is not valid JSON (${excerpt(body, context)})`;
}

/**
 * The JSON object of a 2xx answer, after checking `errcode`: absent or 0 means success, any other
 * number becomes a `WeChatError`.
 */
export function readWeChatObject(answer: UpstreamAnswer, context: ResponseContext): JsonObject {
  if (answer.status < 200 || answer.status >= 300) {
    throw bad(context, `HTTP ${answer.status} (${describeNonJson(answer.body, context)})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    throw bad(context, describeNonJson(answer.body, context));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw bad(context, `JSON that is not an object (${excerpt(answer.body, context)})`);
  }
  const body = parsed as JsonObject;
  const { errcode } = body;
  if (errcode === undefined || errcode === 0) return body;
  if (typeof errcode !== 'number' || !Number.isInteger(errcode)) {
    throw bad(context, `an errcode that is not an integer (${excerpt(String(errcode), context)})`);
  }
  throw new WeChatError({
    errcode,
    errmsg: typeof body.errmsg === 'string' ? body.errmsg : '',
    endpoint: context.endpoint,
    kind: context.kind,
    ...(context.platform && { platform: context.platform }),
    knownSecrets: context.knownSecrets ?? [],
    ...(context.redactor && { redactor: context.redactor }),
  });
}

/** `/cgi-bin/token` and `/cgi-bin/stable_token` success: `{ access_token, expires_in }`. */
export function parseTokenAnswer(answer: UpstreamAnswer, context: ResponseContext): IssuedToken {
  const body = readWeChatObject(answer, context);
  const { access_token: accessToken, expires_in: expiresIn } = body;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw bad(context, 'without a non-empty string access_token');
  }
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw bad(context, 'without a positive number expires_in');
  }
  return { accessToken, expiresInSeconds: expiresIn };
}

/** `/cgi-bin/getcallbackip` and `/cgi-bin/get_api_domain_ip` success: `{ ip_list: string[] }`. */
export function parseIpListAnswer(answer: UpstreamAnswer, context: ResponseContext): string[] {
  const body = readWeChatObject(answer, context);
  const { ip_list: ipList } = body;
  if (!Array.isArray(ipList) || !ipList.every((ip): ip is string => typeof ip === 'string')) {
    throw bad(context, 'without an ip_list array of strings');
  }
  return ipList;
}

/** GraphQL `Int` is 32-bit: a count beyond it could not be served, so it is a bad answer here. */
const MAX_COUNT = 2_147_483_647;

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `/cgi-bin/openapi/quota/get` success: `{ quota: { daily_limit, used, remain } }`. */
export function parseApiQuotaAnswer(answer: UpstreamAnswer, context: ResponseContext): ApiQuota {
  const { quota } = readWeChatObject(answer, context);
  if (!isObject(quota)) throw bad(context, 'without a quota object');
  const count = (field: string): number => {
    const value = quota[field];
    if (!isCount(value)) throw bad(context, `a quota.${field} that is not a whole number ≥ 0`);
    return value;
  };
  return { dailyLimit: count('daily_limit'), used: count('used'), remain: count('remain') };
}

/** `/cgi-bin/clear_quota` success: `{ errcode: 0 }`; anything else is an error. */
export function parseClearQuotaAnswer(answer: UpstreamAnswer, context: ResponseContext): void {
  readWeChatObject(answer, context);
}

/**
 * `/cgi-bin/openapi/rid/get` success: `{ request: { invoke_time, cost_in_ms, request_url,
 * request_body, response_body, client_ip } }`. The recorded URL and bodies carry tokens and
 * secrets, so every text is redacted here, before it can reach a log or a response.
 */
export function parseRequestLookupAnswer(answer: UpstreamAnswer, context: ResponseContext): RecordedRequest {
  const { request } = readWeChatObject(answer, context);
  if (!isObject(request)) throw bad(context, 'without a request object');
  const count = (field: string): number => {
    const value = request[field];
    if (!isCount(value)) throw bad(context, `a request.${field} that is not a whole number ≥ 0`);
    return value;
  };
  const text = (field: string, optional = false): string => {
    const value = request[field];
    if (optional && value === undefined) return '';
    if (typeof value !== 'string') throw bad(context, `a request.${field} that is not a string`);
    return redactIn(context, value);
  };
  return {
    invokeTime: count('invoke_time'),
    costInMs: count('cost_in_ms'),
    requestUrl: text('request_url'),
    requestBody: text('request_body', true),
    responseBody: text('response_body', true),
    clientIp: text('client_ip'),
  };
}

/** `/cgi-bin/ticket/getticket` success: `{ errcode: 0, ticket, expires_in }`; the ticket never appears in a message. */
export function parseTicketAnswer(answer: UpstreamAnswer, context: ResponseContext): IssuedTicket {
  const body = readWeChatObject(answer, context);
  const { ticket, expires_in: expiresIn } = body;
  if (typeof ticket !== 'string' || ticket.length === 0)
    throw bad(context, 'without a non-empty string ticket');
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw bad(context, 'without a positive number expires_in');
  }
  return { ticket, expiresInSeconds: expiresIn };
}

/** `/cgi-bin/callback/check` success: `{ dns: [{ ip, real_operator }], ping: [{ ip, from_operator, package_loss, time }] }`. */
export function parseNetworkCheckAnswer(
  answer: UpstreamAnswer,
  context: ResponseContext,
): NetworkCheckAnswer {
  const body = readWeChatObject(answer, context);
  const list = (field: 'dns' | 'ping'): JsonObject[] => {
    const value = body[field] ?? [];
    if (!Array.isArray(value) || !value.every(isObject))
      throw bad(context, `a ${field} that is not a list of objects`);
    return value;
  };
  const text = (item: JsonObject, field: string, where: string): string => {
    const value = item[field];
    if (typeof value !== 'string') throw bad(context, `a ${where}.${field} that is not a string`);
    return value;
  };
  return {
    dns: list('dns').map((item) => ({
      ip: text(item, 'ip', 'dns'),
      realOperator: text(item, 'real_operator', 'dns'),
    })),
    ping: list('ping').map((item) => ({
      ip: text(item, 'ip', 'ping'),
      fromOperator: text(item, 'from_operator', 'ping'),
      packageLoss: text(item, 'package_loss', 'ping'),
      time: text(item, 'time', 'ping'),
    })),
  };
}
