import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import { DEFAULT_WECOM_API_BASES } from '../config/defaults.js';
import { InvalidOptionError } from '../errors.js';
import { Redactor } from '../redact.js';
import { TOKEN_ENDPOINT, WECHAT_API_PATHS, WECOM_API_PATHS } from './api-paths.js';
import type {
  AppCredentials,
  FetchTokenOptions,
  IssuedToken,
  UpstreamCallEvent,
  WeChatApi,
  WeComApi,
  WeComTicketType,
} from './endpoints.js';
import type { Platform } from './errors.js';
import type {
  IssuedTicket,
  NetworkCheckAction,
  NetworkCheckAnswer,
  NetworkOperator,
  TicketType,
  WeChatFrontendApi,
} from './frontend-endpoints.js';
import type { ApiQuota, OpenApiManagementApi, RecordedRequest } from './open-api-endpoints.js';
import {
  parseApiQuotaAnswer,
  parseClearQuotaAnswer,
  parseIpListAnswer,
  parseNetworkCheckAnswer,
  parseRequestLookupAnswer,
  parseTicketAnswer,
  parseTokenAnswer,
} from './parse-response.js';

import { type CallSpec, defaultDispatcher, UpstreamTransport } from './upstream-transport.js';

export interface WeChatClientOptions {
  /**
   * Base URLs tried in order for every call; the next one is used only on a connection error, a
   * timeout or an HTTP 5xx (never on a WeChat errcode). Usually from WECHAT_API_BASE.
   */
  baseUrls: readonly string[];
  /** WeCom's base URLs (qyapi), tried like `baseUrls`; usually from WECOM_API_BASE. @default ["https://qyapi.weixin.qq.com"] */
  wecomBaseUrls?: readonly string[];
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

/** The HTTP implementation of `WeChatApi`: undici with keep-alive, per-attempt timeout and base-URL failover. */
export class WeChatClient implements WeChatApi, OpenApiManagementApi, WeChatFrontendApi, WeComApi {
  /** api.weixin.qq.com: Official Accounts, Mini Programs and Open Platform components. */
  readonly wechat: UpstreamTransport;
  /** qyapi.weixin.qq.com: WeCom apps, whose errcodes mean other things. */
  readonly wecom: UpstreamTransport;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(options: WeChatClientOptions) {
    const timeoutMs = validateTimeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? defaultDispatcher();
    const shared = {
      timeoutMs,
      dispatcher: this.dispatcher,
      onUpstreamCall: options.onUpstreamCall,
      failoverCooldownMs: validateCooldown(options.failoverCooldownMs ?? DEFAULT_FAILOVER_COOLDOWN_MS),
      clock: options.clock,
      redactor: options.redactor ?? new Redactor(),
    };
    this.wechat = new UpstreamTransport({
      ...shared,
      platform: 'officialAccount',
      label: 'WeChat',
      baseUrlsName: 'baseUrls',
      baseUrls: options.baseUrls,
    });
    this.wecom = new UpstreamTransport({
      ...shared,
      platform: 'wecom',
      label: 'WeCom',
      baseUrlsName: 'wecomBaseUrls',
      baseUrls: options.wecomBaseUrls ?? DEFAULT_WECOM_API_BASES,
    });
  }

  fetchToken(app: AppCredentials, options: FetchTokenOptions): Promise<IssuedToken> {
    const endpoint = TOKEN_ENDPOINT[options.mode];
    const context = this.wechat.context(endpoint, 'token', app.appSecret);
    if (options.mode === 'classic') {
      return this.wechat.call({
        endpoint,
        method: 'GET',
        query: { grant_type: 'client_credential', appid: app.appId, secret: app.appSecret },
        context,
        interpret: parseTokenAnswer,
      });
    }
    return this.wechat.call({
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

  fetchWeComToken(corpId: string, corpSecret: string): Promise<IssuedToken> {
    const endpoint = WECOM_API_PATHS.token;
    return this.wecom.call({
      endpoint,
      method: 'GET',
      query: { corpid: corpId, corpsecret: corpSecret },
      context: this.wecom.context(endpoint, 'token', corpSecret),
      interpret: parseTokenAnswer,
    });
  }

  getWeComTicket(accessToken: string, type: WeComTicketType): Promise<IssuedTicket> {
    const agent = type === 'agent_config';
    const endpoint = agent ? WECOM_API_PATHS.agentTicket : WECOM_API_PATHS.corpTicket;
    return this.wecom.call({
      endpoint,
      method: 'GET',
      query: agent ? { access_token: accessToken, type } : { access_token: accessToken },
      context: this.wecom.context(endpoint, 'api', accessToken),
      interpret: parseTicketAnswer,
    });
  }

  getCallbackIp(accessToken: string, platform: Platform = 'officialAccount'): Promise<string[]> {
    return this.callIpList(this.transport(platform), WECHAT_API_PATHS.callbackIp, accessToken);
  }

  getApiDomainIp(accessToken: string, platform: Platform = 'officialAccount'): Promise<string[]> {
    return this.callIpList(this.transport(platform), WECHAT_API_PATHS.apiDomainIp, accessToken);
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
    return this.wechat.call({
      endpoint,
      method: 'GET',
      query: { access_token: accessToken, type },
      context: this.wechat.context(endpoint, 'api', accessToken),
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

  /** The transport of a platform's endpoints. */
  private transport(platform: Platform): UpstreamTransport {
    return platform === 'wecom' ? this.wecom : this.wechat;
  }

  private callIpList(transport: UpstreamTransport, endpoint: string, accessToken: string): Promise<string[]> {
    return transport.call({
      endpoint,
      method: 'GET',
      query: { access_token: accessToken },
      context: transport.context(endpoint, 'api', accessToken),
      interpret: parseIpListAnswer,
    });
  }

  private postWithToken<T>(
    endpoint: string,
    accessToken: string,
    json: Record<string, unknown>,
    interpret: CallSpec<T>['interpret'],
  ): Promise<T> {
    return this.wechat.call({
      endpoint,
      method: 'POST',
      query: { access_token: accessToken },
      json,
      context: this.wechat.context(endpoint, 'api', accessToken),
      interpret,
    });
  }
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
