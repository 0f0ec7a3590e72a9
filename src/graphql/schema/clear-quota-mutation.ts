import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { appIdArg } from './app-id-arg.js';
import { ClearQuotaResultRef } from './clear-quota.js';

builder.mutationField('clearQuota', (t) =>
  t.field({
    type: ClearQuotaResultRef,
    authScopes: { 'wechat:admin': true },
    description:
      'Resets every daily API quota of the app on WeChat (`/cgi-bin/clear_quota`) and closes the gateway’s own 45009 circuits for it. WeChat allows 10 a month (WECHAT_CLEAR_QUOTA_LIMIT, errcode 48006, beyond that): use it when a spent quota blocks production, not routinely. Needs scope `wechat:admin`.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: (_root, args, context) =>
      context.ops.clearQuota(resolveAppId(args.appId?.toString(), context.tokens, context.caller)),
  }),
);
