/** Typed shapes of WeChat's OpenAPI management endpoints: API quotas, clearing them, and request lookup by rid. */

/** `/cgi-bin/openapi/quota/get`: one API's daily quota for the account. */
export interface ApiQuota {
  dailyLimit: number;
  used: number;
  remain: number;
}

/**
 * `/cgi-bin/openapi/rid/get`: what WeChat recorded about one request. Every text is redacted by the
 * client: the URL and bodies WeChat recorded carry the token and sometimes the AppSecret.
 */
export interface RecordedRequest {
  /** Epoch seconds at which WeChat received the request. */
  invokeTime: number;
  costInMs: number;
  requestUrl: string;
  requestBody: string;
  responseBody: string;
  clientIp: string;
}

/** What the gateway's OpenAPI management fields need from WeChat; `WeChatClient` is the HTTP implementation. */
export interface OpenApiManagementApi {
  /** `POST /cgi-bin/openapi/quota/get { cgi_path }`. */
  getApiQuota(accessToken: string, cgiPath: string): Promise<ApiQuota>;
  /** `POST /cgi-bin/clear_quota { appid }`: resets the account's daily quotas (10 times a month). */
  clearQuota(accessToken: string, appId: string): Promise<void>;
  /** `POST /cgi-bin/openapi/rid/get { rid }`. */
  getRequestByRid(accessToken: string, rid: string): Promise<RecordedRequest>;
}
