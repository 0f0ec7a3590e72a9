import type { TokenMode } from '../config/index.js';
import type { Platform } from './errcode-catalog.js';

/** Typed shapes of the WeChat endpoints the gateway calls (docs/architecture.md, "WeChat endpoints"). */

export interface AppCredentials {
  appId: string;
  appSecret: string;
}

/** A token as WeChat issued it; `expiresInSeconds` is honoured, never assumed to be 7200. */
export interface IssuedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface FetchTokenOptions {
  mode: TokenMode;
  /** stable_token's `force_refresh` (at most 20 a day upstream); ignored in classic mode. */
  forceRefresh?: boolean;
}

/** What the rest of the gateway needs from WeChat; `WeChatClient` is the HTTP implementation. */
export interface WeChatApi {
  /** `/cgi-bin/stable_token` (stable) or `/cgi-bin/token` (classic). */
  fetchToken(app: AppCredentials, options: FetchTokenOptions): Promise<IssuedToken>;
  /** `/cgi-bin/getcallbackip`: addresses WeChat calls back from (entries may be CIDR); qyapi's for `wecom`. */
  getCallbackIp(accessToken: string, platform?: Platform): Promise<string[]>;
  /** `/cgi-bin/get_api_domain_ip`: addresses of the API domain; qyapi's for `wecom`. */
  getApiDomainIp(accessToken: string, platform?: Platform): Promise<string[]>;
}

/** WeCom's JS-SDK tickets: the corp ticket (`wx.config`) and the agent ticket (`wx.agentConfig`). */
export type WeComTicketType = 'jsapi' | 'agent_config';

/** What the gateway needs from WeCom (qyapi); `WeChatClient` is the HTTP implementation. */
export interface WeComApi {
  /** `GET /cgi-bin/gettoken?corpid&corpsecret`: the token of one app (or special secret). */
  fetchWeComToken(corpId: string, corpSecret: string): Promise<IssuedToken>;
  /** `get_jsapi_ticket` (`jsapi`) or `ticket/get?type=agent_config`, with the app's own token. */
  getWeComTicket(
    accessToken: string,
    type: WeComTicketType,
  ): Promise<{ ticket: string; expiresInSeconds: number }>;
}

/** Outcome of one HTTP attempt against one base URL, for logs and metrics (no secrets, no tokens). */
export interface UpstreamCallEvent {
  endpoint: string;
  baseUrl: string;
  durationMs: number;
  outcome: 'ok' | 'errcode' | 'http_error' | 'network_error' | 'timeout' | 'bad_response';
  status?: number;
  errcode?: number;
  rid?: string;
  /** A network error's own text (redacted; it may name the address): for the log, never for callers. */
  detail?: string;
}
