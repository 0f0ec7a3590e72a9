import { resolveAppId } from '../app-id.js';
import type { GraphQLContext } from '../context.js';

/**
 * What every app-scoped root field shares: the optional `appId` argument (`args: { appId:
 * t.arg.id(appIdArg) }`) and a resolver that receives the checked appId (`resolve: forApp(…)`):
 * omitted only with one app configured, well-formed, configured, and allowed for the caller's key.
 */
export const appIdArg = {
  required: false,
  description: 'The WeChat AppID ("wx" + 16 hex digits). May be omitted when exactly one app is configured.',
} as const;

export function forApp<Args extends { appId?: string | number | null }, Result>(
  resolve: (appId: string, args: Args, context: GraphQLContext) => Result,
): (root: unknown, args: Args, context: GraphQLContext) => Result {
  return (_root, args, context) =>
    resolve(resolveAppId(args.appId?.toString(), context.tokens, context.caller), args, context);
}
