import { Agent, type Dispatcher, request } from 'undici';
import { type Clock, systemClock } from '../clock.js';
import { InvalidOptionError, UpstreamUnavailableError } from '../errors.js';
import { Redactor, redact } from '../redact.js';
import { TOKEN_ENDPOINT, WECHAT_API_PATHS } from './api-paths.js';
import { baseUrlProblem, normalizeBaseUrl } from './base-url.js';
import { baseUrlOrder } from './base-url-order.js';
import type {
  AppCredentials,
  FetchTokenOptions,
  IssuedToken,
  UpstreamCallEvent,
  WeChatApi,
} from './endpoints.js';
import { WeChatError } from './errors.js';
import type {
  IssuedTicket,
  NetworkCheckAction,
  NetworkCheckAnswer,
  NetworkOperator,
  TicketType,
  WeChatFrontendApi,
} from './frontend-endpoints.js';
import type { ApiQuota, RecordedRequest, WeChatOpsApi } from './ops-endpoints.js';
import {
  parseApiQuotaAnswer,
  parseClearQuotaAnswer,
  parseIpListAnswer,
  parseNetworkCheckAnswer,
  parseRequestLookupAnswer,
  parseTicketAnswer,
  parseTokenAnswer,
  type ResponseContext,
  type UpstreamAnswer,
} from './parse-response.js';

export interface WeChatClientOptions {
  /**
   * Base URLs tried in order for every call; the next one is used only on a connection error, a
   * timeout or an HTTP 5xx (never on a WeChat errcode). Usually from WECHAT_API_BASE.
   */
  baseUrls: readonly string[];
  /**
   * Total budget of one attempt against one base URL: connect, headers and body.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * Dispatcher for every request (tests inject one); the client does not close it.
   * @default a keep-alive undici Agent (one connection pool per origin), closed by `close()`
   */
  dispatcher?: Dispatcher;
  /** Called once per HTTP attempt, for logs and metrics; events carry no secret and no token. */
  onUpstreamCall?: (event: UpstreamCallEvent) => void;
  /**
   * After a base URL fails, it is tried last for this long, so a hanging domain does not cost every
   * call its timeout before failover. 0 keeps the configured order always.
   * @default 30000
   */
  failoverCooldownMs?: number;
  /** Clock of the failover cool-down; only its `now()` is read. @default systemClock */
  clock?: Pick<Clock, 'now'>;
  /**
   * The gateway's redaction: WeChat's `errmsg`, answer excerpts and failure messages leave through it,
   * so a piece of any credential the gateway holds is removed (src/redact.ts). The client teaches it
   * nothing: the configuration and the credential engine do. @default a redactor of its own (patterns only)
   */
  redactor?: Redactor;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_FAILOVER_COOLDOWN_MS = 30_000;
/** WeChat answers are a few hundred bytes; anything far larger is not WeChat. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface CallSpec<T> {
  endpoint: string;
  method: 'GET' | 'POST';
  query?: Record<string, string>;
  json?: unknown;
  context: ResponseContext;
  interpret: (answer: UpstreamAnswer, context: ResponseContext) => T;
  /**
   * A call whose effect cannot be repeated safely: after a timeout it may have succeeded, so it is not
   * sent to the next base URL (a forced refresh would spend two of its 20 daily calls).
   */
  once?: boolean;
}

type Attempt =
  | { kind: 'answer'; answer: UpstreamAnswer }
  | { kind: 'timeout' }
  | { kind: 'network_error'; label: string; detail: string };

/** The HTTP implementation of `WeChatApi`: undici with keep-alive, per-attempt timeout and base-URL failover. */
export class WeChatClient implements WeChatApi, WeChatOpsApi, WeChatFrontendApi {
  /** Each base URL with the form that may appear in messages and events. */
  private readonly baseUrls: readonly { url: string; display: string }[];
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly onUpstreamCall: ((event: UpstreamCallEvent) => void) | undefined;
  private readonly failoverCooldownMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  /** When each base URL last failed, in configured order. */
  private readonly failedAt: (number | undefined)[];
  private readonly redactor: Redactor;

  constructor(options: WeChatClientOptions) {
    this.baseUrls = validateBaseUrls(options.baseUrls).map((url) => ({ url, display: displayBase(url) }));
    this.timeoutMs = validateTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher =
      options.dispatcher ??
      new Agent({ keepAliveTimeout: 30_000, connections: 32, maxResponseSize: MAX_RESPONSE_BYTES });
    this.onUpstreamCall = options.onUpstreamCall;
    this.failoverCooldownMs = validateCooldown(options.failoverCooldownMs ?? DEFAULT_FAILOVER_COOLDOWN_MS);
    this.clock = options.clock ?? systemClock;
    this.failedAt = this.baseUrls.map(() => undefined);
    this.redactor = options.redactor ?? new Redactor();
  }

