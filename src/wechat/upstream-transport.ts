import { Agent, type Dispatcher, request } from 'undici';
import { type Clock, systemClock } from '../clock.js';
import { InvalidOptionError, UpstreamUnavailableError } from '../errors.js';
import { type Redactor, redact } from '../redact.js';
import { baseUrlProblem, normalizeBaseUrl } from './base-url.js';
import { baseUrlOrder } from './base-url-order.js';
import type { UpstreamCallEvent } from './endpoints.js';
import type { Platform } from './errcode-catalog.js';
import { WeChatError } from './errors.js';
import type { ResponseContext, UpstreamAnswer } from './parse-response.js';

/**
 * One upstream's HTTP machinery (api.weixin.qq.com for Official Accounts and Mini Programs, qyapi for
 * WeCom): keep-alive, a per-attempt deadline, base-URL failover with a cool-down, and every answer
 * read with the errcode catalog of its platform (WeChatClient has one transport per platform).
 */

export interface UpstreamTransportOptions {
  /** Whose endpoints these are: the catalog every answer's errcode is read with. */
  platform: Platform;
  /** How messages name this upstream ("WeChat", "WeCom"). */
  label: string;
  /** The option or setting the base URLs came from, for messages ("baseUrls", "WECHAT_API_BASE"). */
  baseUrlsName: string;
  baseUrls: readonly string[];
  timeoutMs: number;
  dispatcher: Dispatcher;
  onUpstreamCall?: ((event: UpstreamCallEvent) => void) | undefined;
  failoverCooldownMs: number;
  clock?: Pick<Clock, 'now'> | undefined;
  redactor: Redactor;
}

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

/** WeChat answers are a few hundred bytes; anything far larger is not WeChat. */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/** The keep-alive pool a client uses when none is injected (one pool per origin). */
export function defaultDispatcher(): Dispatcher {
  return new Agent({ keepAliveTimeout: 30_000, connections: 32, maxResponseSize: MAX_RESPONSE_BYTES });
}

export class UpstreamTransport {
  readonly platform: Platform;
  /** Each base URL with the form that may appear in messages and events. */
  private readonly baseUrls: readonly { url: string; display: string }[];
  private readonly label: string;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly onUpstreamCall: ((event: UpstreamCallEvent) => void) | undefined;
  private readonly failoverCooldownMs: number;
  private readonly clock: Pick<Clock, 'now'>;
  /** When each base URL last failed, in configured order. */
  private readonly failedAt: (number | undefined)[];
  private readonly redactor: Redactor;

  constructor(options: UpstreamTransportOptions) {
    this.platform = options.platform;
    this.label = options.label;
    this.baseUrls = validateBaseUrls(options.baseUrlsName, options.baseUrls).map((url) => ({
      url,
      display: displayBase(url),
    }));
    this.timeoutMs = options.timeoutMs;
    this.dispatcher = options.dispatcher;
    this.onUpstreamCall = options.onUpstreamCall;
    this.failoverCooldownMs = options.failoverCooldownMs;
    this.clock = options.clock ?? systemClock;
    this.failedAt = this.baseUrls.map(() => undefined);
    this.redactor = options.redactor;
  }

  /** How answers of one call are read: the call's own secret, then the gateway's redaction. */
  context(endpoint: string, kind: ResponseContext['kind'], secret: string): ResponseContext {
    return { endpoint, kind, platform: this.platform, knownSecrets: [secret], redactor: this.redactor };
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
      const which = `${this.label} API base ${index + 1} of ${this.baseUrls.length}`;
      const durationMs = () => Math.round(performance.now() - started);
      if (attempt.kind === 'timeout') {
        this.emit({ ...base, durationMs: durationMs(), outcome: 'timeout' });
        failures.push(`${which} timed out after ${this.timeoutMs} ms`);
        this.failedAt[index] = this.clock.now();
        if (spec.once) {
          throw new UpstreamUnavailableError(
            `${this.label} ${spec.endpoint} did not answer within ${this.timeoutMs} ms on ${which}. The call may have succeeded, so it is not retried on another base URL; the next read uses whatever token WeChat holds now.`,
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
        `${this.label} ${spec.endpoint} is unavailable on every base URL: ${failures.join('; ')}.`,
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

function validateBaseUrls(name: string, baseUrls: readonly string[] | undefined): string[] {
  if (!Array.isArray(baseUrls) || baseUrls.length === 0) {
    throw new InvalidOptionError(
      name === 'baseUrls'
        ? 'WeChatClient: baseUrls must list at least one base URL, e.g. ["https://api.weixin.qq.com"]; set WECHAT_API_BASE.'
        : `WeChatClient: ${name} must list at least one base URL, e.g. ["https://qyapi.weixin.qq.com"]; set WECOM_API_BASE.`,
    );
  }
  return baseUrls.map((raw, index) => {
    const problem = baseUrlProblem(String(raw));
    if (problem) {
      throw new InvalidOptionError(
        `WeChatClient: ${name}[${index}] ${problem} (got ${JSON.stringify(redact(String(raw)).slice(0, 80))}).`,
      );
    }
    return normalizeBaseUrl(raw);
  });
}
