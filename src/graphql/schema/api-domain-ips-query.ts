import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { ApiDomainIpsRef } from './api-domain-ips.js';
import { appIdArg } from './app-id-arg.js';

builder.queryField('apiDomainIps', (t) =>
  t.field({
    type: ApiDomainIpsRef,
    authScopes: { 'wechat:read': true },
    description:
      'The addresses of WeChat’s API domain, fetched with the app’s token (obtained first if needed) and cached like `callbackIps`. Needs scope `wechat:read`.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: (_root, args, context) =>
      context.loaders.apiDomainIps.load(resolveAppId(args.appId?.toString(), context.tokens, context.caller)),
  }),
);
