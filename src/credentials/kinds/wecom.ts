import type { AppConfig } from '../../config/index.js';
import { InvalidOptionError } from '../../errors.js';
import { WECOM_API_PATHS } from '../../wechat/api-paths.js';
import type { WeComApi, WeComTicketType } from '../../wechat/endpoints.js';
import { type CredentialKind, catalogVerdict, UNTIL_ITS_EXPIRY } from '../kind.js';
import { ticketKindNameOf, WECOM_TOKEN, wecomTicketKindName } from './names.js';

/**
 * A WeCom app's credentials as engine kinds (issue 27): its access token (`gettoken` with the app's own
 * corpSecret), its corp ticket (`get_jsapi_ticket`, for `wx.config`) and its agent ticket
 * (`ticket/get?type=agent_config`, for `wx.agentConfig`), both obtained with that token. The engine key's
 * appId is the WeCom app id `<corpId>/<agentId|secretName>`, so no credential is ever keyed by corp alone
 * (the SDKs' classic 301002 bug). Their names differ from an Official Account's kinds: the engine looks
 * kinds up by name, and an app's kind names follow from its platform (names.ts).
 */

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
    lifetime: () => ({ expires: { earlyWindowMs: 0, previousValidForMs: UNTIL_ITS_EXPIRY } }),
    // 40014/41001/42001 on WeCom; never 40001, which WeCom's catalog reads as a wrong secret.
    verdict: (error) => catalogVerdict(error, true),
  };
}

/** A WeCom app's corp ticket (`jsapi`) or agent ticket (`agent_config`), fetched with the app's own token. */
export function wecomTicketKind(type: WeComTicketType, options: WeComKindsOptions): CredentialKind {
  return {
    name: wecomTicketKindName(type),
    noun: type === 'jsapi' ? 'WeCom corp ticket' : 'WeCom agent ticket',
    secret: true,
    requires: (key) => ({ appId: key.appId, kind: WECOM_TOKEN }),
    forceable: false,
    renewal: 'after-use',
    endpoints: () => [type === 'jsapi' ? WECOM_API_PATHS.corpTicket : WECOM_API_PATHS.agentTicket],
    async obtain(appId, request) {
      if (type === 'agent_config') ticketKindNameOf(options.app(appId), type);
      const issued = await requireApi(options.api, 'getWeComTicket')(request.with ?? '', type);
      return { value: issued.ticket, expiresInSeconds: issued.expiresInSeconds };
    },
    lifetime: () => ({ expires: { earlyWindowMs: 0, previousValidForMs: UNTIL_ITS_EXPIRY } }),
    verdict: (error) => catalogVerdict(error, false),
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
