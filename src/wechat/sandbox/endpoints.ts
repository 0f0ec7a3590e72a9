/**
 * The WeChat endpoints the sandbox emulates (Official Account, Open Platform and WeCom, on one base URL;
 * `getcallbackip` and `get_api_domain_ip` answer as the token's platform does); faults and counters
 * are keyed by these paths.
 */
export const SANDBOX_ENDPOINTS = [
  '/cgi-bin/token',
  '/cgi-bin/stable_token',
  '/cgi-bin/getcallbackip',
  '/cgi-bin/get_api_domain_ip',
  '/cgi-bin/openapi/quota/get',
  '/cgi-bin/clear_quota',
  '/cgi-bin/openapi/rid/get',
  '/cgi-bin/ticket/getticket',
  '/cgi-bin/callback/check',
  '/cgi-bin/component/api_start_push_ticket',
  '/cgi-bin/component/api_component_token',
  '/cgi-bin/component/api_create_preauthcode',
  '/cgi-bin/component/api_query_auth',
  '/cgi-bin/component/api_authorizer_token',
  '/cgi-bin/component/api_get_authorizer_list',
  '/cgi-bin/gettoken',
  '/cgi-bin/get_jsapi_ticket',
  '/cgi-bin/ticket/get',
] as const;

export type SandboxEndpoint = (typeof SANDBOX_ENDPOINTS)[number];

export function isSandboxEndpoint(path: string): path is SandboxEndpoint {
  return (SANDBOX_ENDPOINTS as readonly string[]).includes(path);
}
