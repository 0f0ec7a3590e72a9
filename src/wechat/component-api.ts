import { UpstreamBadResponseError } from '../errors.js';
import type { Redactor } from '../redact.js';
import type { WeChatClient } from './client.js';
import { type ResponseContext, readWeChatObject, type UpstreamAnswer } from './parse-response.js';
import type { CallSpec } from './upstream-transport.js';

/**
 * The Open Platform's component endpoints (`/cgi-bin/component/*`, docs/architecture.md "WeChat
 * endpoints"), called through the WeChat client's transport (failover, timeouts, redaction) and read
 * with the Open Platform's errcode catalog. Every secret and credential a call carries is named to the
 * answer's redaction, so no errmsg repeats one.
 */

export const COMPONENT_API_PATHS = {
  startPushTicket: '/cgi-bin/component/api_start_push_ticket',
  componentToken: '/cgi-bin/component/api_component_token',
  createPreAuthCode: '/cgi-bin/component/api_create_preauthcode',
  queryAuth: '/cgi-bin/component/api_query_auth',
  authorizerToken: '/cgi-bin/component/api_authorizer_token',
  authorizerList: '/cgi-bin/component/api_get_authorizer_list',
} as const;

/** The most authorizers `api_get_authorizer_list` returns per page. */
export const AUTHORIZER_LIST_PAGE = 500;

export interface ComponentSecrets {
  componentAppId: string;
  componentAppSecret: string;
}

export interface IssuedCredential {
  value: string;
  expiresInSeconds: number;
}

export interface QueriedAuthorization {
  authorizerAppId: string;
  accessToken: IssuedCredential;
  refreshToken: string;
  /** The permission-set ids (`func_info[].funcscope_category.id`). */
  permissions: number[];
}

export interface AuthorizerListPage {
  totalCount: number;
  list: { authorizerAppId: string; refreshToken: string; authTime: number }[];
}

/** What the gateway asks of the Open Platform; `ComponentApi` is the HTTP implementation, tests may fake it. */
export interface ComponentWeChatApi {
  startPushTicket(component: ComponentSecrets): Promise<void>;
  componentToken(component: ComponentSecrets, verifyTicket: string): Promise<IssuedCredential>;
  createPreAuthCode(componentAppId: string, componentToken: string): Promise<IssuedCredential>;
  queryAuth(componentAppId: string, componentToken: string, code: string): Promise<QueriedAuthorization>;
  authorizerToken(
    componentAppId: string,
    componentToken: string,
    authorizerAppId: string,
    refreshToken: string,
  ): Promise<{ accessToken: IssuedCredential; refreshToken: string }>;
  authorizerList(
    componentAppId: string,
    componentToken: string,
    offset: number,
    count: number,
  ): Promise<AuthorizerListPage>;
}

type Json = Record<string, unknown>;

export class ComponentApi implements ComponentWeChatApi {
  constructor(
    private readonly client: Pick<WeChatClient, 'wechat'>,
    private readonly redactor?: Pick<Redactor, 'redact'>,
  ) {}

