import { BadUserInputError } from '../../errors.js';
import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { appIdArg } from './app-id-arg.js';
import { TokenStatusRef } from './token-status.js';

builder.mutationField('refreshToken', (t) =>
  t.field({
    type: TokenStatusRef,
    authScopes: { 'token:refresh': true },
    description:
      'Makes sure an app has a usable token. `force: false` returns the cached token while it is fresh and fetches one otherwise; `force: true` fetches a new one from WeChat, at most once per cooldown (REFRESH_COOLDOWN with `retryAfterSeconds` otherwise); `rejectedToken` reports a token WeChat refused (see the argument). Needs scope `token:refresh`.',
    args: {
      appId: t.arg.id(appIdArg),
      force: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'Fetch a new token even if the cached one is fresh.',
      }),
      rejectedToken: t.arg.string({
        required: false,
        description: `The token WeChat just rejected (40001, 40014, 42001). If it is the cached one, it is dropped and a new one obtained in normal mode (one fetch however many services report it); otherwise the cached token is returned without calling WeChat. Either way the answer is the current token. At most ${MAX_REJECTED_TOKEN_LENGTH} characters; not with \`force: true\` (BAD_USER_INPUT otherwise).`,
      }),
    },
    resolve: async (_root, args, context) => {
      const appId = resolveAppId(args.appId?.toString(), context.tokens, context.caller);
      const rejected = args.rejectedToken ?? undefined;
      if (rejected !== undefined) checkRejectedToken(rejected, args.force ?? false);
      await context.refreshBudget?.check(appId);
      if (rejected !== undefined) await context.tokens.reportRejected(appId, rejected);
      else await context.tokens.refresh(appId, { force: args.force ?? false });
      context.loaders.status.clear(appId);
      return context.loaders.status.load(appId);
    },
  }),
);

/** WeChat tokens are about 150 characters and at most 512 by its documentation. */
const MAX_REJECTED_TOKEN_LENGTH = 2048;

/** Messages never repeat the value: it is a credential, whoever sent it. */
function checkRejectedToken(rejected: string, force: boolean): void {
  if (force) throw new BadUserInputError('Give either force: true or rejectedToken, not both.');
  if (rejected.length === 0 || rejected.length > MAX_REJECTED_TOKEN_LENGTH) {
    throw new BadUserInputError(
      `rejectedToken must be 1 to ${MAX_REJECTED_TOKEN_LENGTH} characters (the access_token WeChat rejected).`,
    );
  }
}
