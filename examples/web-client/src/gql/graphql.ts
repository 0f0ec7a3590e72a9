/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Where an app’s cached access token stands relative to its expiry. */
export type TokenState =
  /** Cached but past its expiry: WeChat will reject it. */
  | 'EXPIRED'
  /** Cached and still valid, but inside the refresh margin: a refresh is due. */
  | 'EXPIRING'
  /** Cached and valid beyond the refresh margin. */
  | 'FRESH'
  /** No token is cached yet (none fetched, or the last one was invalidated). */
  | 'MISSING';

export type PageConfigQueryVariables = Exact<{
  appId: string | number;
  url: string;
}>;


export type PageConfigQuery = { jsSdkConfig: { appId: string, timestamp: number, nonceStr: string, signature: string, url: string } };

export type TokenStateQueryVariables = Exact<{
  appId: string | number;
}>;


export type TokenStateQuery = { tokenStatus: { state: TokenState, obtainedAt: string | null, expiresAt: string | null } };

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

export const PageConfigDocument = new TypedDocumentString(`
    query PageConfig($appId: ID!, $url: String!) {
  jsSdkConfig(appId: $appId, url: $url) {
    appId
    timestamp
    nonceStr
    signature
    url
  }
}
    `) as unknown as TypedDocumentString<PageConfigQuery, PageConfigQueryVariables>;
export const TokenStateDocument = new TypedDocumentString(`
    query TokenState($appId: ID!) {
  tokenStatus(appId: $appId) {
    state
    obtainedAt
    expiresAt
  }
}
    `) as unknown as TypedDocumentString<TokenStateQuery, TokenStateQueryVariables>;