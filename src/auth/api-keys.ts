import { createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../config/config-error.js';
import { APP_ID_PATTERN } from '../wechat/app-id.js';
import { isScope, SCOPES, type Scope } from './scopes.js';

/**
 * API keys as configured (GATEWAY_API_KEYS, GATEWAY_API_KEYS_FILE) and the rules they follow. Every
 * message here names an entry by its position and never prints any part of any key.
 */

export interface ApiKeyConfig {
  /** The key itself, or (from GATEWAY_API_KEYS_FILE) only its SHA-256 hex digest. */
  key?: string;
  sha256?: string;
  scopes: Scope[];
  /** When set, the key may only act on these apps. */
  appIds?: string[];
  name?: string;
}

const MIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 256;
/** base64url, which includes hex: what `npm run keygen` prints and what survives shells, .env files and YAML unquoted. */
const KEY_CHARACTERS = /^[A-Za-z0-9_-]+$/;
/** Placeholders the docs use; a copied example must not become a live key. */
const PLACEHOLDER = /change-?me|your-?key|example|placeholder|^x+$/i;

export const KEY_RULE = `${MIN_KEY_LENGTH}-${MAX_KEY_LENGTH} characters of A-Z a-z 0-9 _ - (base64url or hex)`;

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** A new random key: 32 bytes of base64url (43 characters). */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Why `key` cannot be an API key, or undefined when it can. Never quotes the key. */
export function keyProblem(key: string): string | undefined {
  if (/[<>{}]/.test(key)) return 'the key looks like a placeholder from the docs (it has <, >, { or })';
  if (/["'`]/.test(key)) return 'the key contains quotes (write the key without them)';
  if (!KEY_CHARACTERS.test(key) || key.length < MIN_KEY_LENGTH || key.length > MAX_KEY_LENGTH) {
    return `a key must be ${KEY_RULE}`;
  }
  if (PLACEHOLDER.test(key)) return 'the key looks like a placeholder from the docs';
  return undefined;
}

/** A fix that works when pasted: a fresh random key, never one of the configured ones. */
function fix(): string {
  return `Fix: GATEWAY_API_KEYS="${generateApiKey()}:token:read+wechat:read" (a fresh random key; \`npm run keygen\` prints more), optionally ":wxAPPID+wxAPPID"; separate entries with ",".`;
}

const SEPARATORS: [RegExp, string][] = [
  [/;/, 'a semicolon'],
  [/[\r\n]/, 'a line break'],
  [/\s/, 'a space'],
];

/** Scopes are short words such as "token:read"; anything else might be a key, so it is not echoed. */
function shownScope(scope: string): string {
  return /^[a-z]{1,16}:[a-z]{1,16}$/.test(scope)
    ? `"${scope}"`
    : '(not shown: it does not look like a scope)';
}

const APP_ID = APP_ID_PATTERN.source.replace(/^\^|\$$/g, '');
const APP_LIST_AT_END = new RegExp(`:(${APP_ID}(?:\\+${APP_ID})*)$`);

/** `key:scope1+scope2[:appId1+appId2]`, comma-separated; the key is everything before the first `:`. */
export function parseApiKeys(text: string): ApiKeyConfig[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item, index) => {
      const entry = `GATEWAY_API_KEYS entry ${index + 1}`;
      const separator = SEPARATORS.find(([pattern]) => pattern.test(item));
      if (separator) {
        throw new ConfigError(
          `${entry} is invalid: it contains ${separator[1]}; entries are separated by commas only. ${fix()}`,
        );
      }
      const colon = item.indexOf(':');
      if (colon < 0) throw new ConfigError(`${entry} is invalid: expected "key:scopes". ${fix()}`);
      const key = item.slice(0, colon);
      const problem = keyProblem(key);
      if (problem) throw new ConfigError(`${entry} is invalid: ${problem}. ${fix()}`);
      const rest = item.slice(colon + 1);
      // Scopes contain ':' themselves ("token:read"), so an app list is recognised by its "wx" prefix.
      const appMatch = APP_LIST_AT_END.exec(rest);
      const scopeText = appMatch ? rest.slice(0, appMatch.index) : rest;
      const scopes = scopeText.split('+').map((s) => s.trim());
      for (const scope of scopes) {
        if (!isScope(scope)) {
          throw new ConfigError(
            `${entry} has an unknown scope ${shownScope(scope)}: use ${SCOPES.join(', ')}. ${fix()}`,
          );
        }
      }
      const appIds = appMatch?.[1]?.split('+');
      return appIds ? { key, scopes: scopes as Scope[], appIds } : { key, scopes: scopes as Scope[] };
    });
}

/** The digest a key is known by, whether it was configured as text or as a digest. */
export function keyDigest(key: Pick<ApiKeyConfig, 'key' | 'sha256'>): Buffer | undefined {
  const digest = key.sha256 ? Buffer.from(key.sha256, 'hex') : key.key ? sha256(key.key) : undefined;
  return digest?.length === 32 ? digest : undefined;
}

/**
 * The same key twice (say as text in GATEWAY_API_KEYS and as a digest in the file) would give one key
 * two sets of scopes; refused, so start-up fails with one line rather than a stack.
 */
export function assertDistinctKeys(keys: readonly Pick<ApiKeyConfig, 'key' | 'sha256'>[]): void {
  const seen = new Map<string, number>();
  for (const [index, key] of keys.entries()) {
    const digest = keyDigest(key);
    if (!digest) {
      throw new ConfigError(`API key ${index + 1} has neither a key nor a 64-hex-digit sha256 digest.`);
    }
    const first = seen.get(digest.toString('hex'));
    if (first !== undefined) {
      throw new ConfigError(
        `API key ${index + 1} is the same key as API key ${first + 1} (configured twice, counting GATEWAY_API_KEYS, then GATEWAY_API_KEYS_FILE). Fix: keep one entry per key, with all its scopes.`,
      );
    }
    seen.set(digest.toString('hex'), index);
  }
}
