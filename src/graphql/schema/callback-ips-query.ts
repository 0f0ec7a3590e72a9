import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { appIdArg } from './app-id-arg.js';
import { CallbackIpsRef } from './callback-ips.js';

builder.queryField('callbackIps', (t) =>
  t.field({
    type: CallbackIpsRef,
    authScopes: { 'wechat:read': true },
    description:
      'The addresses WeChat sends callbacks from, fetched with the app’s token (obtained first if needed) and cached briefly. Needs scope `wechat:read`.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: (_root, args, context) =>
      context.loaders.callbackIps.load(resolveAppId(args.appId?.toString(), context.tokens, context.caller)),
  }),
);
