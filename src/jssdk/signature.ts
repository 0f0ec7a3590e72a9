import { createHash, randomBytes } from 'node:crypto';

/**
 * WeChat's JS-SDK signatures, pure: `wx.config` (JS-SDK docs, appendix 1) and the card signature of
 * `wx.addCard` / `wx.chooseCard` (card docs, "card signature"). The tickets are inputs here; they never
 * leave the gateway, only the digests do.
 */

function sha1(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

export interface JsSdkSignatureInput {
  jsapiTicket: string;
  nonceStr: string;
  /** Unix seconds. */
  timestamp: number;
  /** The page URL exactly as the page will pass it, without its `#fragment`. */
  url: string;
}

/** `sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…")`: keys in ASCII order, values raw (not URL-encoded). */
export function jsSdkSignature(input: JsSdkSignatureInput): string {
  return sha1(
    `jsapi_ticket=${input.jsapiTicket}&noncestr=${input.nonceStr}&timestamp=${input.timestamp}&url=${input.url}`,
  );
}

/**
 * The card signature: every value (the `wx_card` api_ticket, timestamp, nonce_str and whichever of
 * card_id, code, openid are given) sorted as strings, concatenated, sha1. Empty values are left out,
 * as they add nothing to the concatenation.
 */
export function cardSignature(values: readonly (string | number | undefined)[]): string {
  const texts = values.filter((v) => v !== undefined && v !== '').map(String);
  return sha1(texts.sort().join(''));
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 16 random letters and digits (WeChat allows up to 32), different on every call. */
export function randomNonceStr(length = 16): string {
  const bytes = randomBytes(length);
  // 256 is not a multiple of 62: the slight bias does not matter for a nonce.
  return Array.from(bytes, (byte) => NONCE_ALPHABET[byte % NONCE_ALPHABET.length]).join('');
}
