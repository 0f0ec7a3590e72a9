import type { IpList } from '../../services/ip-list-cache.js';
import { builder } from '../builder.js';
import { appIdArg, forApp } from './app-scoped.js';
import { AppRef } from './tokens.js';

/** The WeChat address lists domain: callback IPs and API domain IPs, cached per app (IpListCache). */

/** Both lists have the same shape; only what they list differs. */
function ipListType(name: string, description: string, ipsDescription: string) {
  return builder.objectRef<IpList>(name).implement({
    description,
    fields: (t) => ({
      appId: t.exposeID('appId', { description: 'The WeChat AppID whose token fetched the list.' }),
      ips: t.exposeStringList('ips', { description: ipsDescription }),
      fetchedAt: t.expose('fetchedAt', {
        type: 'DateTime',
        description: 'When the gateway fetched the list from WeChat (it is cached for a short while).',
      }),
    }),
  });
}

export const CallbackIpsRef = ipListType(
  'CallbackIps',
  'The addresses WeChat sends callbacks from (`/cgi-bin/getcallbackip`), for firewall rules.',
  'IPv4/IPv6 addresses, some in CIDR notation (e.g. "101.226.103.0/25").',
);

export const ApiDomainIpsRef = ipListType(
  'ApiDomainIps',
  'The addresses of WeChat’s API domain (`/cgi-bin/get_api_domain_ip`), for egress firewall rules.',
  'IPv4/IPv6 addresses that api.weixin.qq.com resolves to, possibly in CIDR notation.',
);

builder.queryFields((t) => ({
  callbackIps: t.field({
    type: CallbackIpsRef,
    authScopes: { 'wechat:read': true },
    description:
      'The addresses WeChat sends callbacks from, fetched with the app’s token (obtained first if needed) and cached briefly. Needs scope `wechat:read`.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: forApp((appId, _args, context) => context.loaders.callbackIps.load(appId)),
  }),
  apiDomainIps: t.field({
    type: ApiDomainIpsRef,
    authScopes: { 'wechat:read': true },
    description:
      'The addresses of WeChat’s API domain, fetched with the app’s token (obtained first if needed) and cached like `callbackIps`. Needs scope `wechat:read`.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: forApp((appId, _args, context) => context.loaders.apiDomainIps.load(appId)),
  }),
}));

builder.objectField(AppRef, 'callbackIps', (t) =>
  t.field({
    type: CallbackIpsRef,
    nullable: true,
    authScopes: { 'wechat:read': true },
    description:
      'WeChat’s callback addresses (needs scope `wechat:read`). Null with an error if WeChat fails.',
    resolve: (app, _args, context) => context.loaders.callbackIps.load(app.appId),
  }),
);