  async startPushTicket(component: ComponentSecrets): Promise<void> {
    await this.#post(COMPONENT_API_PATHS.startPushTicket, 'api', [component.componentAppSecret], {
      json: { component_appid: component.componentAppId, component_secret: component.componentAppSecret },
      read: () => undefined,
    });
  }

  componentToken(component: ComponentSecrets, verifyTicket: string): Promise<IssuedCredential> {
    const secrets = [component.componentAppSecret, verifyTicket];
    return this.#post(COMPONENT_API_PATHS.componentToken, 'token', secrets, {
      json: {
        component_appid: component.componentAppId,
        component_appsecret: component.componentAppSecret,
        component_verify_ticket: verifyTicket,
      },
      read: (body, bad) => issued(body, 'component_access_token', 'expires_in', bad),
    });
  }

  createPreAuthCode(componentAppId: string, componentToken: string): Promise<IssuedCredential> {
    return this.#post(COMPONENT_API_PATHS.createPreAuthCode, 'api', [componentToken], {
      token: componentToken,
      json: { component_appid: componentAppId },
      read: (body, bad) => issued(body, 'pre_auth_code', 'expires_in', bad),
    });
  }

  queryAuth(componentAppId: string, componentToken: string, code: string): Promise<QueriedAuthorization> {
    return this.#post(COMPONENT_API_PATHS.queryAuth, 'api', [componentToken, code], {
      token: componentToken,
      json: { component_appid: componentAppId, authorization_code: code },
      read: (body, bad) => {
        const info = body.authorization_info;
        if (!isObject(info)) throw bad('without an authorization_info object');
        const authorizerAppId = text(info, 'authorizer_appid', bad);
        const funcInfo = Array.isArray(info.func_info) ? info.func_info : [];
        return {
          authorizerAppId,
          accessToken: issued(info, 'authorizer_access_token', 'expires_in', bad),
          refreshToken: text(info, 'authorizer_refresh_token', bad),
          permissions: funcInfo.flatMap((item) => {
            const id =
              isObject(item) && isObject(item.funcscope_category) ? item.funcscope_category.id : undefined;
            return typeof id === 'number' && Number.isInteger(id) ? [id] : [];
          }),
        };
      },
    });
  }

  authorizerToken(
    componentAppId: string,
    componentToken: string,
    authorizerAppId: string,
    refreshToken: string,
  ): Promise<{ accessToken: IssuedCredential; refreshToken: string }> {
    return this.#post(COMPONENT_API_PATHS.authorizerToken, 'api', [componentToken, refreshToken], {
      token: componentToken,
      json: {
        component_appid: componentAppId,
        authorizer_appid: authorizerAppId,
        authorizer_refresh_token: refreshToken,
      },
      read: (body, bad) => ({
        accessToken: issued(body, 'authorizer_access_token', 'expires_in', bad),
        // WeChat names it in the answer; an answer without one keeps the refresh token sent.
        refreshToken:
          typeof body.authorizer_refresh_token === 'string' && body.authorizer_refresh_token !== ''
            ? body.authorizer_refresh_token
            : refreshToken,
      }),
    });
  }

  authorizerList(
    componentAppId: string,
    componentToken: string,
    offset: number,
    count: number,
  ): Promise<AuthorizerListPage> {
    return this.#post(COMPONENT_API_PATHS.authorizerList, 'api', [componentToken], {
      token: componentToken,
      json: { component_appid: componentAppId, offset, count: Math.min(count, AUTHORIZER_LIST_PAGE) },
      read: (body, bad) => {
        const total = body.total_count;
        if (typeof total !== 'number' || !Number.isInteger(total) || total < 0)
          throw bad('without a whole number total_count');
        const list = Array.isArray(body.list) ? body.list : [];
        return {
          totalCount: total,
          list: list.filter(isObject).map((item) => ({
            authorizerAppId: text(item, 'authorizer_appid', bad),
            refreshToken: typeof item.refresh_token === 'string' ? item.refresh_token : '',
            authTime: typeof item.auth_time === 'number' ? item.auth_time : 0,
          })),
        };
      },
    });
  }

  #post<T>(
    endpoint: string,
    kind: ResponseContext['kind'],
    secrets: string[],
    call: { token?: string; json: Json; read: (body: Json, bad: (what: string) => Error) => T },
  ): Promise<T> {
    const context: ResponseContext = {
      endpoint,
      kind,
      platform: 'openPlatform',
      knownSecrets: secrets,
      ...(this.redactor && { redactor: this.redactor }),
    };
    const spec: CallSpec<T> = {
      endpoint,
      method: 'POST',
      ...(call.token !== undefined && { query: { component_access_token: call.token } }),
      json: call.json,
      context,
      interpret: (answer: UpstreamAnswer) =>
        call.read(
          readWeChatObject(answer, context),
          (what) => new UpstreamBadResponseError(`WeChat ${endpoint} answered ${what}`),
        ),
    };
    return this.client.wechat.call(spec);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(body: Json, field: string, bad: (what: string) => Error): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw bad(`without a non-empty string ${field}`);
  return value;
}

function issued(
  body: Json,
  field: string,
  lifeField: string,
  bad: (what: string) => Error,
): IssuedCredential {
  const value = text(body, field, bad);
  const life = body[lifeField];
  if (typeof life !== 'number' || !Number.isFinite(life) || life <= 0)
    throw bad(`without a positive number ${lifeField}`);
  return { value, expiresInSeconds: life };
}
