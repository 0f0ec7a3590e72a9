import { createHash, randomBytes } from 'node:crypto';
import { closestName, isNearMiss } from '../config/closest-name.js';
import { ConfigError } from '../config/config-error.js';
import { commaList } from '../config/setting-schemas.js';
import { isAppId, isGatewayAppId } from '../wechat/app-id.js';
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
  /** When set, the key may only act on these apps (and on the authorizers of `componentAppIds`). */
  appIds?: string[];
  /**
   * When set, the key may act on every authorizer of these Open Platform components (and on
   * `Query.component` for them), and on no other app than `appIds`.
   */
  componentAppIds?: string[];
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

/** Where a key of the operator's goes in a proposed entry: never the key itself (keys are secrets). */
const YOUR_KEY = '<your key>';
/** Where a new key goes, when the configured one breaks the rule. */
const NEW_KEY = '<a new key from npm run keygen>';
const FORMAT = 'entries are key:scope1+scope2[:wxAPPID+component=wxCOMPONENTAPPID+…], separated by ","';
/** An item of the app list naming a component: the key acts on every authorizer of it. */
const COMPONENT_ITEM = 'component=';

const SEPARATORS: [RegExp, string][] = [
  [/;/, 'a semicolon'],
  [/[\r\n]/, 'a line break'],
  [/\s/, 'a space'],
];

/** Scopes are short words such as "token:read"; anything else might be a key, so it is not echoed. */
function looksLikeScope(text: string): boolean {
  // Shorter than any key on either side of the colon.
  return /^[A-Za-z]{1,15}:[A-Za-z]{1,15}$/.test(text);
}

/** The scope `text` is a slip of ("Token:Read", "token:reads"), if any. */
function meantScope(text: string): string | undefined {
  if (!looksLikeScope(text)) return undefined;
  const closest = closestName(text, SCOPES);
  return closest && isNearMiss(text, closest) ? closest : undefined;
}

function shownScope(scope: string): string {
  return looksLikeScope(scope) ? `"${scope}"` : '(not shown: it does not look like a scope)';
}

/** An appId as written, when it cannot be a key (shorter than any key, or wx and hex digits). */
function shownAppId(text: string): string {
  return /^[A-Za-z0-9]{1,15}$/.test(text) || /^wx[0-9A-Fa-f]{1,20}$/.test(text)
    ? `"${text}"`
    : '(not shown: it does not look like an appId)';
}

/** The text after a key: `scope+scope` then, after one more ":", the app list (appIds hold no ":"). */
const SCOPES_THEN_APPS = /^([A-Za-z]+:[A-Za-z]+(?:\+[A-Za-z]+:[A-Za-z]+)*)(?::(.*))?$/;

interface EntryRest {
  scopes: string[];
  appIds?: string[];
  componentAppIds?: string[];
}

/** The scopes and apps after a key, as written (unchecked); the split of a text SCOPES_THEN_APPS fails. */
function splitRest(rest: string): EntryRest {
  const match = SCOPES_THEN_APPS.exec(rest);
  if (!match) return { scopes: rest.split('+') };
  const items = match[2]?.split('+');
  const appIds = items?.filter((item) => !item.startsWith(COMPONENT_ITEM));
  const componentAppIds = items
    ?.filter((item) => item.startsWith(COMPONENT_ITEM))
    .map((item) => item.slice(COMPONENT_ITEM.length));
  return {
    scopes: (match[1] ?? '').split('+'),
    ...(appIds?.length ? { appIds } : {}),
    ...(componentAppIds?.length ? { componentAppIds } : {}),
  };
}

/** A checked rest as the entry writes it: `token:read+wechat:read:wx…+component=wx…`. */
function restText({ scopes, appIds, componentAppIds }: EntryRest): string {
  const items = [...(appIds ?? []), ...(componentAppIds ?? []).map((c) => `${COMPONENT_ITEM}${c}`)];
  return `${scopes.join('+')}${items.length ? `:${items.join('+')}` : ''}`;
}

