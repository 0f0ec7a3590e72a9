import type { TicketStatus } from '../../credentials/kinds/js-sdk-ticket.js';
import type { AgentConfig, CardSignatureResult, JsSdkConfig } from '../../services/js-sdk.js';
import { builder } from '../builder.js';
import { appIdArg, forApp, type RefusedKinds } from './app-scoped.js';
import { AppRef, TokenStateEnum } from './tokens.js';

const AgentConfigRef = builder.objectRef<AgentConfig>('AgentConfig').implement({
  description:
    'What a WeCom page passes to `wx.agentConfig` (add `jsApiList`): signed with the app’s agent ticket (`ticket/get?type=agent_config`), which never leaves the gateway.',
  fields: (t) => ({
    corpId: t.exposeID('corpId', { description: 'The CorpID (`wx.agentConfig` `corpid`).' }),
    agentId: t.exposeID('agentId', { description: 'The app’s AgentId (`agentid`).' }),
    timestamp: t.exposeInt('timestamp', { description: 'Unix seconds at signing (`timestamp`).' }),
    nonceStr: t.exposeString('nonceStr', { description: 'A random string, new on every call (`nonceStr`).' }),
    signature: t.exposeString('signature', {
      description: 'sha1 of `jsapi_ticket=<agent ticket>&noncestr=…&timestamp=…&url=…` (`signature`).',
    }),
  }),
});

const JsSdkConfigRef = builder.objectRef<JsSdkConfig>('JsSdkConfig').implement({
  description:
    'What a WeChat web page passes to `wx.config` (add `jsApiList`): signed with the app’s jsapi_ticket (a WeCom app’s corp ticket), which never leaves the gateway.',
  fields: (t) => ({
    appId: t.exposeID('appId', {
      description: 'The WeChat AppID (`wx.config` `appId`); for a WeCom app, its CorpID.',
    }),
    timestamp: t.exposeInt('timestamp', {
      description: 'Unix seconds at signing (`wx.config` `timestamp`).',
    }),
    nonceStr: t.exposeString('nonceStr', { description: 'A random string, new on every call (`nonceStr`).' }),
    signature: t.exposeString('signature', {
      description: 'sha1 of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` (`signature`).',
    }),
    url: t.exposeString('url', {
      description:
        'The URL signed: the one asked for without its `#fragment`. The page must be exactly there.',
    }),
    agentConfig: t.field({
      type: AgentConfigRef,
      nullable: true,
      description:
        'For a WeCom app: the `wx.agentConfig` signature of the same page, with the app’s agent ticket. Null for Official Accounts.',
      resolve: (config) => config.agentConfig ?? null,
    }),
  }),
});

const CardSignatureRef = builder.objectRef<CardSignatureResult>('CardSignature').implement({
  description:
    'The `cardExt` signature of `wx.addCard` / `wx.chooseCard`, signed with the app’s wx_card api_ticket (never shown).',
  fields: (t) => ({
    timestamp: t.exposeInt('timestamp', { description: 'Unix seconds at signing (`timestamp`).' }),
    nonceStr: t.exposeString('nonceStr', {
      description: 'A random string, new on every call (`nonce_str`).',
    }),
    signature: t.exposeString('signature', {
      description:
        'sha1 of the sorted, concatenated values: api_ticket, timestamp, nonce_str, card_id, code, openid.',
    }),
  }),
});

const TicketTypeEnum = builder.enumType('TicketType', {
  description:
    'The JS-SDK tickets WeChat issues per app (`/cgi-bin/ticket/getticket?type=`; on WeCom, `get_jsapi_ticket` and `ticket/get?type=agent_config`).',
  values: {
    JSAPI: {
      value: 'jsapi',
      description: 'Signs `wx.config` (`jsSdkConfig`); a WeCom app’s corp ticket.',
    },
    WX_CARD: { value: 'wx_card', description: 'Signs card calls (`cardSignature`); Official Accounts only.' },
    AGENT_CONFIG: {
      value: 'agent_config',
      description: 'A WeCom app’s agent ticket: signs `wx.agentConfig` (`jsSdkConfig.agentConfig`).',
    },
  } as const,
});

const TicketStatusRef = builder.objectRef<TicketStatus>('TicketStatus').implement({
  description: 'Where one of the app’s JS-SDK tickets stands; the ticket itself is never shown.',
  fields: (t) => ({
    type: t.expose('type', { type: TicketTypeEnum, description: 'Which ticket.' }),
    state: t.expose('state', {
      type: TokenStateEnum,
      description:
        'As for tokens: FRESH, EXPIRING (renewed on next use), EXPIRED or MISSING (fetched on first use).',
    }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When WeChat stops accepting the ticket; null when none is cached.',
    }),
  }),
});

builder.objectField(AppRef, 'tickets', (t) =>
  t.field({
    type: [TicketStatusRef],
    nullable: true,
    description: 'The app’s JS-SDK tickets, state only; reads the store, never calls WeChat.',
    resolve: (app, _args, context) => context.pages.tickets.statuses(app.appId),
  }),
);

const SIGN_SCOPE = { 'jssdk:sign': true } as const;

const NO_JS_SDK = 'a Mini Program has no JS-SDK, so nothing is signed for it';
const PAGES_ONLY: RefusedKinds = { miniProgram: `jsSdkConfig: ${NO_JS_SDK}` };
const CARDS_ONLY: RefusedKinds = {
  miniProgram: `cardSignature: ${NO_JS_SDK}`,
  wecom: 'cardSignature has no meaning for a WeCom app: WeCom has no card tickets (wx_card)',
};

builder.queryField('jsSdkConfig', (t) =>
  t.field({
    type: JsSdkConfigRef,
    authScopes: SIGN_SCOPE,
    description:
      'A `wx.config` signature for one page, with the app’s jsapi_ticket (fetched and cached like the token); for a WeCom app, with its corp ticket and `appId` = its CorpID, plus `agentConfig` (an app with a `secretName` has no agent: BAD_USER_INPUT). A Mini Program has no JS-SDK (BAD_USER_INPUT). Needs scope `jssdk:sign`.',
    args: {
      appId: t.arg.id(appIdArg),
      url: t.arg.string({
        required: true,
        description:
          'The page’s URL, `location.href.split("#")[0]`: absolute http(s), at most 2048 characters, on one of the app’s `jsSdkDomains` when it has any (BAD_USER_INPUT otherwise).',
      }),
    },
    resolve: forApp((appId, args, context) => context.pages.signer.config(appId, args.url), PAGES_ONLY),
  }),
);

builder.queryField('cardSignature', (t) =>
  t.field({
    type: CardSignatureRef,
    authScopes: SIGN_SCOPE,
    description:
      'A card signature for `wx.addCard` / `wx.chooseCard`, with the app’s wx_card api_ticket. Needs scope `jssdk:sign`.',
    args: {
      appId: t.arg.id(appIdArg),
      cardId: t.arg.string({
        required: false,
        description: 'The card’s `card_id`, when the call names one.',
      }),
      code: t.arg.string({ required: false, description: 'The card `code`, for cards with custom codes.' }),
      openId: t.arg.string({
        required: false,
        description: 'The user’s `openid`, for cards bound to one user.',
      }),
    },
    resolve: forApp((appId, args, context) => context.pages.signer.card(appId, args), CARDS_ONLY),
  }),
);
