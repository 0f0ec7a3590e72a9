/** Which page the merchant is sent to: Official Accounts (1), Mini Programs (2) or both (3). */
export type AuthorizationAccountType = 'OFFICIAL_ACCOUNT' | 'MINI_PROGRAM' | 'ALL';
const AUTH_TYPE: Record<AuthorizationAccountType, string> = {
  OFFICIAL_ACCOUNT: '1',
  MINI_PROGRAM: '2',
  ALL: '3',
};

export interface AuthorizationPageRequest {
  redirectUri: string;
  accountType: AuthorizationAccountType;
  bizAppId?: string;
  mobile: boolean;
}

/** The page a merchant opens to authorize the component with a pre-auth code (desktop or mobile). */
export function authorizationPageUrl(
  componentAppId: string,
  preAuthCode: string,
  request: AuthorizationPageRequest,
): string {
  const params = new URLSearchParams({
    ...(request.mobile && { action: 'bindcomponent', no_scan: '1' }),
    component_appid: componentAppId,
    pre_auth_code: preAuthCode,
    redirect_uri: request.redirectUri,
    auth_type: AUTH_TYPE[request.accountType],
    ...(request.bizAppId && { biz_appid: request.bizAppId }),
  });
  return request.mobile
    ? `https://open.weixin.qq.com/wxaopen/safe/bindcomponent?${params}#wechat_redirect`
    : `https://mp.weixin.qq.com/cgi-bin/componentloginpage?${params}`;
}
