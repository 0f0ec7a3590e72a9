/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What WeChat checks of the callback URL. */
export type NetworkCheckAction =
  /** Resolve the host, then ping every address. */
  | 'ALL'
  /** Resolve the host only. */
  | 'DNS'
  /** Ping only. */
  | 'PING';

/** Which carrier WeChat checks from. */
export type NetworkOperator =
  /** Tencent’s own network. */
  | 'CAP'
  /** China Telecom. */
  | 'CHINANET'
  /** Chosen by WeChat from each address. */
  | 'DEFAULT'
  /** China Unicom. */
  | 'UNICOM';

/** Why a token was fetched. */
export type RefreshReason =
  /** None was cached. */
  | 'COLD'
  /** A caller forced a refresh (`refreshToken(force: true)`). */
  | 'FORCED'
  /** WeChat rejected the cached one. */
  | 'INVALIDATED'
  /** The cached one was about to expire. */
  | 'MARGIN';

/** The JS-SDK tickets WeChat issues per app (`/cgi-bin/ticket/getticket?type=`; on WeCom, `get_jsapi_ticket` and `ticket/get?type=agent_config`). */
export type TicketType =
  /** A WeCom app’s agent ticket: signs `wx.agentConfig` (`jsSdkConfig.agentConfig`). */
  | 'AGENT_CONFIG'
  /** Signs `wx.config` (`jsSdkConfig`); a WeCom app’s corp ticket. */
  | 'JSAPI'
  /** Signs card calls (`cardSignature`); Official Accounts only. */
  | 'WX_CARD';

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

export type TokenStatusQueryVariables = Exact<{
  appId?: string | number | null | undefined;
}>;


export type TokenStatusQuery = { tokenStatus: { appId: string, name: string, state: TokenState, expiresAt: string | null, expiresInSeconds: number | null, obtainedAt: string | null, accessToken: string | null, degraded: boolean, circuitOpenUntil: string | null, lastError: { code: string, message: string, at: string } | null } };

export type CallbackIpsQueryVariables = Exact<{
  appId?: string | number | null | undefined;
}>;


export type CallbackIpsQuery = { callbackIps: { appId: string, ips: Array<string>, fetchedAt: string } };

export type RefreshTokenMutationVariables = Exact<{
  appId?: string | number | null | undefined;
  force?: boolean | null | undefined;
}>;


export type RefreshTokenMutation = { refreshToken: { appId: string, state: TokenState, expiresAt: string | null, expiresInSeconds: number | null, obtainedAt: string | null, accessToken: string | null } };

export type AppsQueryVariables = Exact<{ [key: string]: never; }>;


export type AppsQuery = { apps: Array<{ appId: string, name: string, tokenMode: string, tokenStatus: { state: TokenState } | null }> };

export type TwoAppsCallbackIpsQueryVariables = Exact<{
  first: string | number;
  second: string | number;
}>;


export type TwoAppsCallbackIpsQuery = { first: { appId: string, callbackIps: { ips: Array<string> } | null } | null, second: { appId: string, callbackIps: { ips: Array<string> } | null } | null };

export type TwoAliasesTokenStatusQueryVariables = Exact<{
  first?: string | number | null | undefined;
  second?: string | number | null | undefined;
}>;


export type TwoAliasesTokenStatusQuery = { first: { appId: string, state: TokenState }, second: { appId: string, state: TokenState } };

export type SameAppTwiceQueryVariables = Exact<{
  appId?: string | number | null | undefined;
}>;


export type SameAppTwiceQuery = { a: { ips: Array<string> }, b: { ips: Array<string> }, s1: { state: TokenState }, s2: { state: TokenState } };

export type ApiDomainIpsQueryVariables = Exact<{
  appId?: string | number | null | undefined;
}>;


export type ApiDomainIpsQuery = { apiDomainIps: { appId: string, ips: Array<string>, fetchedAt: string } };

export type ApiQuotaQueryVariables = Exact<{
  appId?: string | number | null | undefined;
  cgiPath: string;
}>;


export type ApiQuotaQuery = { apiQuota: { appId: string, cgiPath: string, dailyLimit: number, used: number, remain: number } };

export type ClearQuotaMutationVariables = Exact<{
  appId?: string | number | null | undefined;
}>;


export type ClearQuotaMutation = { clearQuota: { appId: string, clearedAt: string, reopenedEndpoints: Array<string>, clearQuotaCallsSpent: number, nextClearAllowedAt: string } };

export type RequestLookupQueryVariables = Exact<{
  appId?: string | number | null | undefined;
  rid: string;
}>;


