import { BadUserInputError } from '../../errors.js';
import { builder } from '../builder.js';
import {
  AccountTypeEnum,
  AuthorizerRef,
  checkAppIdArg,
  componentAppIdArg,
  componentOf,
} from './component.js';

/**
 * The Open Platform's mutations (issue 26): the authorization page, completing an authorization,
 * recovering the authorizers, restarting the ticket push. Each needs scope `component:admin` and a key
 * not limited to some apps or components (`componentOf` in component.ts).
 */

const AuthorizationUrlRef = builder
  .objectRef<{ url: string; expiresAt: Date }>('AuthorizationUrl')
  .implement({
    description: 'The page a merchant opens to authorize the component.',
    fields: (t) => ({
      url: t.exposeString('url', { description: 'The page to send the merchant to (single use).' }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When its pre-auth code expires.' }),
    }),
  });

const RecoverResultRef = builder
  .objectRef<{ total: number; recovered: number }>('RecoverAuthorizersResult')
  .implement({
    description: 'What `recoverAuthorizers` restored.',
    fields: (t) => ({
      total: t.exposeInt('total', { description: 'Authorizers WeChat lists for the component.' }),
      recovered: t.exposeInt('recovered', {
        description: 'Refresh tokens the store lacked or held differently.',
      }),
    }),
  });

function checkRedirectUri(value: string): void {
  let url: URL | undefined;
  try {
    url = value.length <= 1024 ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw new BadUserInputError('redirectUri must be an http(s) URL of at most 1024 characters.');
}

builder.mutationFields((t) => ({
  authorizationUrl: t.field({
    type: AuthorizationUrlRef,
    authScopes: { 'component:admin': true },
    description:
      'The page a merchant opens to authorize the component (a new pre-auth code each time, `api_create_preauthcode`). WeChat sends the merchant back to `redirectUri?auth_code=…`: pass that code to `completeAuthorization`. Needs scope `component:admin`.',
    args: {
      componentAppId: t.arg.id(componentAppIdArg),
      redirectUri: t.arg.string({
        required: true,
        description: 'Where WeChat sends the merchant back, with `auth_code` (an http(s) URL).',
      }),
      accountType: t.arg({
        type: AccountTypeEnum,
        defaultValue: 'ALL',
        description: 'Which accounts may authorize.',
      }),
      bizAppId: t.arg.id({ description: 'Only this account may authorize.' }),
      mobile: t.arg.boolean({ defaultValue: false, description: 'The page for WeChat on a phone.' }),
    },
    resolve: (_root, args, context) => {
      const { config, manager } = componentOf(context, args.componentAppId?.toString());
      checkRedirectUri(args.redirectUri);
      const bizAppId = args.bizAppId?.toString();
      checkAppIdArg('bizAppId', bizAppId);
      return manager.authorizationUrl(config.appId, {
        redirectUri: args.redirectUri,
        accountType: args.accountType ?? 'ALL',
        ...(bizAppId && { bizAppId }),
        mobile: args.mobile ?? false,
      });
    },
  }),
  completeAuthorization: t.field({
    type: AuthorizerRef,
    authScopes: { 'component:admin': true },
    description:
      'Records the authorizer from the `auth_code` WeChat sent the merchant back with (`api_query_auth`; an expired code is WECHAT_INVALID_REQUEST, errcode 61010). Needs scope `component:admin`.',
    args: {
      componentAppId: t.arg.id(componentAppIdArg),
      authorizationCode: t.arg.string({
        required: true,
        description: 'The `auth_code` WeChat appended to `redirectUri` (valid 10 minutes, single use).',
      }),
    },
    resolve: async (_root, args, context) => {
      const { config, manager } = componentOf(context, args.componentAppId?.toString());
      if (args.authorizationCode.length === 0 || args.authorizationCode.length > 512)
        throw new BadUserInputError('authorizationCode must be 1 to 512 characters.');
      const record = await manager.completeAuthorization(config.appId, args.authorizationCode);
      return { componentAppId: config.appId, record, manager };
    },
  }),
  recoverAuthorizers: t.field({
    type: RecoverResultRef,
    authScopes: { 'component:admin': true },
    description:
      'Restores every authorizer’s refresh token from WeChat (`api_get_authorizer_list`, every page): after a Redis without persistence lost them. Needs scope `component:admin`.',
    args: { componentAppId: t.arg.id(componentAppIdArg) },
    resolve: (_root, args, context) => {
      const { config, manager } = componentOf(context, args.componentAppId?.toString());
      return manager.recoverAuthorizers(config.appId);
    },
  }),
  restartTicketPush: t.boolean({
    authScopes: { 'component:admin': true },
    description:
      'Asks WeChat to push a verify ticket again (`api_start_push_ticket`); false when any replica asked within the last 10 minutes. Needs scope `component:admin`.',
    args: { componentAppId: t.arg.id(componentAppIdArg) },
    resolve: (_root, args, context) => {
      const { config, manager } = componentOf(context, args.componentAppId?.toString());
      return manager.restartTicketPush(config.appId);
    },
  }),
}));
