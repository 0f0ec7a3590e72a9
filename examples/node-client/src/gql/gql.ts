/* eslint-disable */
import * as types from './graphql.js';



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
    "\n  query AccessToken($appId: ID!) {\n    tokenStatus(appId: $appId) {\n      accessToken\n      expiresAt\n    }\n  }\n": typeof types.AccessTokenDocument,
    "\n  mutation EnsureToken($appId: ID!) {\n    refreshToken(appId: $appId, force: false) {\n      accessToken\n    }\n  }\n": typeof types.EnsureTokenDocument,
    "\n  mutation ReportRejected($appId: ID!, $rejectedToken: String!) {\n    refreshToken(appId: $appId, rejectedToken: $rejectedToken) {\n      accessToken\n    }\n  }\n": typeof types.ReportRejectedDocument,
    "\n  subscription TokenChanges($appId: ID!) {\n    tokenEvents(appId: $appId) {\n      type\n      fingerprint\n    }\n  }\n": typeof types.TokenChangesDocument,
};
const documents: Documents = {
    "\n  query AccessToken($appId: ID!) {\n    tokenStatus(appId: $appId) {\n      accessToken\n      expiresAt\n    }\n  }\n": types.AccessTokenDocument,
    "\n  mutation EnsureToken($appId: ID!) {\n    refreshToken(appId: $appId, force: false) {\n      accessToken\n    }\n  }\n": types.EnsureTokenDocument,
    "\n  mutation ReportRejected($appId: ID!, $rejectedToken: String!) {\n    refreshToken(appId: $appId, rejectedToken: $rejectedToken) {\n      accessToken\n    }\n  }\n": types.ReportRejectedDocument,
    "\n  subscription TokenChanges($appId: ID!) {\n    tokenEvents(appId: $appId) {\n      type\n      fingerprint\n    }\n  }\n": types.TokenChangesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AccessToken($appId: ID!) {\n    tokenStatus(appId: $appId) {\n      accessToken\n      expiresAt\n    }\n  }\n"): typeof import('./graphql.js').AccessTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnsureToken($appId: ID!) {\n    refreshToken(appId: $appId, force: false) {\n      accessToken\n    }\n  }\n"): typeof import('./graphql.js').EnsureTokenDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportRejected($appId: ID!, $rejectedToken: String!) {\n    refreshToken(appId: $appId, rejectedToken: $rejectedToken) {\n      accessToken\n    }\n  }\n"): typeof import('./graphql.js').ReportRejectedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TokenChanges($appId: ID!) {\n    tokenEvents(appId: $appId) {\n      type\n      fingerprint\n    }\n  }\n"): typeof import('./graphql.js').TokenChangesDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