export type RequestLookupQuery = { requestLookup: { appId: string, rid: string, invokedAt: string, costInMs: number, requestUrl: string, requestBody: string, responseBody: string, clientIp: string } };

export type JsSdkConfigQueryVariables = Exact<{
  appId?: string | number | null | undefined;
  url: string;
}>;


export type JsSdkConfigQuery = { jsSdkConfig: { appId: string, timestamp: number, nonceStr: string, signature: string, url: string } };

export type CardSignatureQueryVariables = Exact<{
  appId?: string | number | null | undefined;
  cardId?: string | null | undefined;
  code?: string | null | undefined;
  openId?: string | null | undefined;
}>;


export type CardSignatureQuery = { cardSignature: { timestamp: number, nonceStr: string, signature: string } };

export type AppTicketsQueryVariables = Exact<{
  appId: string | number;
}>;


export type AppTicketsQuery = { app: { tickets: Array<{ type: TicketType, state: TokenState, expiresAt: string | null }> | null } | null };

export type NetworkCheckQueryVariables = Exact<{
  appId?: string | number | null | undefined;
  action: NetworkCheckAction;
  operator: NetworkOperator;
}>;


export type NetworkCheckQuery = { networkCheck: { dns: Array<{ ip: string, realOperator: string }>, ping: Array<{ ip: string, fromOperator: string, packageLoss: string, time: string, packageLossPercent: number | null, timeMs: number | null }> } };

export type CallbackIpCheckQueryVariables = Exact<{
  appId?: string | number | null | undefined;
  ip: string;
}>;


export type CallbackIpCheckQuery = { callbackIpCheck: { ip: string, allowed: boolean, matchedRange: string | null } };

export type IpRangesQueryVariables = Exact<{
  appId?: string | number | null | undefined;
}>;


export type IpRangesQuery = { callbackIps: { ranges: Array<{ cidr: string, address: string, prefixLength: number, version: number }> }, apiDomainIps: { ranges: Array<{ cidr: string, address: string, prefixLength: number, version: number }> } };

export type TokenEventsSubscriptionVariables = Exact<{
  appId?: string | number | null | undefined;
}>;


export type TokenEventsSubscription = { tokenEvents: { appId: string, type: TokenEventType, reason: RefreshReason | null, fingerprint: string | null, expiresAt: string | null, at: string, code: string | null, message: string | null, background: boolean | null } };

export type ForceRefreshMutationVariables = Exact<{ [key: string]: never; }>;


export type ForceRefreshMutation = { refreshToken: { appId: string, expiresAt: string | null } };


