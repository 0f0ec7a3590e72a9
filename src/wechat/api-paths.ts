import type { TokenMode } from '../config/index.js';

/** The path each token mode calls, which is also the circuit an exhausted token quota opens. */
export const TOKEN_ENDPOINT: Record<TokenMode, string> = {
  stable: '/cgi-bin/stable_token',
  classic: '/cgi-bin/token',
};

/**
 * The WeChat API paths the gateway calls with an access token. Quota circuits are keyed by these, so
 * clearing an app's quota can close every circuit any replica may have opened for it.
 */
export const WECHAT_API_PATHS = {
  callbackIp: '/cgi-bin/getcallbackip',
  apiDomainIp: '/cgi-bin/get_api_domain_ip',
  apiQuota: '/cgi-bin/openapi/quota/get',
  clearQuota: '/cgi-bin/clear_quota',
  requestLookup: '/cgi-bin/openapi/rid/get',
  ticket: '/cgi-bin/ticket/getticket',
  callbackCheck: '/cgi-bin/callback/check',
} as const;

/**
 * WeCom's paths (qyapi): the token of one (corp, secret), the corp ticket for `wx.config` and the
 * agent ticket for `wx.agentConfig`. `getcallbackip` and `get_api_domain_ip` are WECHAT_API_PATHS'.
 */
export const WECOM_API_PATHS = {
  token: '/cgi-bin/gettoken',
  corpTicket: '/cgi-bin/get_jsapi_ticket',
  agentTicket: '/cgi-bin/ticket/get',
} as const;
