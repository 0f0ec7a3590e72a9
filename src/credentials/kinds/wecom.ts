import type { AppConfig, AppKind } from '../../config/index.js';
import { BadUserInputError, InvalidOptionError } from '../../errors.js';
import { WECOM_API_PATHS } from '../../wechat/api-paths.js';
import type { WeComApi, WeComTicketType } from '../../wechat/endpoints.js';
import type { TicketType } from '../../wechat/frontend-endpoints.js';
import type { CredentialKind } from '../kind.js';
import { ACCESS_TOKEN } from './access-token.js';
import { ticketKindName } from './js-sdk-ticket.js';

/**
 * A WeCom app's credentials as engine kinds (issue 27): its access token (`gettoken` with the app's own
 * corpSecret), its corp ticket (`get_jsapi_ticket`, for `wx.config`) and its agent ticket
 * (`ticket/get?type=agent_config`, for `wx.agentConfig`), both obtained with that token. The engine key's
 * appId is the WeCom app id `<corpId>/<agentId|secretName>`, so no credential is ever keyed by corp alone
 * (the SDKs' classic 301002 bug). Their names differ from an Official Account's kinds: the engine looks
 * kinds up by name, and an app's kind names follow from its platform (`kindNameOf`).
 */

export const WECOM_TOKEN = 'wecom:token';

/** A JS-SDK ticket of any platform: an Official Account's `jsapi`/`wx_card`, a WeCom app's `jsapi`/`agent_config`. */
export type JsSdkTicketType = TicketType | WeComTicketType;

export function wecomTicketKindName(type: WeComTicketType): string {
  return `wecom:ticket:${type}`;
}

/** The kind names of an app's token, by its kind. */
export function tokenKindNameOf(kind: AppKind): string {
  return kind === 'wecom' ? WECOM_TOKEN : ACCESS_TOKEN;
}

/** Whether a kind name is some platform's access token (events and metrics of tokens). */
export function isTokenKindName(name: string): boolean {
  return name === ACCESS_TOKEN || name === WECOM_TOKEN;
}

/** The JS-SDK tickets an app has: none for a Mini Program, no agent ticket for a WeCom special secret. */
export function ticketTypesOf(app: Pick<AppConfig, 'kind' | 'wecom'>): readonly JsSdkTicketType[] {
  switch (app.kind ?? 'officialAccount') {
    case 'miniProgram':
      return [];
    case 'wecom':
      return app.wecom?.agentId === undefined ? ['jsapi'] : ['jsapi', 'agent_config'];
    default:
      return ['jsapi', 'wx_card'];
  }
}

/**
 * The engine kind name of an app's ticket of `type`; a type the app does not have is BAD_USER_INPUT,
 * said before any upstream call.
 */
export function ticketKindNameOf(
  app: Pick<AppConfig, 'appId' | 'kind' | 'wecom'>,
  type: JsSdkTicketType,
): string {
  if (!ticketTypesOf(app).includes(type)) throw new BadUserInputError(noTicketReason(app, type));
  return app.kind === 'wecom'
    ? wecomTicketKindName(type as WeComTicketType)
    : ticketKindName(type as TicketType);
}

function noTicketReason(app: Pick<AppConfig, 'appId' | 'kind' | 'wecom'>, type: JsSdkTicketType): string {
  if (app.kind === 'miniProgram')
    return `${app.appId} is a Mini Program: a Mini Program has no JS-SDK, so it has no JS-SDK tickets or signatures.`;
  if (app.kind === 'wecom' && type === 'agent_config')
    return `${app.appId} is a WeCom special secret (secretName "${app.wecom?.secretName}"), not an app with an agent: wx.agentConfig needs an app's agentId and its own secret. Configure the app with "agentId" to sign agentConfig.`;
  if (app.kind === 'wecom')
    return `${app.appId} is a WeCom app: WeCom has no card tickets (wx_card); only wx.config and wx.agentConfig are signed.`;
  return `${app.appId} is an Official Account: it has no WeCom agent ticket (agent_config).`;
}

export interface WeComKindsOptions {
  /** The configured WeCom app of an app id (its corp, secret and agent). */
  app(appId: string): AppConfig;
  api: Partial<WeComApi>;
}

function requireApi<K extends keyof WeComApi>(api: Partial<WeComApi>, method: K): WeComApi[K] {
  const fn = api[method];
  if (!fn)
    throw new InvalidOptionError(`A WeCom app is configured but the WeChat API given has no ${method}.`);
  return fn.bind(api) as WeComApi[K];
}

/** A WeCom app's token: one per (corp, secret); WeCom does not retire the previous one on a new gettoken. */
export function wecomTokenKind(options: WeComKindsOptions): CredentialKind {
  return {
    name: WECOM_TOKEN,
    noun: 'WeCom access token',
    secret: true,
    // A forced renewal asks gettoken again (WeCom may hand the current token back while it lives).
    forceable: true,
    renewal: 'eager',
    endpoints: () => [WECOM_API_PATHS.token],
    async obtain(appId) {
      const app = options.app(appId);
      const corpId = app.wecom?.corpId;
      if (!corpId) throw new InvalidOptionError(`App ${appId} is not a WeCom app.`);
      const issued = await requireApi(options.api, 'fetchWeComToken')(corpId, app.appSecret);
      return { value: issued.accessToken, expiresInSeconds: issued.expiresInSeconds };
    },
    earlyWindowMs: () => undefined,
    obtainableWithoutLease: () => true,
    // 40014/41001/42001 on WeCom; never 40001, which WeCom's catalog reads as a wrong secret.
    rejects: (error) => error.reaction === 'renew-token',
  };
}

/** A WeCom app's corp ticket (`jsapi`) or agent ticket (`agent_config`), fetched with the app's own token. */
export function wecomTicketKind(type: WeComTicketType, options: WeComKindsOptions): CredentialKind {
  return {
    name: wecomTicketKindName(type),
    noun: type === 'jsapi' ? 'WeCom corp ticket' : 'WeCom agent ticket',
    secret: true,
    requires: WECOM_TOKEN,
    forceable: false,
    renewal: 'after-use',
    endpoints: () => [type === 'jsapi' ? WECOM_API_PATHS.corpTicket : WECOM_API_PATHS.agentTicket],
    async obtain(appId, request) {
      if (type === 'agent_config') ticketKindNameOf(options.app(appId), type);
      const issued = await requireApi(options.api, 'getWeComTicket')(request.with ?? '', type);
      return { value: issued.ticket, expiresInSeconds: issued.expiresInSeconds };
    },
    earlyWindowMs: () => undefined,
    obtainableWithoutLease: () => true,
    rejects: () => false,
  };
}

/** Every WeCom kind, for the engine. */
export function wecomKinds(options: WeComKindsOptions): CredentialKind[] {
  return [
    wecomTokenKind(options),
    wecomTicketKind('jsapi', options),
    wecomTicketKind('agent_config', options),
  ];
}
