import { randomBytes } from 'node:crypto';

/** ~150 URL-safe characters ([A-Za-z0-9_-]), the length and alphabet of real access tokens. */
export function randomToken(): string {
  return randomBytes(112).toString('base64url');
}

/** WeChat's request id shape: `<hex>-<hex>-<hex>`. */
export function randomRid(): string {
  return [4, 4, 4].map((bytes) => randomBytes(bytes).toString('hex')).join('-');
}

/** A random, syntactically valid AppID (`wx` + 16 hex) and AppSecret (32 hex). */
export function randomApp(): { appId: string; appSecret: string } {
  return { appId: `wx${randomBytes(8).toString('hex')}`, appSecret: randomBytes(16).toString('hex') };
}
