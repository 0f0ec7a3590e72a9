import { graphql } from '../../gql/index.js';

/** The typed documents the tests execute; `npm run codegen` types them from schema/schema.graphql. */

export const TokenStatusDocument = graphql(`
  query TokenStatus($appId: ID) {
    tokenStatus(appId: $appId) {
      appId
      name
      state
      expiresAt
      expiresInSeconds
      obtainedAt
      accessToken
      degraded
      circuitOpenUntil
      lastError {
        code
        message
        at
      }
    }
  }
`);

export const CallbackIpsDocument = graphql(`
  query CallbackIps($appId: ID) {
    callbackIps(appId: $appId) {
      appId
      ips
      fetchedAt
    }
  }
`);

export const RefreshTokenDocument = graphql(`
  mutation RefreshToken($appId: ID, $force: Boolean) {
    refreshToken(appId: $appId, force: $force) {
      appId
      state
      expiresAt
      expiresInSeconds
      obtainedAt
      accessToken
    }
  }
`);

export const AppsDocument = graphql(`
  query Apps {
    apps {
      appId
      name
      tokenMode
      tokenStatus {
        state
      }
    }
  }
`);

export const TwoAppsCallbackIpsDocument = graphql(`
  query TwoAppsCallbackIps($first: ID!, $second: ID!) {
    first: app(appId: $first) {
      appId
      callbackIps {
        ips
      }
    }
    second: app(appId: $second) {
      appId
      callbackIps {
        ips
      }
    }
  }
`);

export const TwoAliasesTokenStatusDocument = graphql(`
  query TwoAliasesTokenStatus($first: ID, $second: ID) {
    first: tokenStatus(appId: $first) {
      appId
      state
    }
    second: tokenStatus(appId: $second) {
      appId
      state
    }
  }
`);

export const SameAppTwiceDocument = graphql(`
  query SameAppTwice($appId: ID) {
    a: callbackIps(appId: $appId) {
      ips
    }
    b: callbackIps(appId: $appId) {
      ips
    }
    s1: tokenStatus(appId: $appId) {
      state
    }
    s2: tokenStatus(appId: $appId) {
      state
    }
  }
`);

export const ApiDomainIpsDocument = graphql(`
  query ApiDomainIps($appId: ID) {
    apiDomainIps(appId: $appId) {
      appId
      ips
      fetchedAt
    }
  }
`);

export const ApiQuotaDocument = graphql(`
  query ApiQuota($appId: ID, $cgiPath: String!) {
    apiQuota(appId: $appId, cgiPath: $cgiPath) {
      appId
      cgiPath
      dailyLimit
      used
      remain
    }
  }
`);

export const ClearQuotaDocument = graphql(`
  mutation ClearQuota($appId: ID) {
    clearQuota(appId: $appId) {
      appId
      clearedAt
      reopenedEndpoints
      clearQuotaCallsSpent
      nextClearAllowedAt
    }
  }
`);

export const RequestLookupDocument = graphql(`
  query RequestLookup($appId: ID, $rid: String!) {
    requestLookup(appId: $appId, rid: $rid) {
      appId
      rid
      invokedAt
      costInMs
      requestUrl
      requestBody
      responseBody
      clientIp
    }
  }
`);
