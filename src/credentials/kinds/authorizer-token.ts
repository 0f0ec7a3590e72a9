import { COMPONENT_API_PATHS } from '../../wechat/component-api.js';
import type { Authorizers } from '../authorizers.js';
import type { CredentialKind } from '../kind.js';
import { COMPONENT_TOKEN } from './component-token.js';

/** The kind name of the authorizer tokens of one component, under each authorizer's appId. */
export function authorizerTokenKind(componentAppId: string): string {
  return `authorizer-token:${componentAppId}`;
}

/**
 * An authorizer's access token, obtained for the component with its token (`requires`: a component
 * token WeChat rejects is renewed once) and the authorizer's refresh token, which `Authorizers` keeps,
 * replaces when WeChat hands out another, and recovers from the authorizer list on 61023.
 */
export function authorizerKind(
  componentAppId: string,
  authorizers: Pick<Authorizers, 'obtainToken'>,
): CredentialKind {
  return {
    name: authorizerTokenKind(componentAppId),
    noun: 'authorizer access token',
    secret: true,
    requires: () => ({ appId: componentAppId, kind: COMPONENT_TOKEN }),
    forceable: false,
    renewal: 'after-use',
    endpoints: () => [COMPONENT_API_PATHS.authorizerToken],
    obtain: (authorizerAppId, request) =>
      authorizers.obtainToken(componentAppId, authorizerAppId, request.with ?? ''),
    earlyWindowMs: () => undefined,
    // Like a classic token, a new authorizer token retires the previous one: only the lease holder asks.
    obtainableWithoutLease: () => false,
    rejects: (error) => error.reaction === 'renew-token',
  };
}
