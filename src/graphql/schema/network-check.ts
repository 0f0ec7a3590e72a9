import type { NetworkCheck, ParsedPingResult } from '../../services/network-check.js';
import type { NetworkDnsResult } from '../../wechat/frontend-endpoints.js';
import { builder } from '../builder.js';
import { appIdArg, forApp, OFFICIAL_ACCOUNT_ONLY } from './app-scoped.js';

const NetworkCheckActionEnum = builder.enumType('NetworkCheckAction', {
  description: 'What WeChat checks of the callback URL.',
  values: {
    ALL: { value: 'all', description: 'Resolve the host, then ping every address.' },
    DNS: { value: 'dns', description: 'Resolve the host only.' },
    PING: { value: 'ping', description: 'Ping only.' },
  } as const,
});

const NetworkOperatorEnum = builder.enumType('NetworkOperator', {
  description: 'Which carrier WeChat checks from.',
  values: {
    DEFAULT: { value: 'DEFAULT', description: 'Chosen by WeChat from each address.' },
    CHINANET: { value: 'CHINANET', description: 'China Telecom.' },
    UNICOM: { value: 'UNICOM', description: 'China Unicom.' },
    CAP: { value: 'CAP', description: 'Tencent’s own network.' },
  } as const,
});

const NetworkDnsResultRef = builder.objectRef<NetworkDnsResult>('NetworkDnsResult').implement({
  description: 'One address the callback URL’s host resolved to.',
  fields: (t) => ({
    ip: t.exposeString('ip', { description: 'The address.' }),
    realOperator: t.exposeString('realOperator', { description: 'Its carrier, as WeChat names it.' }),
  }),
});

const NetworkPingResultRef = builder.objectRef<ParsedPingResult>('NetworkPingResult').implement({
  description: 'One ping WeChat sent to an address of the callback URL (one packet).',
  fields: (t) => ({
    ip: t.exposeString('ip', { description: 'The address pinged.' }),
    fromOperator: t.exposeString('fromOperator', { description: 'The carrier the ping left from.' }),
    packageLoss: t.exposeString('packageLoss', { description: 'As WeChat writes it: "0%" or "100%".' }),
    time: t.exposeString('time', { description: 'As WeChat writes it, e.g. "23.079ms".' }),
    packageLossPercent: t.exposeFloat('packageLossPercent', {
      nullable: true,
      description: '`packageLoss` as a number (0-100); null when WeChat’s text does not read as one.',
    }),
    timeMs: t.exposeFloat('timeMs', {
      nullable: true,
      description: '`time` in milliseconds; null when WeChat’s text does not read as one.',
    }),
  }),
});

const NetworkCheckRef = builder.objectRef<NetworkCheck>('NetworkCheck').implement({
  description:
    'How WeChat resolves and reaches the Official Account’s callback URL (`/cgi-bin/callback/check`).',
  fields: (t) => ({
    dns: t.field({ type: [NetworkDnsResultRef], description: 'Empty for `PING`.', resolve: (c) => c.dns }),
    ping: t.field({ type: [NetworkPingResultRef], description: 'Empty for `DNS`.', resolve: (c) => c.ping }),
  }),
});

builder.queryField('networkCheck', (t) =>
  t.field({
    type: NetworkCheckRef,
    authScopes: { 'wechat:read': true },
    description:
      'Asks WeChat to resolve and ping the account’s callback URL, to tell a network problem from a server problem (not cached). Needs scope `wechat:read`. No callback URL configured: WECHAT_CALLBACK_URL_INVALID (errcode 40201).',
    args: {
      appId: t.arg.id(appIdArg),
      action: t.arg({
        type: NetworkCheckActionEnum,
        required: true,
        description: 'What WeChat checks: DNS resolution, a ping, or both.',
      }),
      operator: t.arg({
        type: NetworkOperatorEnum,
        required: true,
        description: 'The carrier WeChat checks from (DEFAULT lets WeChat choose).',
      }),
    },
    resolve: forApp(
      (appId, args, context) => context.pages.network.check(appId, args.action, args.operator),
      OFFICIAL_ACCOUNT_ONLY('networkCheck'),
    ),
  }),
);