/** The rest with each mistake corrected where the correction is clear, and a placeholder where not. */
function correctedRest({ scopes, appIds, componentAppIds }: EntryRest): string {
  const known = scopes
    .map((scope) =>
      isScope(scope) ? scope : (meantScope(scope) ?? (looksLikeScope(scope) ? '<scope>' : '')),
    )
    .filter(Boolean);
  const apps = appIds?.map((appId) =>
    isGatewayAppId(appId)
      ? appId
      : isGatewayAppId(appId.toLowerCase())
        ? appId.toLowerCase()
        : 'wx<16 hex digits>',
  );
  const components = componentAppIds?.map((appId) =>
    isAppId(appId) ? appId : isAppId(appId.toLowerCase()) ? appId.toLowerCase() : 'wx<16 hex digits>',
  );
  return restText({
    scopes: known.length > 0 ? [...new Set(known)] : ['<scope>'],
    ...(apps ? { appIds: apps } : {}),
    ...(components ? { componentAppIds: components } : {}),
  });
}

/** Why the scopes and apps after a key are wrong, or undefined. Names no key. */
function restProblem({ scopes, appIds, componentAppIds }: EntryRest): string | undefined {
  for (const scope of scopes) {
    if (isScope(scope)) continue;
    const meant = meantScope(scope);
    const guess = meant ? ` (did you mean "${meant}"?)` : '';
    return `has an unknown scope ${shownScope(scope)}${guess}: use ${SCOPES.join(', ')}, joined by "+"`;
  }
  for (const appId of appIds ?? []) {
    if (!isGatewayAppId(appId)) {
      return `has a malformed appId ${shownAppId(appId)} after its scopes: an appId is wx + 16 lowercase hex digits (a WeCom app's is <corpId>/<agentId>), and several are joined by "+"`;
    }
  }
  for (const appId of componentAppIds ?? []) {
    if (!isAppId(appId)) {
      return `has a malformed component ${shownAppId(appId)}: write component=wx + the component's 16 lowercase hex digits, joined to other items by "+"`;
    }
  }
  return undefined;
}

/** Scopes where a key belongs: what "key:token:read,wechat:read" gives after its comma. */
function asScopes(item: string): EntryRest | undefined {
  const rest = splitRest(item);
  return SCOPES_THEN_APPS.test(item) && rest.scopes.every(isScope) && !restProblem(rest) ? rest : undefined;
}

function fix(entry: number, corrected: string): string {
  return `Fix: write entry ${entry} as "${corrected}" (${FORMAT}).`;
}

/** Entries cut by another separator, each with its key masked; undefined unless each piece is key:scopes. */
function splitBySeparator(item: string, separator: RegExp): string | undefined {
  const pieces = item.split(new RegExp(`${separator.source}+`)).filter(Boolean);
  const rests = pieces.map((piece) =>
    piece.includes(':') ? splitRest(piece.slice(piece.indexOf(':') + 1)) : undefined,
  );
  if (rests.some((rest) => !rest || restProblem(rest))) return undefined;
  return rests.map((rest, i) => `<your key ${i + 1}>:${restText(rest as EntryRest)}`).join(',');
}

/**
 * `key:scope1+scope2[:appId1+component=componentAppId+…]`, comma-separated; the key is everything before the first `:`.
 * A refusal names the entry by position and what is wrong with it, and proposes the entry corrected,
 * with the key masked (`<your key>`) or, when the key itself breaks the rule, a new one to put in.
 */
