import type { ClearQuotaOutcome } from '../../services/wechat-ops.js';
import { resolveAppId } from '../app-id.js';
import { builder } from '../builder.js';
import { appIdArg } from './app-id-arg.js';
import { ClearQuotaResultRef } from './clear-quota.js';

/** Per request (its loaders object): the clear of each app asked for. */
const clearsOf = new WeakMap<object, Map<string, Promise<ClearQuotaOutcome>>>();

builder.mutationField('clearQuota', (t) =>
  t.field({
    type: ClearQuotaResultRef,
    authScopes: { 'wechat:admin': true },
    description:
      'Resets every daily API quota of the app on WeChat (`/cgi-bin/clear_quota`) and closes the gateway’s own 45009 circuits for it. WeChat allows 10 a month (WECHAT_CLEAR_QUOTA_LIMIT, errcode 48006, beyond that), so the gateway calls it at most once per app per `CLEAR_QUOTA_COOLDOWN_SECONDS` (CLEAR_QUOTA_COOLDOWN with `retryAfterSeconds` otherwise) and aliases of one app in one request share one call: use it when a spent quota blocks production, not routinely. Needs scope `wechat:admin`.',
    args: { appId: t.arg.id(appIdArg) },
    resolve: (_root, args, context) => {
      const appId = resolveAppId(args.appId?.toString(), context.tokens, context.caller);
      // Aliases of one app in one request share one clear: the second must not meet the cooldown.
      const clears = clearsOf.get(context.loaders) ?? new Map<string, Promise<ClearQuotaOutcome>>();
      clearsOf.set(context.loaders, clears);
      const clear = clears.get(appId) ?? context.ops.clearQuota(appId);
      clears.set(appId, clear);
      return clear;
    },
  }),
);
