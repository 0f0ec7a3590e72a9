/** What a request offers as credentials, before it is checked against the configured keys. */
export type PresentedKey =
  | { kind: 'none' }
  | { kind: 'key'; key: string }
  /** Something was sent, but not in a form we accept; `reason` is safe to show (it never quotes the header). */
  | { kind: 'malformed'; reason: string };

/** Longer values are refused before hashing: no configured key is this long. */
export const MAX_KEY_LENGTH = 512;

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

function checked(key: string, where: string): PresentedKey {
  if (key.length > MAX_KEY_LENGTH) {
    return {
      kind: 'malformed',
      reason: `The API key in ${where} is longer than ${MAX_KEY_LENGTH} characters.`,
    };
  }
  return { kind: 'key', key };
}

/**
 * Reads the API key from `Authorization: Bearer <key>` or `x-api-key: <key>`. Sending both is allowed
 * only when they agree, so a proxy that adds one header cannot silently override the caller's other.
 */
export function presentedKey(headers: Headers): PresentedKey {
  const authorization = headers.get('authorization');
  const apiKeyHeader = headers.get('x-api-key')?.trim();
  let bearer: string | undefined;
  if (authorization !== null) {
    const match = BEARER.exec(authorization.trim());
    if (!match?.[1]) {
      return {
        kind: 'malformed',
        reason: 'The Authorization header must be "Bearer <API key>" (other schemes are not accepted).',
      };
    }
    bearer = match[1];
  }
  if (bearer !== undefined && apiKeyHeader && apiKeyHeader !== bearer) {
    return {
      kind: 'malformed',
      reason: 'Authorization and x-api-key carry different keys; send one of them.',
    };
  }
  if (bearer !== undefined) return checked(bearer, 'Authorization');
  if (apiKeyHeader) return checked(apiKeyHeader, 'x-api-key');
  return { kind: 'none' };
}

/** Headers that carry a key: each may appear once, so a proxy's header and a client's cannot race. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key'];

/**
 * The credential header a request sends more than once, from the raw header list (`name, value, …`).
 * Node keeps only the first Authorization in `req.headers`, so only the raw list can tell.
 */
export function repeatedCredentialHeader(rawHeaders: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] as string).toLowerCase();
    if (!CREDENTIAL_HEADERS.includes(name)) continue;
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}