  fetchToken(app: AppCredentials, options: FetchTokenOptions): Promise<IssuedToken> {
    const endpoint = TOKEN_ENDPOINT[options.mode];
    const context = this.context(endpoint, 'token', app.appSecret);
    if (options.mode === 'classic') {
      return this.call({
        endpoint,
        method: 'GET',
        query: { grant_type: 'client_credential', appid: app.appId, secret: app.appSecret },
        context,
        interpret: parseTokenAnswer,
      });
    }
    return this.call({
      endpoint,
      method: 'POST',
      json: {
        grant_type: 'client_credential',
        appid: app.appId,
        secret: app.appSecret,
        ...(options.forceRefresh ? { force_refresh: true } : {}),
      },
      context,
      interpret: parseTokenAnswer,
      once: options.forceRefresh === true,
    });
  }

  getCallbackIp(accessToken: string): Promise<string[]> {
    return this.callIpList(WECHAT_API_PATHS.callbackIp, accessToken);
  }

  getApiDomainIp(accessToken: string): Promise<string[]> {
    return this.callIpList(WECHAT_API_PATHS.apiDomainIp, accessToken);
  }

  getApiQuota(accessToken: string, cgiPath: string): Promise<ApiQuota> {
    return this.postWithToken(
      WECHAT_API_PATHS.apiQuota,
      accessToken,
      { cgi_path: cgiPath },
      parseApiQuotaAnswer,
    );
  }

  clearQuota(accessToken: string, appId: string): Promise<void> {
    return this.postWithToken(
      WECHAT_API_PATHS.clearQuota,
      accessToken,
      { appid: appId },
      parseClearQuotaAnswer,
    );
  }

  getRequestByRid(accessToken: string, rid: string): Promise<RecordedRequest> {
    return this.postWithToken(WECHAT_API_PATHS.requestLookup, accessToken, { rid }, parseRequestLookupAnswer);
  }

  getTicket(accessToken: string, type: TicketType): Promise<IssuedTicket> {
    const endpoint = WECHAT_API_PATHS.ticket;
    return this.call({
      endpoint,
      method: 'GET',
      query: { access_token: accessToken, type },
      context: this.context(endpoint, 'api', accessToken),
      interpret: parseTicketAnswer,
    });
  }

  checkCallbackNetwork(
    accessToken: string,
    action: NetworkCheckAction,
    operator: NetworkOperator,
  ): Promise<NetworkCheckAnswer> {
    return this.postWithToken(
      WECHAT_API_PATHS.callbackCheck,
      accessToken,
      { action, check_operator: operator },
      parseNetworkCheckAnswer,
    );
  }

  /** Closes the connection pools this client created (an injected dispatcher is left open). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  /** How answers of one call are read: the call's own secret, then the gateway's redaction. */
  private context(endpoint: string, kind: ResponseContext['kind'], secret: string): ResponseContext {
    return { endpoint, kind, knownSecrets: [secret], redactor: this.redactor };
  }

  private callIpList(endpoint: string, accessToken: string): Promise<string[]> {
    return this.call({
      endpoint,
      method: 'GET',
      query: { access_token: accessToken },
      context: this.context(endpoint, 'api', accessToken),
      interpret: parseIpListAnswer,
    });
  }

  private postWithToken<T>(
    endpoint: string,
    accessToken: string,
    json: Record<string, unknown>,
    interpret: CallSpec<T>['interpret'],
  ): Promise<T> {
    return this.call({
      endpoint,
      method: 'POST',
      query: { access_token: accessToken },
      json,
      context: this.context(endpoint, 'api', accessToken),
      interpret,
    });
  }

  async call<T>(spec: CallSpec<T>): Promise<T> {
    const failures: string[] = [];
    for (const index of baseUrlOrder(this.failedAt, this.clock.now(), this.failoverCooldownMs)) {
      const { url, display } = this.baseUrls[index] as { url: string; display: string };
      const started = performance.now();
      const attempt = await this.send(url, spec);
      const base = { endpoint: spec.endpoint, baseUrl: display };
      // Callers (errors, lastError, tokenEvents) learn which base failed, never its address: that is
      // internal topology. The upstream log line has the host and the network error's own text.
      const which = `WeChat API base ${index + 1} of ${this.baseUrls.length}`;
      const durationMs = () => Math.round(performance.now() - started);
      if (attempt.kind === 'timeout') {
        this.emit({ ...base, durationMs: durationMs(), outcome: 'timeout' });
        failures.push(`${which} timed out after ${this.timeoutMs} ms`);
        this.failedAt[index] = this.clock.now();
        if (spec.once) {
          throw new UpstreamUnavailableError(
            `WeChat ${spec.endpoint} did not answer within ${this.timeoutMs} ms on ${which}. The call may have succeeded, so it is not retried on another base URL; the next read uses whatever token WeChat holds now.`,
          );
        }
        continue;
      }
      if (attempt.kind === 'network_error') {
        this.emit({ ...base, durationMs: durationMs(), outcome: 'network_error', detail: attempt.detail });
        failures.push(`${which} failed to connect or read (${attempt.label})`);
        this.failedAt[index] = this.clock.now();
        continue;
      }
      const { status } = attempt.answer;
      if (status >= 500) {
        this.emit({ ...base, durationMs: durationMs(), outcome: 'http_error', status });
        failures.push(`${which} answered HTTP ${status}`);
        this.failedAt[index] = this.clock.now();
        continue;
      }
      this.failedAt[index] = undefined;
      try {
        const value = spec.interpret(attempt.answer, spec.context);
        this.emit({ ...base, durationMs: durationMs(), outcome: 'ok', status });
        return value;
      } catch (error) {
        this.emit({ ...base, durationMs: durationMs(), ...describeFailure(error, status) });
        throw error;
      }
    }
    throw new UpstreamUnavailableError(
      this.redactor.redact(
        `WeChat ${spec.endpoint} is unavailable on every base URL: ${failures.join('; ')}.`,
        spec.context.knownSecrets,
      ),
    );
  }

