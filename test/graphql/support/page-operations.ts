import { graphql } from '../../gql/index.js';

/** Typed documents for the page-facing fields (JS-SDK signing, callback checks). */

export const JsSdkConfigDocument = graphql(`
  query JsSdkConfig($appId: ID, $url: String!) {
    jsSdkConfig(appId: $appId, url: $url) {
      appId
      timestamp
      nonceStr
      signature
      url
    }
  }
`);

export const CardSignatureDocument = graphql(`
  query CardSignature($appId: ID, $cardId: String, $code: String, $openId: String) {
    cardSignature(appId: $appId, cardId: $cardId, code: $code, openId: $openId) {
      timestamp
      nonceStr
      signature
    }
  }
`);

export const AppTicketsDocument = graphql(`
  query AppTickets($appId: ID!) {
    app(appId: $appId) {
      tickets {
        type
        state
        expiresAt
      }
    }
  }
`);

export const NetworkCheckDocument = graphql(`
  query NetworkCheck($appId: ID, $action: NetworkCheckAction!, $operator: NetworkOperator!) {
    networkCheck(appId: $appId, action: $action, operator: $operator) {
      dns {
        ip
        realOperator
      }
      ping {
        ip
        fromOperator
        packageLoss
        time
        packageLossPercent
        timeMs
      }
    }
  }
`);

export const CallbackIpCheckDocument = graphql(`
  query CallbackIpCheck($appId: ID, $ip: String!) {
    callbackIpCheck(appId: $appId, ip: $ip) {
      ip
      allowed
      matchedRange
    }
  }
`);

export const IpRangesDocument = graphql(`
  query IpRanges($appId: ID) {
    callbackIps(appId: $appId) {
      ranges {
        cidr
        address
        prefixLength
        version
      }
    }
    apiDomainIps(appId: $appId) {
      ranges {
        cidr
        address
        prefixLength
        version
      }
    }
  }
`);
