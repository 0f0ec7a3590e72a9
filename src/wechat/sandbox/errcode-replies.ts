import { type Reply, wechatError } from './reply.js';

/** The errcodes and errmsgs the emulated Official Account and Open Platform endpoints answer, as WeChat words them. */
export const MESSAGES = {
  badGrant: [40002, 'invalid grant_type'],
  noAppId: [41002, 'appid missing'],
  noSecret: [41004, 'appsecret missing'],
  badAppId: [40013, 'invalid appid'],
  badSecretStable: [40125, 'invalid appsecret'],
  badSecretClassic: [40001, 'invalid credential, access_token is invalid or not latest'],
  noToken: [41001, 'access_token missing'],
  staleToken: [40001, 'invalid credential, access_token is invalid or not latest'],
  expiredToken: [42001, 'access_token expired'],
  dailyQuota: [45009, 'reach max api daily quota limit'],
  minuteQuota: [45011, 'api minute-quota reach limit  mustslower  retry next minute'],
  needsPost: [43002, 'require POST method'],
  badJson: [47001, 'data format error'],
  unknownCgiPath: [76021, 'cgi_path not found, please check'],
  clearQuotaLimit: [48006, 'forbid to clear quota because of reaching the limit'],
  badRid: [76002, 'rid is error'],
  unknownRid: [76001, 'rid not found'],
  otherAppsRid: [76003, 'rid does not belong to this appid'],
  // Open Platform (third-party platform) endpoints.
  notAuthorized: [61003, 'component is not authorized by this account'],
  ticketExpired: [61005, 'component ticket is expired'],
  ticketInvalid: [61006, 'component ticket is invalid'],
  codeInvalid: [61009, 'code is invalid'],
  codeExpired: [61010, 'code is expired'],
  badComponent: [61011, 'invalid component'],
  refreshTokenInvalid: [61023, 'refresh_token is invalid'],
} as const satisfies Record<string, readonly [number, string]>;

/** A platform's table of errcodes and errmsgs, answered by name. */
export function replies<T extends Record<string, readonly [number, string]>>(messages: T) {
  return (which: keyof T): Reply => {
    const [errcode, errmsg] = messages[which] as readonly [number, string];
    return wechatError(errcode, errmsg);
  };
}

export const fail = replies(MESSAGES);
