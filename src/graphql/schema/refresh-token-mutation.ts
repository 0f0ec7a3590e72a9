import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { appIdArg } from './app-id-arg.js';
import { TokenStatusRef } from './token-status.js';

builder.mutationField('refreshToken', (t) =>
  t.field({
    type: TokenStatusRef,
    authScopes: { 'token:refresh': true },
    description:
      'Makes sure an app has a usable token. `force: false` returns the cached token while it is fresh and fetches one otherwise; `force: true` fetches a new one from WeChat, at most once per cooldown (REFRESH_COOLDOWN with `retryAfterSeconds` otherwise). Needs scope `token:refresh`.',
    args: {
      appId: t.arg.id(appIdArg),
      force: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'Fetch a new token even if the cached one is fresh.',
      }),
    },
    resolve: async (_root, args, context) => {
      const appId = resolveAppId(args.appId?.toString(), context.tokens, context.caller);
      await context.refreshBudget?.check(appId);
      await context.tokens.refresh(appId, { force: args.force ?? false });
      context.loaders.status.clear(appId);
      return context.loaders.status.load(appId);
    },
  }),
);
