import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { appIdArg } from './app-id-arg.js';
import { TokenStatusRef } from './token-status.js';

builder.queryField('tokenStatus', (t) =>
  t.field({
    type: TokenStatusRef,
    description: 'The state of an app’s cached access token. Reads the store only: never calls WeChat.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: (_root, args, context) =>
      context.loaders.status.load(resolveAppId(args.appId?.toString(), context.tokens, context.caller)),
  }),
);
