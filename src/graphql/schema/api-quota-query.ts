import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { ApiQuotaRef } from './api-quota.js';
import { appIdArg } from './app-id-arg.js';

builder.queryField('apiQuota', (t) =>
  t.field({
    type: ApiQuotaRef,
    authScopes: { 'wechat:read': true },
    description:
      'How much of one WeChat API’s daily quota the app has used, asked of WeChat each time (not cached). Needs scope `wechat:read`.',
    args: {
      appId: t.arg.id(appIdArg),
      cgiPath: t.arg.string({
        required: true,
        description:
          'The API path, e.g. "/cgi-bin/token" or "/cgi-bin/stable_token": starts with "/", at most 128 characters, no query string (BAD_USER_INPUT otherwise).',
      }),
    },
    resolve: (_root, args, context) =>
      context.ops.apiQuota(
        resolveAppId(args.appId?.toString(), context.tokens, context.caller),
        args.cgiPath,
      ),
  }),
);