export const TokenStatusDocument = {"__meta__":{"hash":"sha256:2f3ad76d82775321bf6af9354a584ffc9ad10c84185fbe61a55b674e163d3aad"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TokenStatus"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tokenStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresInSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"obtainedAt"}},{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"degraded"}},{"kind":"Field","name":{"kind":"Name","value":"circuitOpenUntil"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]}}]} as unknown as DocumentNode<TokenStatusQuery, TokenStatusQueryVariables>;
export const CallbackIpsDocument = {"__meta__":{"hash":"sha256:265a57e84d9658431f18b440b4d758f77e95d156e104989a4a533aa6e709cbd4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CallbackIps"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"callbackIps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"ips"}},{"kind":"Field","name":{"kind":"Name","value":"fetchedAt"}}]}}]}}]} as unknown as DocumentNode<CallbackIpsQuery, CallbackIpsQueryVariables>;
export const RefreshTokenDocument = {"__meta__":{"hash":"sha256:133a54a871ef9eea15063b26bea8b469e2a5af3620d7b0f29211786d2f0fa9c2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RefreshToken"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"force"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refreshToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"force"},"value":{"kind":"Variable","name":{"kind":"Name","value":"force"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresInSeconds"}},{"kind":"Field","name":{"kind":"Name","value":"obtainedAt"}},{"kind":"Field","name":{"kind":"Name","value":"accessToken"}}]}}]}}]} as unknown as DocumentNode<RefreshTokenMutation, RefreshTokenMutationVariables>;
export const AppsDocument = {"__meta__":{"hash":"sha256:5600cdf66b5c1ded271e2c00eff36a390d72fc4f996b26acb7f27dbf784c6fc0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Apps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"tokenMode"}},{"kind":"Field","name":{"kind":"Name","value":"tokenStatus"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]}}]} as unknown as DocumentNode<AppsQuery, AppsQueryVariables>;
export const TwoAppsCallbackIpsDocument = {"__meta__":{"hash":"sha256:b15e355bd9a3aced5171d49b9245587780c2cd8f0dea535586a5f9c65799c07b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TwoAppsCallbackIps"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"second"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"first"},"name":{"kind":"Name","value":"app"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"callbackIps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ips"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"second"},"name":{"kind":"Name","value":"app"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"second"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"callbackIps"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ips"}}]}}]}}]}}]} as unknown as DocumentNode<TwoAppsCallbackIpsQuery, TwoAppsCallbackIpsQueryVariables>;
export const TwoAliasesTokenStatusDocument = {"__meta__":{"hash":"sha256:00aa041418735505fed0e6abc7e2b8489a374bc55c2027f4da0d65809128828e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TwoAliasesTokenStatus"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"second"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"first"},"name":{"kind":"Name","value":"tokenStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}},{"kind":"Field","alias":{"kind":"Name","value":"second"},"name":{"kind":"Name","value":"tokenStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"second"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]} as unknown as DocumentNode<TwoAliasesTokenStatusQuery, TwoAliasesTokenStatusQueryVariables>;
export const SameAppTwiceDocument = {"__meta__":{"hash":"sha256:b7305cffac48082917dbccc5b922ef3d4d357879295821ed19146eac74290c94"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"SameAppTwice"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"a"},"name":{"kind":"Name","value":"callbackIps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ips"}}]}},{"kind":"Field","alias":{"kind":"Name","value":"b"},"name":{"kind":"Name","value":"callbackIps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ips"}}]}},{"kind":"Field","alias":{"kind":"Name","value":"s1"},"name":{"kind":"Name","value":"tokenStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}}]}},{"kind":"Field","alias":{"kind":"Name","value":"s2"},"name":{"kind":"Name","value":"tokenStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]} as unknown as DocumentNode<SameAppTwiceQuery, SameAppTwiceQueryVariables>;
export const ApiDomainIpsDocument = {"__meta__":{"hash":"sha256:9c67e632a2d3063d84bd6bb2dd7450b7278e3f26e2a44e9e895cc595463ffc6f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ApiDomainIps"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiDomainIps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"ips"}},{"kind":"Field","name":{"kind":"Name","value":"fetchedAt"}}]}}]}}]} as unknown as DocumentNode<ApiDomainIpsQuery, ApiDomainIpsQueryVariables>;
export const ApiQuotaDocument = {"__meta__":{"hash":"sha256:e82ee721ade6eec93c4a45c49183b996687fda8829e22648f9c2ab36a0e81c81"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ApiQuota"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"cgiPath"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"apiQuota"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"cgiPath"},"value":{"kind":"Variable","name":{"kind":"Name","value":"cgiPath"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"cgiPath"}},{"kind":"Field","name":{"kind":"Name","value":"dailyLimit"}},{"kind":"Field","name":{"kind":"Name","value":"used"}},{"kind":"Field","name":{"kind":"Name","value":"remain"}}]}}]}}]} as unknown as DocumentNode<ApiQuotaQuery, ApiQuotaQueryVariables>;
export const ClearQuotaDocument = {"__meta__":{"hash":"sha256:997b1dbc466687570ef1cbf7a8854ab3967267ac3d113a2c8ed5f4c8208caffa"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ClearQuota"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clearQuota"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"clearedAt"}},{"kind":"Field","name":{"kind":"Name","value":"reopenedEndpoints"}},{"kind":"Field","name":{"kind":"Name","value":"clearQuotaCallsSpent"}},{"kind":"Field","name":{"kind":"Name","value":"nextClearAllowedAt"}}]}}]}}]} as unknown as DocumentNode<ClearQuotaMutation, ClearQuotaMutationVariables>;
export const RequestLookupDocument = {"__meta__":{"hash":"sha256:33f7fa75cf85d93c3165982260f8da2160dc60c97e0b44a21a75e8c1b724a34c"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RequestLookup"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"rid"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requestLookup"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"rid"},"value":{"kind":"Variable","name":{"kind":"Name","value":"rid"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"rid"}},{"kind":"Field","name":{"kind":"Name","value":"invokedAt"}},{"kind":"Field","name":{"kind":"Name","value":"costInMs"}},{"kind":"Field","name":{"kind":"Name","value":"requestUrl"}},{"kind":"Field","name":{"kind":"Name","value":"requestBody"}},{"kind":"Field","name":{"kind":"Name","value":"responseBody"}},{"kind":"Field","name":{"kind":"Name","value":"clientIp"}}]}}]}}]} as unknown as DocumentNode<RequestLookupQuery, RequestLookupQueryVariables>;
export const JsSdkConfigDocument = {"__meta__":{"hash":"sha256:c96ba8d2b616963fd36bab9136bf004d8488da1b93c325cd1355d7f08699a156"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JsSdkConfig"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"url"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jsSdkConfig"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"url"},"value":{"kind":"Variable","name":{"kind":"Name","value":"url"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"nonceStr"}},{"kind":"Field","name":{"kind":"Name","value":"signature"}},{"kind":"Field","name":{"kind":"Name","value":"url"}}]}}]}}]} as unknown as DocumentNode<JsSdkConfigQuery, JsSdkConfigQueryVariables>;
export const CardSignatureDocument = {"__meta__":{"hash":"sha256:5353baa57d619d108ddf03e2d3e13ff028c683dc818dc7062e82bdd85b0756cd"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CardSignature"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"cardId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"code"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"openId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cardSignature"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"cardId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"cardId"}}},{"kind":"Argument","name":{"kind":"Name","value":"code"},"value":{"kind":"Variable","name":{"kind":"Name","value":"code"}}},{"kind":"Argument","name":{"kind":"Name","value":"openId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"openId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"nonceStr"}},{"kind":"Field","name":{"kind":"Name","value":"signature"}}]}}]}}]} as unknown as DocumentNode<CardSignatureQuery, CardSignatureQueryVariables>;
export const AppTicketsDocument = {"__meta__":{"hash":"sha256:d249279e98a274fd9bd9616420c4b1297f010f2ea689a2dc320fc6c927ed6dc4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AppTickets"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"app"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tickets"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]}}]} as unknown as DocumentNode<AppTicketsQuery, AppTicketsQueryVariables>;
export const NetworkCheckDocument = {"__meta__":{"hash":"sha256:1f723393a889b26ead69010333bb8c4ad740fe97f3dcd9f6db27f5b4a83709bf"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NetworkCheck"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"action"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"NetworkCheckAction"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"operator"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"NetworkOperator"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"networkCheck"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"action"},"value":{"kind":"Variable","name":{"kind":"Name","value":"action"}}},{"kind":"Argument","name":{"kind":"Name","value":"operator"},"value":{"kind":"Variable","name":{"kind":"Name","value":"operator"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dns"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ip"}},{"kind":"Field","name":{"kind":"Name","value":"realOperator"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ping"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ip"}},{"kind":"Field","name":{"kind":"Name","value":"fromOperator"}},{"kind":"Field","name":{"kind":"Name","value":"packageLoss"}},{"kind":"Field","name":{"kind":"Name","value":"time"}},{"kind":"Field","name":{"kind":"Name","value":"packageLossPercent"}},{"kind":"Field","name":{"kind":"Name","value":"timeMs"}}]}}]}}]}}]} as unknown as DocumentNode<NetworkCheckQuery, NetworkCheckQueryVariables>;
export const CallbackIpCheckDocument = {"__meta__":{"hash":"sha256:ebb9438481ff8decfe1000948c8ee0b9e13a9b3805f68ed44aa44c7c94ff50cc"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CallbackIpCheck"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ip"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"callbackIpCheck"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}},{"kind":"Argument","name":{"kind":"Name","value":"ip"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ip"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ip"}},{"kind":"Field","name":{"kind":"Name","value":"allowed"}},{"kind":"Field","name":{"kind":"Name","value":"matchedRange"}}]}}]}}]} as unknown as DocumentNode<CallbackIpCheckQuery, CallbackIpCheckQueryVariables>;
export const IpRangesDocument = {"__meta__":{"hash":"sha256:803feee9af312b0ddb2f7a59508affd8aace9d57732d58735336855e22f8f928"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"IpRanges"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"callbackIps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ranges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cidr"}},{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"prefixLength"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"apiDomainIps"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ranges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cidr"}},{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"prefixLength"}},{"kind":"Field","name":{"kind":"Name","value":"version"}}]}}]}}]}}]} as unknown as DocumentNode<IpRangesQuery, IpRangesQueryVariables>;
export const TokenEventsDocument = {"__meta__":{"hash":"sha256:fcfae757b786210176fee6d183edadffaa60d51868fc92b772c3d12641596344"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"TokenEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"appId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tokenEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"appId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"appId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"fingerprint"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"background"}}]}}]}}]} as unknown as DocumentNode<TokenEventsSubscription, TokenEventsSubscriptionVariables>;
export const ForceRefreshDocument = {"__meta__":{"hash":"sha256:4106ff827ddc1dac209f67527db1bc90b1065d1686d76396bdcecfc89dd04c61"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ForceRefresh"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"refreshToken"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"force"},"value":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"appId"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]} as unknown as DocumentNode<ForceRefreshMutation, ForceRefreshMutationVariables>;