import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import type { TokenService } from '../credentials/types.js';
import { BadUserInputError, ForbiddenError, truncate, UnknownAppError } from '../errors.js';
import { GATEWAY_APP_ID_RULE, isGatewayAppId } from '../wechat/app-id.js';

/**
 * Which app a field acts on. `appId` may be omitted when exactly one app is configured (or a default
 * one is, as the sandbox's demo app in `npm run dev`); a
 * malformed one is BAD_USER_INPUT (never echoed in full), an unconfigured one UNKNOWN_APP, and one
 * outside the caller's allowed apps FORBIDDEN. A configured app is answered at once; any other appId
 * may be an Open Platform authorizer (`findApp`, which reads the store): a revoked one is
 * AUTHORIZER_UNAUTHORIZED, one needing a new authorization AUTHORIZER_REAUTHORIZATION_REQUIRED.
 */
export function resolveAppId(
  requested: string | null | undefined,
  tokens: Pick<TokenService, 'listApps' | 'hasApp' | 'findApp' | 'defaultAppId'>,
  caller: Pick<AuthenticatedCaller, 'scopes' | 'appIds' | 'componentAppIds'>,
): string | Promise<string> {
  const appId = requested ?? onlyApp(tokens);
  if (!isGatewayAppId(appId)) {
    const shown = appId.length > 51 ? `${appId.length} characters` : `"${truncate(appId, 51)}"`;
    throw new BadUserInputError(`appId is invalid: ${GATEWAY_APP_ID_RULE} (got ${shown}).`);
  }
  if (tokens.hasApp(appId)) {
    checkAllowed(caller, appId, undefined);
    return appId;
  }
  return tokens.findApp(appId).then((app) => {
    if (!app) throw new UnknownAppError(appId);
    checkAllowed(caller, appId, app.componentAppId);
    return appId;
  });
}

/**
 * A key limited to apps (`appIds`) or to every authorizer of some components (`componentAppIds`) acts
 * on those only; `componentAppId` is the component an authorizer is served for.
 */
function checkAllowed(
  caller: Pick<AuthenticatedCaller, 'appIds' | 'componentAppIds'>,
  appId: string,
  componentAppId: string | undefined,
): void {
  if (!caller.appIds && !caller.componentAppIds) return;
  if (caller.appIds?.has(appId)) return;
  if (componentAppId !== undefined && caller.componentAppIds?.has(componentAppId)) return;
  throw new ForbiddenError(`This API key may not act on app ${appId}.`);
}

function onlyApp(tokens: Pick<TokenService, 'listApps' | 'defaultAppId'>): string {
  const chosen = tokens.defaultAppId();
  if (chosen !== undefined) return chosen;
  const apps = tokens.listApps();
  throw new BadUserInputError(
    apps.length === 0
      ? 'appId is required: no app is configured on this gateway.'
      : `appId is required: this gateway serves ${apps.length} apps (query "apps" to list them).`,
  );
}