export function parseApiKeys(text: string): ApiKeyConfig[] {
  const items = commaList(text);
  const keys: ApiKeyConfig[] = [];
  for (const [index, item] of items.entries()) {
    const n = index + 1;
    const entry = `GATEWAY_API_KEYS entry ${n}`;
    const separator = SEPARATORS.find(([pattern]) => pattern.test(item));
    if (separator) {
      const split = splitBySeparator(item, separator[0]);
      throw new ConfigError(
        `${entry} is invalid: it contains ${separator[1]}; entries are separated by commas only. ${split ? `Fix: GATEWAY_API_KEYS="${split}" (your keys in order, not shown).` : `Fix: ${FORMAT}.`}`,
      );
    }
    const scopesOnly = asScopes(item);
    if (scopesOnly) {
      const previous = keys[index - 1];
      if (!previous) {
        throw new ConfigError(
          `${entry} is scopes without a key. ${fix(n, `${NEW_KEY}:${restText(scopesOnly)}`)}`,
        );
      }
      const merged = restText({
        scopes: [...new Set([...previous.scopes, ...scopesOnly.scopes])],
        ...(previous.appIds || scopesOnly.appIds
          ? { appIds: [...new Set([...(previous.appIds ?? []), ...(scopesOnly.appIds ?? [])])] }
          : {}),
        ...(previous.componentAppIds || scopesOnly.componentAppIds
          ? {
              componentAppIds: [
                ...new Set([...(previous.componentAppIds ?? []), ...(scopesOnly.componentAppIds ?? [])]),
              ],
            }
          : {}),
      });
      throw new ConfigError(
        `${entry} is a scope ("${scopesOnly.scopes.join('+')}"), not a key: scopes are joined with "+", not ",". Fix: write entries ${n - 1} and ${n} as one, "${YOUR_KEY}:${merged}" (${FORMAT}).`,
      );
    }
    const colon = item.indexOf(':');
    if (colon < 0) {
      throw new ConfigError(
        `${entry} is invalid: expected "key:scopes". ${fix(n, `${YOUR_KEY}:token:read`)}`,
      );
    }
    const key = item.slice(0, colon);
    const rest = splitRest(item.slice(colon + 1));
    const problem = keyProblem(key);
    if (problem) {
      const put = /["'`]/.test(key) ? '<your key, without quotes>' : NEW_KEY;
      throw new ConfigError(`${entry} is invalid: ${problem}. ${fix(n, `${put}:${correctedRest(rest)}`)}`);
    }
    const wrong = restProblem(rest);
    if (wrong) throw new ConfigError(`${entry} ${wrong}. ${fix(n, `${YOUR_KEY}:${correctedRest(rest)}`)}`);
    keys.push({
      key,
      scopes: rest.scopes as Scope[],
      ...(rest.appIds ? { appIds: rest.appIds } : {}),
      ...(rest.componentAppIds ? { componentAppIds: rest.componentAppIds } : {}),
    });
  }
  return keys;
}

/**
 * A key limited to an app that is not configured would be refused for it on every request: refused at
 * start instead, naming the entry (`entryName(index)`) and the app.
 */
export function assertKeysForConfiguredApps(
  keys: readonly Pick<ApiKeyConfig, 'appIds'>[],
  configured: readonly string[],
  entryName: (index: number) => string,
): void {
  for (const [index, key] of keys.entries()) {
    const unknown = key.appIds?.find((appId) => !configured.includes(appId));
    if (!unknown) continue;
    const closest = closestName(unknown, configured);
    const guess = closest && isNearMiss(unknown, closest) ? `did you mean ${closest}? ` : '';
    const listed = `${configured.slice(0, 5).join(', ')}${configured.length > 5 ? ', …' : ''}`;
    throw new ConfigError(
      `${entryName(index)} is limited to ${unknown}, which is not a configured app (${guess}configured: ${listed}). Fix: configure that app (WECHAT_APP_ID or WECHAT_APPS_FILE), or correct the appId in the entry.`,
    );
  }
}

/**
 * A key limited to a component that is not configured would be refused on every request: refused at
 * start instead, naming the entry and the component.
 */
export function assertKeysForConfiguredComponents(
  keys: readonly Pick<ApiKeyConfig, 'componentAppIds'>[],
  configured: readonly string[],
  entryName: (index: number) => string,
): void {
  for (const [index, key] of keys.entries()) {
    const unknown = key.componentAppIds?.find((appId) => !configured.includes(appId));
    if (!unknown) continue;
    const listed = configured.length > 0 ? `configured: ${configured.join(', ')}` : 'none is configured';
    throw new ConfigError(
      `${entryName(index)} is limited to component ${unknown}, which is not a configured Open Platform component (${listed}). Fix: configure it (WECHAT_COMPONENT_* or a "kind": "component" entry of WECHAT_APPS_FILE), or correct the appId after component=.`,
    );
  }
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
