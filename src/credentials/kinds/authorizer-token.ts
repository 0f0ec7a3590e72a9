import { COMPONENT_API_PATHS } from '../../wechat/component-api.js';
import { TICKET_TYPES, type TicketType, type WeChatFrontendApi } from '../../wechat/frontend-endpoints.js';
import type { Authorizers } from '../authorizers.js';
import { type CredentialKind, catalogVerdict, ROTATION_OVERLAP_MS } from '../kind.js';
import { COMPONENT_TOKEN } from './component-token.js';
import { jsSdkTicketKind } from './js-sdk-ticket.js';

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
    // Like a classic token, a new authorizer token retires the previous one: only the lease holder asks.
    lifetime: () => ({ expires: { earlyWindowMs: 0, previousValidForMs: ROTATION_OVERLAP_MS } }),
    verdict: (error) => catalogVerdict(error, true),
  };
}

/** Whether a kind name is some component's authorizer token (what `tokenEvents` streams of an authorizer). */
export function isAuthorizerTokenKind(name: string): boolean {
  return name.startsWith('authorizer-token:');
}

/** The kind name of the JS-SDK tickets of `type` of one component's authorizers. */
export function authorizerTicketKindName(componentAppId: string, type: TicketType): string {
  return `authorizer-ticket:${type}:${componentAppId}`;
}

/**
 * An authorizer's JS-SDK tickets: the JS-SDK ticket kind, obtained with the authorizer's token (which
 * works for the merchant's account APIs like the account's own token) instead of an app's own.
 */
export function authorizerTicketKinds(
  componentAppId: string,
  api: Pick<WeChatFrontendApi, 'getTicket'>,
): CredentialKind[] {
  return TICKET_TYPES.map((type) => ({
    ...jsSdkTicketKind(type, api),
    name: authorizerTicketKindName(componentAppId, type),
    requires: (key) => ({ appId: key.appId, kind: authorizerTokenKind(componentAppId) }),
  }));
}
