import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { appIdArg } from './app-id-arg.js';
import { RequestLookupRef } from './request-lookup.js';

builder.queryField('requestLookup', (t) =>
  t.field({
    type: RequestLookupRef,
    authScopes: { 'wechat:admin': true },
    description:
      'Looks up a failed WeChat call by the `rid` in its error’s extensions: what was sent, what WeChat answered, from which address. Texts are redacted. Needs scope `wechat:admin`.',
    args: {
      appId: t.arg.id(appIdArg),
      rid: t.arg.string({
        required: true,
        description:
          'WeChat’s request id, as in `extensions.rid` of an error, e.g. "6554f9b5-1c9a1ea4-3d7a56aa" (BAD_USER_INPUT otherwise).',
      }),
    },
    resolve: (_root, args, context) =>
      context.ops.requestLookup(
        resolveAppId(args.appId?.toString(), context.tokens, context.caller),
        args.rid,
      ),
  }),
);
