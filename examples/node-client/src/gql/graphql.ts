/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** What happened to an app’s access token. */
export type TokenEventType =
  /** An authorizer changed the permissions it grants its component. */
  | 'AUTHORIZATION_UPDATED'
  /** An account authorized an Open Platform component (the event’s appId). */
  | 'AUTHORIZED'
  /** Obtaining a token failed on this replica; see `code` and `message`. */
  | 'ERROR'
  /** WeChat rejected the cached token and it was dropped; a new one is fetched on demand. */
  | 'INVALIDATED'
  /** A new token was stored (by any replica); see `reason`, `fingerprint`, `expiresAt`. */
  | 'REFRESHED'
  /** An authorizer revoked its authorization: its tokens were deleted. */
  | 'UNAUTHORIZED';

export type AccessTokenQueryVariables = Exact<{
  appId: string | number;
}>;


export type AccessTokenQuery = { tokenStatus: { accessToken: string | null, expiresAt: string | null } };

export type EnsureTokenMutationVariables = Exact<{
  appId: string | number;
}>;


export type EnsureTokenMutation = { refreshToken: { accessToken: string | null } };

export type ReportRejectedMutationVariables = Exact<{
  appId: string | number;
  rejectedToken: string;
}>;


export type ReportRejectedMutation = { refreshToken: { accessToken: string | null } };

export type TokenChangesSubscriptionVariables = Exact<{
  appId: string | number;
}>;


export type TokenChangesSubscription = { tokenEvents: { type: TokenEventType, fingerprint: string | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const AccessTokenDocument = new TypedDocumentString(`
    query AccessToken($appId: ID!) {
  tokenStatus(appId: $appId) {
    accessToken
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<AccessTokenQuery, AccessTokenQueryVariables>;
export const EnsureTokenDocument = new TypedDocumentString(`
    mutation EnsureToken($appId: ID!) {
  refreshToken(appId: $appId, force: false) {
    accessToken
  }
}
    `) as unknown as TypedDocumentString<EnsureTokenMutation, EnsureTokenMutationVariables>;
export const ReportRejectedDocument = new TypedDocumentString(`
    mutation ReportRejected($appId: ID!, $rejectedToken: String!) {
  refreshToken(appId: $appId, rejectedToken: $rejectedToken) {
    accessToken
  }
}
    `) as unknown as TypedDocumentString<ReportRejectedMutation, ReportRejectedMutationVariables>;
export const TokenChangesDocument = new TypedDocumentString(`
    subscription TokenChanges($appId: ID!) {
  tokenEvents(appId: $appId) {
    type
    fingerprint
  }
}
    `) as unknown as TypedDocumentString<TokenChangesSubscription, TokenChangesSubscriptionVariables>;