import type { AppKind } from '../../config/index.js';
import { BadUserInputError } from '../../errors.js';
import { resolveAppId } from '../app-id.js';
import type { GraphQLContext } from '../context.js';

/**
 * What every app-scoped root field shares: the optional `appId` argument (`args: { appId:
 * t.arg.id(appIdArg) }`) and a resolver that receives the checked appId (`resolve: forApp(…)`):
 * omitted only with one app configured, well-formed, configured, and allowed for the caller's key.
 */
export const appIdArg = {
  required: false,
  description:
    'The WeChat AppID ("wx" + 16 hex digits), or a WeCom app’s "<corpId>/<agentId>" (or "<corpId>/<secretName>"), or an Open Platform authorizer’s AppID (served with its authorizer token; a configured app with the same AppID wins). May be omitted when exactly one app is configured, or a default one (the demo Official Account of `npm run dev`).',
} as const;

/** The kinds of app a field has no meaning for, each with the reason the caller is told. */
export type RefusedKinds = Partial<Record<AppKind, string>>;

/** Fields WeChat offers Official Accounts only (no WeCom or Mini Program counterpart the gateway calls). */
export const OFFICIAL_ACCOUNT_ONLY = (field: string): RefusedKinds => ({
  wecom: `${field} has no meaning for a WeCom app: WeCom has no such API on qyapi`,
});

/**
 * `refused` names the kinds of app the field has no meaning for: such an app is BAD_USER_INPUT saying
 * why, before anything (WeChat included) is asked.
 */
export function forApp<Args extends { appId?: string | number | null }, Result>(
  resolve: (appId: string, args: Args, context: GraphQLContext) => Result,
  refused?: RefusedKinds,
): (root: unknown, args: Args, context: GraphQLContext) => Result {
  return (_root, args, context) => {
    const proceed = (appId: string): Result => {
      if (refused) {
        // An authorizer (no configured app) is served as an Official Account.
        const reason = refused[context.tokens.app(appId)?.kind ?? 'officialAccount'];
        if (reason) throw new BadUserInputError(`${reason} (appId ${appId}).`);
      }
      return resolve(appId, args, context);
    };
    const appId = resolveAppId(args.appId?.toString(), context.tokens, context.caller);
    // A configured app is resolved at once; an authorizer once the store said whose it is.
    return typeof appId === 'string' ? proceed(appId) : (appId.then(proceed) as Result);
  };
}
