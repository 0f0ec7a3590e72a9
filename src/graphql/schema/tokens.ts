import type { AppSummary, TokenStatus } from '../../credentials/types.js';
import { BadUserInputError } from '../../errors.js';
import { builder } from '../builder.js';
import { appIdArg, forApp } from './app-scoped.js';

/** The token domain: an app's token status, the configured apps, and refreshing a token. */

export const TokenStateEnum = builder.enumType('TokenState', {
  description: 'Where an app’s cached access token stands relative to its expiry.',
  values: {
    FRESH: { description: 'Cached and valid beyond the refresh margin.' },
    EXPIRING: { description: 'Cached and still valid, but inside the refresh margin: a refresh is due.' },
    EXPIRED: { description: 'Cached but past its expiry: WeChat will reject it.' },
    MISSING: { description: 'No token is cached yet (none fetched, or the last one was invalidated).' },
  } as const,
});

interface TokenErrorShape {
  code: string;
  message: string;
  at: Date;
}

const TokenErrorRef = builder.objectRef<TokenErrorShape>('TokenError').implement({
  description: 'The last failure to obtain a token for an app.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'The error code, as in GraphQL error extensions.' }),
    message: t.exposeString('message', { description: 'What went wrong and how to fix it (redacted).' }),
    at: t.expose('at', { type: 'DateTime', description: 'When the attempt failed.' }),
  }),
});

export const TokenStatusRef = builder.objectRef<TokenStatus>('TokenStatus').implement({
  description: 'The state of one app’s access token as cached by the gateway.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    name: t.exposeString('name', { description: 'The app’s display name from the configuration.' }),
    state: t.expose('state', { type: TokenStateEnum, description: 'Whether the token is usable.' }),
    expiresAt: t.expose('expiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When WeChat stops accepting the token; null when none is cached.',
    }),
    expiresInSeconds: t.exposeInt('expiresInSeconds', {
      nullable: true,
      description: 'Whole seconds until `expiresAt` (0 once expired); null when none is cached.',
    }),
    obtainedAt: t.expose('obtainedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When WeChat issued the token; null when none is cached.',
    }),
    accessToken: t.exposeString('accessToken', {
      nullable: true,
      authScopes: { 'token:read': true },
      description:
        'The access token itself. Requires scope `token:read`: without it the field is null and a FORBIDDEN error names the missing scope.',
    }),
    lastError: t.field({
      type: TokenErrorRef,
      nullable: true,
      description: 'The last failure to obtain a token, if the last attempt failed.',
      resolve: (status) => status.lastError ?? null,
    }),
    circuitOpenUntil: t.expose('circuitOpenUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'Set while a WeChat quota window blocks upstream calls for this app.',
    }),
    renewalOnRejectionBlockedUntil: t.expose('renewalOnRejectionBlockedUntil', {
      type: 'DateTime',
      nullable: true,
      description:
        'Set while WeChat rejected a token obtained moments ago: until then it is not renewed again, and API calls that meet the rejection answer WECHAT_TOKEN_REJECTED (retryable, with `retryAfterSeconds`).',
    }),
    degraded: t.exposeBoolean('degraded', {
      description: 'True when the shared store is down and this replica serves from its local fallback.',
    }),
  }),
});

/** Other domains add their per-app fields to `App` (wechat-ips.ts adds `callbackIps`). */
const AppKindEnum = builder.enumType('AppKind', {
  description: 'What an app is; it decides which WeChat endpoints and errcodes apply.',
  values: {
    OFFICIAL_ACCOUNT: { value: 'officialAccount', description: 'A WeChat Official Account.' },
    MINI_PROGRAM: {
      value: 'miniProgram',
      description: 'A Mini Program: the same token endpoints, no JS-SDK.',
    },
    WECOM: {
      value: 'wecom',
      description: 'A WeCom (企业微信) app or special secret: qyapi, a token per (corp, secret).',
    },
  } as const,
});

export const AppRef = builder.objectRef<AppSummary>('App').implement({
  description:
    'A WeChat Official Account, Mini Program or WeCom app configured on this gateway. Its nested fields are nullable, so one failing app yields an error for that app only and data for the others.',
  fields: (t) => ({
    appId: t.exposeID('appId', {
      description: 'The WeChat AppID; a WeCom app’s "<corpId>/<agentId>" or "<corpId>/<secretName>".',
    }),
    kind: t.field({
      type: AppKindEnum,
      description: 'Official Account, Mini Program or WeCom app.',
      resolve: (app) => app.kind ?? 'officialAccount',
    }),
    name: t.exposeString('name', { description: 'The display name from the configuration.' }),
    tokenMode: t.exposeString('tokenMode', {
      description: 'How tokens are fetched: `stable` (/cgi-bin/stable_token) or `classic` (/cgi-bin/token).',
    }),
    // Every app of one request in one store read (a list of many apps costs one MGET, not one GET each).
    tokenStatus: t.loadable({
      type: TokenStatusRef,
      nullable: true,
      description:
        'The cached token’s state; reads the store, never calls WeChat. Null with an error if the read fails.',
      load: (appIds: string[], context) => context.tokens.statuses(appIds),
      resolve: (app) => app.appId,
    }),
  }),
});

builder.queryFields((t) => ({
  tokenStatus: t.field({
    type: TokenStatusRef,
    description: 'The state of an app’s cached access token. Reads the store only: never calls WeChat.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: forApp((appId, _args, context) => context.tokens.status(appId)),
  }),
  apps: t.field({
    type: [AppRef],
    description:
      'Every app configured on this gateway (those the caller may act on), in configuration order.',
    resolve: (_root, _args, { tokens, caller }) =>
      tokens
        .listApps()
        .filter((app) => (!caller.appIds && !caller.componentAppIds) || caller.appIds?.has(app.appId)),
  }),
  app: t.field({
    type: AppRef,
    nullable: true,
    description:
      'One app by AppID. Nullable, so aliases asking several apps return data for the good ones and an error (with its path) for each failing one.',
    args: {
      appId: t.arg.id({
        required: true,
        description: 'The WeChat AppID ("wx" + 16 hex digits), or a WeCom app’s "<corpId>/<agentId>".',
      }),
    },
    resolve: forApp(
      (appId, _args, { tokens }) => tokens.listApps().find((app) => app.appId === appId) ?? null,
    ),
  }),
}));

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
    resolve: forApp(async (appId, args, context) => {
      const rejected = args.rejectedToken ?? undefined;
      if (rejected !== undefined) checkRejectedToken(rejected, args.force ?? false);
      await context.refreshBudget?.check(appId);
      if (rejected !== undefined) await context.tokens.reportRejected(appId, rejected);
      else await context.tokens.refresh(appId, { force: args.force ?? false });
      return context.tokens.status(appId);
    }),
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
