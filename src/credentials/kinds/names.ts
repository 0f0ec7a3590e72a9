import type { AppConfig, AppKind } from '../../config/index.js';
import { BadUserInputError } from '../../errors.js';
import type { WeComTicketType } from '../../wechat/endpoints.js';
import type { TicketType } from '../../wechat/frontend-endpoints.js';
import { ACCESS_TOKEN } from './access-token.js';

/**
 * The engine's kind names and which of them an app has, by platform: an Official Account's (and a Mini
 * Program's) `token` and `ticket:<type>`, a WeCom app's `wecom:token` and `wecom:ticket:<type>`. The
 * engine finds a kind by its name; this file is the one place that says which names an app uses.
 */

/** The kind name of an app's JS-SDK ticket of `type` (its Redis keys are the ones tickets always had). */
export function ticketKindName(type: TicketType): string {
  return `ticket:${type}`;
}

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
