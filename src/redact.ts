import { createHash } from 'node:crypto';

/** What replaces a secret or a token wherever text leaves the process. */
export const REDACTED = '[REDACTED]';

/** Query parameters and JSON fields whose values are credentials (JS-SDK tickets included). */
const SECRET_PARAMS = [
  'secret',
  'appsecret',
  'app_secret',
  'access_token',
  'accesstoken',
  'token',
  'key',
  'ticket',
  'jsapi_ticket',
  'api_ticket',
];

const SECRET_PARAM_IN_URL = new RegExp(`([?&](?:${SECRET_PARAMS.join('|')})=)[^&#\\s"']*`, 'gi');
const SECRET_FIELD_IN_JSON = new RegExp(`("(?:${SECRET_PARAMS.join('|')})"\\s*:\\s*")[^"]*(")`, 'gi');
/** WeChat access tokens are long runs of URL-safe characters; nothing legitimate in our text is. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{64,}/g;
/** AppSecrets are 32 hex digits. */
const SECRET_LIKE = /\b[0-9a-fA-F]{32}\b/g;

/**
 * Removes credentials from free text (error messages, WeChat `errmsg`, URLs, bodies) before it is logged
 * or returned. `known` lists exact values to remove as well (the configured secrets, a token in hand).
 */
export function redact(text: string, known: Iterable<string | undefined> = []): string {
  let out = text;
  for (const value of known) {
    if (value && value.length >= 8) out = out.split(value).join(REDACTED);
  }
  return out
    .replace(SECRET_PARAM_IN_URL, `$1${REDACTED}`)
    .replace(SECRET_FIELD_IN_JSON, `$1${REDACTED}$2`)
    .replace(TOKEN_LIKE, REDACTED)
    .replace(SECRET_LIKE, REDACTED);
}

/**
 * A short, stable, non-reversible name for a token, so logs and events can tell two tokens apart
 * without containing either.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 12);
}
