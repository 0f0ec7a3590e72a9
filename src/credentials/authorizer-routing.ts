import { AuthorizerReauthorizationRequiredError, AuthorizerUnauthorizedError } from '../errors.js';
import type { AuthorizerRecord } from '../store/ports.js';

/**
 * Which component serves an appId that is no configured app, from that appId's record under each
 * configured component (in configuration order): the first component it authorized (`AUTHORIZED`).
 * With none, a record whose refresh token no list could restore is AUTHORIZER_REAUTHORIZATION_REQUIRED
 * and a revoked one AUTHORIZER_UNAUTHORIZED; no record anywhere is undefined (the caller says UNKNOWN_APP).
 */
export function authorizerComponent(
  appId: string,
  componentAppIds: readonly string[],
  records: readonly (Pick<AuthorizerRecord, 'state'> | undefined)[],
): string | undefined {
  const at = (state: AuthorizerRecord['state']) => records.findIndex((record) => record?.state === state);
  const authorized = at('AUTHORIZED');
  if (authorized >= 0) return componentAppIds[authorized];
  if (at('REFRESH_TOKEN_INVALID') >= 0) throw new AuthorizerReauthorizationRequiredError(appId);
  if (at('UNAUTHORIZED') >= 0) throw new AuthorizerUnauthorizedError(appId);
  return undefined;
}
