/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query TokenStatus($appId: ID) {\n    tokenStatus(appId: $appId) {\n      appId\n      name\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n      degraded\n      circuitOpenUntil\n      lastError {\n        code\n        message\n        at\n      }\n    }\n  }\n": typeof types.TokenStatusDocument,
    "\n  query CallbackIps($appId: ID) {\n    callbackIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n": typeof types.CallbackIpsDocument,
    "\n  mutation RefreshToken($appId: ID, $force: Boolean) {\n    refreshToken(appId: $appId, force: $force) {\n      appId\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n    }\n  }\n": typeof types.RefreshTokenDocument,
    "\n  query Apps {\n    apps {\n      appId\n      name\n      tokenMode\n      tokenStatus {\n        state\n      }\n    }\n  }\n": typeof types.AppsDocument,
    "\n  query TwoAppsCallbackIps($first: ID!, $second: ID!) {\n    first: app(appId: $first) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n    second: app(appId: $second) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n  }\n": typeof types.TwoAppsCallbackIpsDocument,
    "\n  query TwoAliasesTokenStatus($first: ID, $second: ID) {\n    first: tokenStatus(appId: $first) {\n      appId\n      state\n    }\n    second: tokenStatus(appId: $second) {\n      appId\n      state\n    }\n  }\n": typeof types.TwoAliasesTokenStatusDocument,
    "\n  query SameAppTwice($appId: ID) {\n    a: callbackIps(appId: $appId) {\n      ips\n    }\n    b: callbackIps(appId: $appId) {\n      ips\n    }\n    s1: tokenStatus(appId: $appId) {\n      state\n    }\n    s2: tokenStatus(appId: $appId) {\n      state\n    }\n  }\n": typeof types.SameAppTwiceDocument,
    "\n  query ApiDomainIps($appId: ID) {\n    apiDomainIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n": typeof types.ApiDomainIpsDocument,
    "\n  query ApiQuota($appId: ID, $cgiPath: String!) {\n    apiQuota(appId: $appId, cgiPath: $cgiPath) {\n      appId\n      cgiPath\n      dailyLimit\n      used\n      remain\n    }\n  }\n": typeof types.ApiQuotaDocument,
    "\n  mutation ClearQuota($appId: ID) {\n    clearQuota(appId: $appId) {\n      appId\n      clearedAt\n      reopenedEndpoints\n    }\n  }\n": typeof types.ClearQuotaDocument,
    "\n  query RequestLookup($appId: ID, $rid: String!) {\n    requestLookup(appId: $appId, rid: $rid) {\n      appId\n      rid\n      invokedAt\n      costInMs\n      requestUrl\n      requestBody\n      responseBody\n      clientIp\n    }\n  }\n": typeof types.RequestLookupDocument,
    "\n  query JsSdkConfig($appId: ID, $url: String!) {\n    jsSdkConfig(appId: $appId, url: $url) {\n      appId\n      timestamp\n      nonceStr\n      signature\n      url\n    }\n  }\n": typeof types.JsSdkConfigDocument,
    "\n  query CardSignature($appId: ID, $cardId: String, $code: String, $openId: String) {\n    cardSignature(appId: $appId, cardId: $cardId, code: $code, openId: $openId) {\n      timestamp\n      nonceStr\n      signature\n    }\n  }\n": typeof types.CardSignatureDocument,
    "\n  query AppTickets($appId: ID!) {\n    app(appId: $appId) {\n      tickets {\n        type\n        state\n        expiresAt\n      }\n    }\n  }\n": typeof types.AppTicketsDocument,
    "\n  query NetworkCheck($appId: ID, $action: NetworkCheckAction!, $operator: NetworkOperator!) {\n    networkCheck(appId: $appId, action: $action, operator: $operator) {\n      dns {\n        ip\n        realOperator\n      }\n      ping {\n        ip\n        fromOperator\n        packageLoss\n        time\n        packageLossPercent\n        timeMs\n      }\n    }\n  }\n": typeof types.NetworkCheckDocument,
    "\n  query CallbackIpCheck($appId: ID, $ip: String!) {\n    callbackIpCheck(appId: $appId, ip: $ip) {\n      ip\n      allowed\n      matchedRange\n    }\n  }\n": typeof types.CallbackIpCheckDocument,
    "\n  query IpRanges($appId: ID) {\n    callbackIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n    apiDomainIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n  }\n": typeof types.IpRangesDocument,
    "\n  subscription TokenEvents($appId: ID) {\n    tokenEvents(appId: $appId) {\n      appId\n      type\n      reason\n      fingerprint\n      expiresAt\n      at\n      code\n      message\n      background\n    }\n  }\n": typeof types.TokenEventsDocument,
    "\n  mutation ForceRefresh {\n    refreshToken(force: true) {\n      appId\n      expiresAt\n    }\n  }\n": typeof types.ForceRefreshDocument,
};
const documents: Documents = {
    "\n  query TokenStatus($appId: ID) {\n    tokenStatus(appId: $appId) {\n      appId\n      name\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n      degraded\n      circuitOpenUntil\n      lastError {\n        code\n        message\n        at\n      }\n    }\n  }\n": types.TokenStatusDocument,
    "\n  query CallbackIps($appId: ID) {\n    callbackIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n": types.CallbackIpsDocument,
    "\n  mutation RefreshToken($appId: ID, $force: Boolean) {\n    refreshToken(appId: $appId, force: $force) {\n      appId\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n    }\n  }\n": types.RefreshTokenDocument,
    "\n  query Apps {\n    apps {\n      appId\n      name\n      tokenMode\n      tokenStatus {\n        state\n      }\n    }\n  }\n": types.AppsDocument,
    "\n  query TwoAppsCallbackIps($first: ID!, $second: ID!) {\n    first: app(appId: $first) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n    second: app(appId: $second) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n  }\n": types.TwoAppsCallbackIpsDocument,
    "\n  query TwoAliasesTokenStatus($first: ID, $second: ID) {\n    first: tokenStatus(appId: $first) {\n      appId\n      state\n    }\n    second: tokenStatus(appId: $second) {\n      appId\n      state\n    }\n  }\n": types.TwoAliasesTokenStatusDocument,
    "\n  query SameAppTwice($appId: ID) {\n    a: callbackIps(appId: $appId) {\n      ips\n    }\n    b: callbackIps(appId: $appId) {\n      ips\n    }\n    s1: tokenStatus(appId: $appId) {\n      state\n    }\n    s2: tokenStatus(appId: $appId) {\n      state\n    }\n  }\n": types.SameAppTwiceDocument,
    "\n  query ApiDomainIps($appId: ID) {\n    apiDomainIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n": types.ApiDomainIpsDocument,
    "\n  query ApiQuota($appId: ID, $cgiPath: String!) {\n    apiQuota(appId: $appId, cgiPath: $cgiPath) {\n      appId\n      cgiPath\n      dailyLimit\n      used\n      remain\n    }\n  }\n": types.ApiQuotaDocument,
    "\n  mutation ClearQuota($appId: ID) {\n    clearQuota(appId: $appId) {\n      appId\n      clearedAt\n      reopenedEndpoints\n    }\n  }\n": types.ClearQuotaDocument,
    "\n  query RequestLookup($appId: ID, $rid: String!) {\n    requestLookup(appId: $appId, rid: $rid) {\n      appId\n      rid\n      invokedAt\n      costInMs\n      requestUrl\n      requestBody\n      responseBody\n      clientIp\n    }\n  }\n": types.RequestLookupDocument,
    "\n  query JsSdkConfig($appId: ID, $url: String!) {\n    jsSdkConfig(appId: $appId, url: $url) {\n      appId\n      timestamp\n      nonceStr\n      signature\n      url\n    }\n  }\n": types.JsSdkConfigDocument,
    "\n  query CardSignature($appId: ID, $cardId: String, $code: String, $openId: String) {\n    cardSignature(appId: $appId, cardId: $cardId, code: $code, openId: $openId) {\n      timestamp\n      nonceStr\n      signature\n    }\n  }\n": types.CardSignatureDocument,
    "\n  query AppTickets($appId: ID!) {\n    app(appId: $appId) {\n      tickets {\n        type\n        state\n        expiresAt\n      }\n    }\n  }\n": types.AppTicketsDocument,
    "\n  query NetworkCheck($appId: ID, $action: NetworkCheckAction!, $operator: NetworkOperator!) {\n    networkCheck(appId: $appId, action: $action, operator: $operator) {\n      dns {\n        ip\n        realOperator\n      }\n      ping {\n        ip\n        fromOperator\n        packageLoss\n        time\n        packageLossPercent\n        timeMs\n      }\n    }\n  }\n": types.NetworkCheckDocument,
    "\n  query CallbackIpCheck($appId: ID, $ip: String!) {\n    callbackIpCheck(appId: $appId, ip: $ip) {\n      ip\n      allowed\n      matchedRange\n    }\n  }\n": types.CallbackIpCheckDocument,
    "\n  query IpRanges($appId: ID) {\n    callbackIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n    apiDomainIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n  }\n": types.IpRangesDocument,
    "\n  subscription TokenEvents($appId: ID) {\n    tokenEvents(appId: $appId) {\n      appId\n      type\n      reason\n      fingerprint\n      expiresAt\n      at\n      code\n      message\n      background\n    }\n  }\n": types.TokenEventsDocument,
    "\n  mutation ForceRefresh {\n    refreshToken(force: true) {\n      appId\n      expiresAt\n    }\n  }\n": types.ForceRefreshDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TokenStatus($appId: ID) {\n    tokenStatus(appId: $appId) {\n      appId\n      name\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n      degraded\n      circuitOpenUntil\n      lastError {\n        code\n        message\n        at\n      }\n    }\n  }\n"): (typeof documents)["\n  query TokenStatus($appId: ID) {\n    tokenStatus(appId: $appId) {\n      appId\n      name\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n      degraded\n      circuitOpenUntil\n      lastError {\n        code\n        message\n        at\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CallbackIps($appId: ID) {\n    callbackIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n"): (typeof documents)["\n  query CallbackIps($appId: ID) {\n    callbackIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefreshToken($appId: ID, $force: Boolean) {\n    refreshToken(appId: $appId, force: $force) {\n      appId\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n    }\n  }\n"): (typeof documents)["\n  mutation RefreshToken($appId: ID, $force: Boolean) {\n    refreshToken(appId: $appId, force: $force) {\n      appId\n      state\n      expiresAt\n      expiresInSeconds\n      obtainedAt\n      accessToken\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Apps {\n    apps {\n      appId\n      name\n      tokenMode\n      tokenStatus {\n        state\n      }\n    }\n  }\n"): (typeof documents)["\n  query Apps {\n    apps {\n      appId\n      name\n      tokenMode\n      tokenStatus {\n        state\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TwoAppsCallbackIps($first: ID!, $second: ID!) {\n    first: app(appId: $first) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n    second: app(appId: $second) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n  }\n"): (typeof documents)["\n  query TwoAppsCallbackIps($first: ID!, $second: ID!) {\n    first: app(appId: $first) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n    second: app(appId: $second) {\n      appId\n      callbackIps {\n        ips\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TwoAliasesTokenStatus($first: ID, $second: ID) {\n    first: tokenStatus(appId: $first) {\n      appId\n      state\n    }\n    second: tokenStatus(appId: $second) {\n      appId\n      state\n    }\n  }\n"): (typeof documents)["\n  query TwoAliasesTokenStatus($first: ID, $second: ID) {\n    first: tokenStatus(appId: $first) {\n      appId\n      state\n    }\n    second: tokenStatus(appId: $second) {\n      appId\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SameAppTwice($appId: ID) {\n    a: callbackIps(appId: $appId) {\n      ips\n    }\n    b: callbackIps(appId: $appId) {\n      ips\n    }\n    s1: tokenStatus(appId: $appId) {\n      state\n    }\n    s2: tokenStatus(appId: $appId) {\n      state\n    }\n  }\n"): (typeof documents)["\n  query SameAppTwice($appId: ID) {\n    a: callbackIps(appId: $appId) {\n      ips\n    }\n    b: callbackIps(appId: $appId) {\n      ips\n    }\n    s1: tokenStatus(appId: $appId) {\n      state\n    }\n    s2: tokenStatus(appId: $appId) {\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiDomainIps($appId: ID) {\n    apiDomainIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n"): (typeof documents)["\n  query ApiDomainIps($appId: ID) {\n    apiDomainIps(appId: $appId) {\n      appId\n      ips\n      fetchedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiQuota($appId: ID, $cgiPath: String!) {\n    apiQuota(appId: $appId, cgiPath: $cgiPath) {\n      appId\n      cgiPath\n      dailyLimit\n      used\n      remain\n    }\n  }\n"): (typeof documents)["\n  query ApiQuota($appId: ID, $cgiPath: String!) {\n    apiQuota(appId: $appId, cgiPath: $cgiPath) {\n      appId\n      cgiPath\n      dailyLimit\n      used\n      remain\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClearQuota($appId: ID) {\n    clearQuota(appId: $appId) {\n      appId\n      clearedAt\n      reopenedEndpoints\n    }\n  }\n"): (typeof documents)["\n  mutation ClearQuota($appId: ID) {\n    clearQuota(appId: $appId) {\n      appId\n      clearedAt\n      reopenedEndpoints\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RequestLookup($appId: ID, $rid: String!) {\n    requestLookup(appId: $appId, rid: $rid) {\n      appId\n      rid\n      invokedAt\n      costInMs\n      requestUrl\n      requestBody\n      responseBody\n      clientIp\n    }\n  }\n"): (typeof documents)["\n  query RequestLookup($appId: ID, $rid: String!) {\n    requestLookup(appId: $appId, rid: $rid) {\n      appId\n      rid\n      invokedAt\n      costInMs\n      requestUrl\n      requestBody\n      responseBody\n      clientIp\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query JsSdkConfig($appId: ID, $url: String!) {\n    jsSdkConfig(appId: $appId, url: $url) {\n      appId\n      timestamp\n      nonceStr\n      signature\n      url\n    }\n  }\n"): (typeof documents)["\n  query JsSdkConfig($appId: ID, $url: String!) {\n    jsSdkConfig(appId: $appId, url: $url) {\n      appId\n      timestamp\n      nonceStr\n      signature\n      url\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CardSignature($appId: ID, $cardId: String, $code: String, $openId: String) {\n    cardSignature(appId: $appId, cardId: $cardId, code: $code, openId: $openId) {\n      timestamp\n      nonceStr\n      signature\n    }\n  }\n"): (typeof documents)["\n  query CardSignature($appId: ID, $cardId: String, $code: String, $openId: String) {\n    cardSignature(appId: $appId, cardId: $cardId, code: $code, openId: $openId) {\n      timestamp\n      nonceStr\n      signature\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AppTickets($appId: ID!) {\n    app(appId: $appId) {\n      tickets {\n        type\n        state\n        expiresAt\n      }\n    }\n  }\n"): (typeof documents)["\n  query AppTickets($appId: ID!) {\n    app(appId: $appId) {\n      tickets {\n        type\n        state\n        expiresAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query NetworkCheck($appId: ID, $action: NetworkCheckAction!, $operator: NetworkOperator!) {\n    networkCheck(appId: $appId, action: $action, operator: $operator) {\n      dns {\n        ip\n        realOperator\n      }\n      ping {\n        ip\n        fromOperator\n        packageLoss\n        time\n        packageLossPercent\n        timeMs\n      }\n    }\n  }\n"): (typeof documents)["\n  query NetworkCheck($appId: ID, $action: NetworkCheckAction!, $operator: NetworkOperator!) {\n    networkCheck(appId: $appId, action: $action, operator: $operator) {\n      dns {\n        ip\n        realOperator\n      }\n      ping {\n        ip\n        fromOperator\n        packageLoss\n        time\n        packageLossPercent\n        timeMs\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CallbackIpCheck($appId: ID, $ip: String!) {\n    callbackIpCheck(appId: $appId, ip: $ip) {\n      ip\n      allowed\n      matchedRange\n    }\n  }\n"): (typeof documents)["\n  query CallbackIpCheck($appId: ID, $ip: String!) {\n    callbackIpCheck(appId: $appId, ip: $ip) {\n      ip\n      allowed\n      matchedRange\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IpRanges($appId: ID) {\n    callbackIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n    apiDomainIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n  }\n"): (typeof documents)["\n  query IpRanges($appId: ID) {\n    callbackIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n    apiDomainIps(appId: $appId) {\n      ranges {\n        cidr\n        address\n        prefixLength\n        version\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TokenEvents($appId: ID) {\n    tokenEvents(appId: $appId) {\n      appId\n      type\n      reason\n      fingerprint\n      expiresAt\n      at\n      code\n      message\n      background\n    }\n  }\n"): (typeof documents)["\n  subscription TokenEvents($appId: ID) {\n    tokenEvents(appId: $appId) {\n      appId\n      type\n      reason\n      fingerprint\n      expiresAt\n      at\n      code\n      message\n      background\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ForceRefresh {\n    refreshToken(force: true) {\n      appId\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation ForceRefresh {\n    refreshToken(force: true) {\n      appId\n      expiresAt\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;