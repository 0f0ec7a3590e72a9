import {
  API_UNAUTHORIZED,
  BUSY,
  ERRCODE_CATALOG,
  type ErrcodeEntry,
  entry,
  TOKEN_EXPIRED,
} from './errcode-catalog.js';

const COMPONENT_TICKET_INVALID = entry(
  'COMPONENT_TICKET_INVALID',
  'restart-ticket-push',
  false,
  "WeChat refused the component's verify ticket (expired or invalid): the gateway asked WeChat to push a new one (api_start_push_ticket); check that the authorization event URL on open.weixin.qq.com points at /wechat/component/<componentAppId>/events.",
);
const AUTHORIZATION_CODE = entry(
  'WECHAT_INVALID_REQUEST',
  'fatal',
  false,
  'The authorization code is invalid or expired (it lives 10 minutes and is used once): have the merchant authorize again from a new authorizationUrl.',
);

/**
 * The Open Platform rows of docs/error-codes.md: the component endpoints (`/cgi-bin/component/*`).
 * 40001/40014/42001 there mean the component token was refused: renewed once. `api_component_token`
 * is a token endpoint: its 40001 is a wrong component AppSecret.
 */
export const OPEN_PLATFORM_ERRCODE_CATALOG: ReadonlyMap<number, ErrcodeEntry> = new Map([
  [-1, BUSY],
  [40001, ERRCODE_CATALOG.get(40001) as ErrcodeEntry],
  [40014, ERRCODE_CATALOG.get(40014) as ErrcodeEntry],
  [42001, TOKEN_EXPIRED],
  [
    40125,
    entry(
      'WECHAT_INVALID_SECRET',
      'config',
      false,
      'WeChat rejected the component AppSecret: check WECHAT_COMPONENT_APP_SECRET against the third-party platform on open.weixin.qq.com.',
    ),
  ],
  [
    41004,
    entry(
      'WECHAT_INVALID_REQUEST',
      'config',
      false,
      'component_appsecret missing: set WECHAT_COMPONENT_APP_SECRET.',
    ),
  ],
  [45009, ERRCODE_CATALOG.get(45009) as ErrcodeEntry],
  [45011, ERRCODE_CATALOG.get(45011) as ErrcodeEntry],
  [
    47001,
    entry(
      'WECHAT_INVALID_REQUEST',
      'fatal',
      false,
      'WeChat refused the request body: a gateway bug, please report it.',
    ),
  ],
  [48001, API_UNAUTHORIZED],
  [
    61003,
    entry(
      'AUTHORIZER_UNAUTHORIZED',
      'fatal',
      false,
      'The account has not authorized this third-party platform (or revoked it): the merchant must authorize it again (authorizationUrl).',
    ),
  ],
  [
    61004,
    entry(
      'WECHAT_IP_NOT_WHITELISTED',
      'config',
      false,
      "Add the gateway's egress IP to the third-party platform's IP whitelist on open.weixin.qq.com (Development settings).",
    ),
  ],
  [61005, COMPONENT_TICKET_INVALID],
  [61006, COMPONENT_TICKET_INVALID],
  [61009, AUTHORIZATION_CODE],
  [61010, AUTHORIZATION_CODE],
  [
    61011,
    entry(
      'WECHAT_INVALID_APPID',
      'config',
      false,
      'WeChat does not know this component: check WECHAT_COMPONENT_APP_ID against the third-party platform on open.weixin.qq.com.',
    ),
  ],
  [
    61023,
    entry(
      'AUTHORIZER_REAUTHORIZATION_REQUIRED',
      'recover-refresh-token',
      false,
      "WeChat refused the authorizer's refresh token and the authorizer list (api_get_authorizer_list) gave no working one: the merchant must authorize the platform again (authorizationUrl, then completeAuthorization).",
    ),
  ],
]);