  /** One HTTP exchange under one total deadline; never throws. */
  private async send<T>(baseUrl: string, spec: CallSpec<T>): Promise<Attempt> {
    const url = new URL(`${baseUrl}${spec.endpoint}`);
    for (const [name, value] of Object.entries(spec.query ?? {})) url.searchParams.set(name, value);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const response = await request(url, {
        method: spec.method,
        dispatcher: this.dispatcher,
        signal: controller.signal,
        headers:
          spec.json === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        ...(spec.json === undefined ? {} : { body: JSON.stringify(spec.json) }),
      });
      return { kind: 'answer', answer: { status: response.statusCode, body: await response.body.text() } };
    } catch (error) {
      if (timedOut) return { kind: 'timeout' };
      return { kind: 'network_error', ...describeNetworkError(error, this.redactor) };
    } finally {
      clearTimeout(timer);
    }
  }

  private emit(event: UpstreamCallEvent): void {
    if (!this.onUpstreamCall) return;
    try {
      this.onUpstreamCall(event);
    } catch {
      // An observer's bug must not turn a good WeChat answer into a failure.
    }
  }
}

/** The event fields for an answer that did not parse into a success. */
function describeFailure(
  error: unknown,
  status: number,
): Pick<UpstreamCallEvent, 'outcome' | 'status' | 'errcode' | 'rid'> {
  if (error instanceof WeChatError) {
    return { outcome: 'errcode', status, errcode: error.errcode, rid: error.rid };
  }
  return { outcome: status >= 200 && status < 300 ? 'bad_response' : 'http_error', status };
}

/**
 * Connection-level failure: the system error code for callers (its message names the address), and
 * the redacted message with its cause for the log.
 */
function describeNetworkError(error: unknown, redactor: Redactor): { label: string; detail: string } {
  const cause = (error as { cause?: unknown })?.cause;
  const code = (error as { code?: unknown })?.code;
  const causeCode = (cause as { code?: unknown } | undefined)?.code;
  const label = [code, causeCode].find((c): c is string => typeof c === 'string' && /^E[A-Z_]+$/.test(c));
  const detail =
    cause === undefined
      ? redactor.errorText(error)
      : `${redactor.errorText(error)}: ${redactor.errorText(cause)}`;
  return { label: label ?? 'network error', detail };
}

/** A base URL as it may appear in messages and events: origin and path, never user info. */
function displayBase(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

function validateBaseUrls(baseUrls: readonly string[] | undefined): string[] {
  if (!Array.isArray(baseUrls) || baseUrls.length === 0) {
    throw new InvalidOptionError(
      'WeChatClient: baseUrls must list at least one base URL, e.g. ["https://api.weixin.qq.com"]; set WECHAT_API_BASE.',
    );
  }
  return baseUrls.map((raw, index) => {
    const problem = baseUrlProblem(String(raw));
    if (problem) {
      throw new InvalidOptionError(
        `WeChatClient: baseUrls[${index}] ${problem} (got ${JSON.stringify(redact(String(raw)).slice(0, 80))}).`,
      );
    }
    return normalizeBaseUrl(raw);
  });
}

function validateCooldown(cooldownMs: number): number {
  if (typeof cooldownMs !== 'number' || !Number.isFinite(cooldownMs) || cooldownMs < 0) {
    throw new InvalidOptionError(
      `WeChatClient: failoverCooldownMs must be a number of milliseconds ≥ 0 (e.g. 30000); got ${String(cooldownMs)}.`,
    );
  }
  return cooldownMs;
}

function validateTimeout(timeoutMs: number): number {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidOptionError(
      `WeChatClient: timeoutMs must be a positive number of milliseconds (e.g. 5000); got ${String(timeoutMs)}.`,
    );
  }
  return timeoutMs;
}
