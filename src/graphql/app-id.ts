import type { AuthenticatedCaller } from '../auth/resolve-caller.js';
import type { TokenService } from '../credentials/types.js';
import { BadUserInputError, ForbiddenError, truncate, UnknownAppError } from '../errors.js';
import { GATEWAY_APP_ID_RULE, isGatewayAppId } from '../wechat/app-id.js';

/**
 * Which app a field acts on. `appId` may be omitted when exactly one app is configured (or a default
 * one is, as the sandbox's demo app in `npm run dev`); a
 * malformed one is BAD_USER_INPUT (never echoed in full), an unconfigured one UNKNOWN_APP, and one
 * outside the caller's allowed apps FORBIDDEN.
 */
export function resolveAppId(
  requested: string | null | undefined,
  tokens: Pick<TokenService, 'listApps' | 'hasApp' | 'defaultAppId'>,
  caller: Pick<AuthenticatedCaller, 'scopes' | 'appIds'>,
): string {
  const appId = requested ?? onlyApp(tokens);
  if (!isGatewayAppId(appId)) {
    const shown = appId.length > 51 ? `${appId.length} characters` : `"${truncate(appId, 51)}"`;
    throw new BadUserInputError(`appId is invalid: ${GATEWAY_APP_ID_RULE} (got ${shown}).`);
  }
  if (!tokens.hasApp(appId)) throw new UnknownAppError(appId);
  if (caller.appIds && !caller.appIds.has(appId)) {
    throw new ForbiddenError(`This API key may not act on app ${appId}.`);
  }
  return appId;
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
