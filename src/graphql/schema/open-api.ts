import type { AppApiQuota, ClearQuotaOutcome, RequestLookup } from '../../services/open-api-management.js';
import { builder } from '../builder.js';
import { appIdArg, forApp, OFFICIAL_ACCOUNT_ONLY } from './app-scoped.js';

/** WeChat's OpenAPI management domain: quotas, clear_quota and request lookup (services/open-api-management.ts), never cached. */

const ApiQuotaRef = builder.objectRef<AppApiQuota>('ApiQuota').implement({
  description:
    'Today’s quota of one WeChat API for an app (`/cgi-bin/openapi/quota/get`). Quotas reset at midnight UTC+8, or with `clearQuota`.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    cgiPath: t.exposeString('cgiPath', { description: 'The API path asked about, e.g. "/cgi-bin/token".' }),
    dailyLimit: t.exposeInt('dailyLimit', { description: 'Calls allowed per day.' }),
    used: t.exposeInt('used', { description: 'Calls made today.' }),
    remain: t.exposeInt('remain', { description: 'Calls left today; at 0 WeChat answers 45009.' }),
  }),
});

/** Per request (its loaders object): the clear of each app asked for. */
const clearsOf = new WeakMap<object, Map<string, Promise<ClearQuotaOutcome>>>();

const ClearQuotaResultRef = builder.objectRef<ClearQuotaOutcome>('ClearQuotaResult').implement({
  description: 'What `clearQuota` did: WeChat reset the app’s daily quotas and the gateway resumed calling.',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    clearedAt: t.expose('clearedAt', { type: 'DateTime', description: 'When WeChat confirmed the reset.' }),
    clearQuotaCallsSpent: t.exposeInt('clearQuotaCallsSpent', {
      description:
        'clear_quota calls this answer spent of WeChat’s 10 a month: 1. Aliases of the same app in one request share that one call.',
    }),
    nextClearAllowedAt: t.expose('nextClearAllowedAt', {
      type: 'DateTime',
      description:
        'When the next clearQuota of the app may call WeChat (`CLEAR_QUOTA_COOLDOWN_SECONDS`, shared by replicas); before that it answers CLEAR_QUOTA_COOLDOWN without calling WeChat.',
    }),
    reopenedEndpoints: t.exposeStringList('reopenedEndpoints', {
      description:
        'WeChat paths the gateway had stopped calling after a 45009 (daily quota) answer and calls again now, on every replica; empty when none was blocked.',
    }),
  }),
});

const RequestLookupRef = builder.objectRef<RequestLookup>('RequestLookup').implement({
  description:
    'What WeChat recorded about one request (`/cgi-bin/openapi/rid/get`), found by the rid of its error. Tokens and secrets in the recorded URL and bodies are replaced by [REDACTED].',
  fields: (t) => ({
    appId: t.exposeID('appId', { description: 'The WeChat AppID.' }),
    rid: t.exposeString('rid', { description: 'The request id looked up.' }),
    invokedAt: t.field({
      type: 'DateTime',
      description: 'When WeChat received the request (whole seconds).',
      resolve: (lookup) => new Date(lookup.invokeTime * 1000),
    }),
    costInMs: t.exposeInt('costInMs', { description: 'How long WeChat took to answer it.' }),
    requestUrl: t.exposeString('requestUrl', { description: 'The path and query called, redacted.' }),
    requestBody: t.exposeString('requestBody', { description: 'The request body, redacted; empty for GET.' }),
    responseBody: t.exposeString('responseBody', { description: 'WeChat’s answer, redacted.' }),
    clientIp: t.exposeString('clientIp', { description: 'The address WeChat saw the request come from.' }),
  }),
});

builder.queryFields((t) => ({
  apiQuota: t.field({
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
    resolve: forApp(
      (appId, args, context) => context.openApi.apiQuota(appId, args.cgiPath),
      OFFICIAL_ACCOUNT_ONLY('apiQuota'),
    ),
  }),
  requestLookup: t.field({
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
    resolve: forApp(
      (appId, args, context) => context.openApi.requestLookup(appId, args.rid),
      OFFICIAL_ACCOUNT_ONLY('requestLookup'),
    ),
  }),
}));

builder.mutationField('clearQuota', (t) =>
  t.field({
    type: ClearQuotaResultRef,
    authScopes: { 'wechat:admin': true },
    description:
      'Resets every daily API quota of the app on WeChat (`/cgi-bin/clear_quota`) and closes the gateway’s own 45009 circuits for it. WeChat allows 10 a month (WECHAT_CLEAR_QUOTA_LIMIT, errcode 48006, beyond that), so the gateway calls it at most once per app per `CLEAR_QUOTA_COOLDOWN_SECONDS` (CLEAR_QUOTA_COOLDOWN with `retryAfterSeconds` otherwise) and aliases of one app in one request share one call: use it when a spent quota blocks production, not routinely. Needs scope `wechat:admin`.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: forApp((appId, _args, context) => {
      // Aliases of one app in one request share one clear: the second must not meet the cooldown.
      const clears = clearsOf.get(context.loaders) ?? new Map<string, Promise<ClearQuotaOutcome>>();
      clearsOf.set(context.loaders, clears);
      const clear = clears.get(appId) ?? context.openApi.clearQuota(appId);
      clears.set(appId, clear);
      return clear;
    }, OFFICIAL_ACCOUNT_ONLY('clearQuota')),
  }),
);
