import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { ApiKeyConfig } from '../auth/api-keys.js';
import { SCOPES, type Scope } from '../auth/scopes.js';
import { redact } from '../redact.js';
import {
  AGENT_ID_PATTERN,
  AGENT_ID_RULE,
  APP_ID_PATTERN,
  APP_ID_RULE,
  APP_SECRET_PATTERN,
  CORP_ID_PATTERN,
  CORP_ID_RULE,
  GATEWAY_APP_ID_PATTERN,
  GATEWAY_APP_ID_RULE,
  isAppId,
  SECRET_NAME_PATTERN,
  SECRET_NAME_RULE,
  wecomAppId,
} from '../wechat/app-id.js';
import { closestName, isNearMiss } from './closest-name.js';
import { type ComponentConfig, componentEntrySchema, componentFromEntry } from './components.js';
import { ConfigError } from './config-error.js';
import type { AppConfig, TokenMode } from './types.js';

/** The three JSON files a setting can name: apps, API keys (as digests) and trusted documents. */

interface JsonFile<T> {
  /** The setting that names the file. */
  variable: string;
  path: string;
  schema: z.ZodType<T>;
  /** What the file holds, for "Fix: set X to the path of …". */
  what: string;
  /** The fix for content that does not follow the format. */
  fix: string;
  /** The keys an entry of the file (an array) may have: any other is refused with the closest one. */
  entryKeys?: readonly string[] | ((entry: unknown) => readonly string[]);
  /** The fix for one unknown key, when it is a known mistake rather than a misspelling. */
  unknownKeyFix?: (key: string) => string | undefined;
}

/** Why a file cannot be read, in words: a wrong path is not a wrong format. */
function readProblem(file: JsonFile<unknown>, code: string | undefined): string {
  const where = resolve(file.path) === file.path ? '' : `, looked for at ${resolve(file.path)}`;
  const pointAt = `Fix: set ${file.variable} to the path of ${file.what}`;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `the file does not exist (${code}${where}). ${pointAt} (a relative path starts at the gateway's working directory).`;
    case 'EACCES':
    case 'EPERM':
      return `this process may not read it (${code}). Fix: make it readable by the user the gateway runs as${process.getuid ? ` (uid ${process.getuid()})` : ''}, or ${pointAt.slice(5)}.`;
    case 'EISDIR':
      return `it is a directory (${code}). ${pointAt}, not of its directory.`;
    default:
      return `${code ?? 'unknown error'}. ${pointAt}.`;
  }
}

/** An entry's key shown in an error: never a secret, never more than a short name. */
function shownKey(key: string): string {
  const text = redact(key);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** "entry 2", with the entry's appId (a WeCom app's corpId) or name when it has a plausible one. */
function entryName(index: number, entry: unknown): string {
  const { appId, corpId, name } = (entry ?? {}) as { appId?: unknown; corpId?: unknown; name?: unknown };
  if (typeof appId === 'string' && isAppId(appId)) return `entry ${index + 1} (${appId})`;
  if (typeof corpId === 'string' && CORP_ID_PATTERN.test(corpId)) return `entry ${index + 1} (${corpId})`;
  if (typeof name === 'string' && name.length <= 100) return `entry ${index + 1} (${shownKey(name)})`;
  return `entry ${index + 1}`;
}

/** The first unknown key of an entry, with the closest known one or the known mistake's own fix. */
function unknownKeyProblem(file: JsonFile<unknown>, entry: string, value: unknown, keys: string[]): string {
  const known = (typeof file.entryKeys === 'function' ? file.entryKeys(value) : file.entryKeys) ?? [];
  const key = keys[0] ?? '';
  const own = file.unknownKeyFix?.(key);
  if (own) return `${entry} has the key ${shownKey(key)}: ${own}`;
  const closest = closestName(key, known) ?? '';
  const guess = isNearMiss(key, closest) ? `did you mean "${closest}"?` : `the closest key is "${closest}"`;
  return `${entry} has an unknown key ${shownKey(key)} (${guess}). Fix: rename it to "${closest}"; an entry's keys are ${known.map((k) => `"${k}"`).join(', ')}.`;
}

function readJsonFile<T>(file: JsonFile<T>): T {
  const { variable, path, schema, fix } = file;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${variable}: cannot read "${path}": ${readProblem(file, (error as NodeJS.ErrnoException).code)}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(`${variable}: "${path}" is not valid JSON. ${fix}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const { issues } = parsed.error;
    // An unknown key first: a misspelled "appsecret" is also why "appSecret" is missing.
    const unknown = issues.find((issue) => issue.code === 'unrecognized_keys');
    const index = unknown?.path[0];
    if (unknown?.code === 'unrecognized_keys' && typeof index === 'number') {
      const value = (json as unknown[])[index];
      const entry = entryName(index, value);
      throw new ConfigError(`${variable}: "${path}" ${unknownKeyProblem(file, entry, value, unknown.keys)}`);
    }
    const issue = issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ConfigError(`${variable}: "${path}" is invalid${where}: ${issue?.message}. ${fix}`);
  }
  return parsed.data;
}

const JS_SDK_DOMAIN = z
  .string()
  .regex(
    /^(?=[^:]{1,253}(?::|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$/,
    'expected a lowercase host name such as "shop.example.com", with a port only for pages served on one ("shop.example.com:8443"); no scheme or path',
  );

/** JS-SDK page rules: Official Accounts and WeCom apps sign pages; Mini Programs have no JS-SDK. */
const jsSdkKeys = {
  jsSdkHttpsOnly: z.boolean().optional(),
  jsSdkDomains: z.array(JS_SDK_DOMAIN).min(1).optional(),
};

/** An Official Account (the default `kind`, so entries written before kinds existed keep working). */
const officialAccountSchema = z.strictObject({
  kind: z.literal('officialAccount'),
  appId: z.string().regex(APP_ID_PATTERN, APP_ID_RULE),
  appSecret: z.string().regex(APP_SECRET_PATTERN, 'expected 32 lowercase hex digits (the AppSecret)'),
  name: z.string().min(1).max(100).optional(),
  tokenMode: z.enum(['stable', 'classic']).optional(),
  ...jsSdkKeys,
});

/** A Mini Program: the same token endpoints as an Official Account, and no JS-SDK. */
const miniProgramSchema = officialAccountSchema.omit({ jsSdkDomains: true, jsSdkHttpsOnly: true }).extend({
  kind: z.literal('miniProgram'),
});

/** A WeCom app's Secret (or a special secret) as the admin console shows it. */
const CORP_SECRET_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** A WeCom self-built app (`agentId`) or special secret (`secretName`): one token per (corp, secret). */
const wecomSchema = z
  .strictObject({
    kind: z.literal('wecom'),
    corpId: z.string().regex(CORP_ID_PATTERN, CORP_ID_RULE),
    corpSecret: z
      .string()
      .regex(
        CORP_SECRET_PATTERN,
        'expected the Secret as the WeCom admin console shows it (16 to 64 letters, digits, "-" or "_")',
      ),
    agentId: z
      .union([z.number().int().min(0).max(9_999_999_999), z.string().regex(AGENT_ID_PATTERN, AGENT_ID_RULE)])
      .optional(),
    secretName: z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_RULE).optional(),
    name: z.string().min(1).max(100).optional(),
    ...jsSdkKeys,
  })
  .superRefine((entry, ctx) => {
    if ((entry.agentId === undefined) === (entry.secretName === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['agentId'],
        message:
          'expected exactly one of "agentId" (a self-built app\'s AgentId) or "secretName" (a name for a special secret such as contacts sync, which has no agent)',
      });
  });

/** An entry without `kind` is an Official Account's. */
function withDefaultKind(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || 'kind' in entry) return entry;
  return { ...entry, kind: 'officialAccount' };
}

const entrySchema = z.preprocess(
  withDefaultKind,
  z.discriminatedUnion(
    'kind',
    [officialAccountSchema, miniProgramSchema, wecomSchema, componentEntrySchema],
    {
      error: 'expected "kind" to be "officialAccount" (the default), "miniProgram", "wecom" or "component"',
    },
  ),
);

type AppsFileEntry = z.infer<typeof entrySchema>;

/** The gateway's id of an entry's app (a component is not an app: it has its own list). */
function idOf(entry: AppsFileEntry): string {
  if (entry.kind === 'wecom') return wecomAppId(entry.corpId, entry.agentId ?? entry.secretName ?? '');
  return entry.appId;
}

const appsFileSchema = z
  .array(entrySchema)
  .min(1, 'expected at least one app')
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    for (const [i, entry] of entries.entries()) {
      const id = `${entry.kind === 'component' ? 'component:' : ''}${idOf(entry)}`;
      if (seen.has(id)) {
        const path =
          entry.kind === 'wecom' ? [i, entry.agentId === undefined ? 'secretName' : 'agentId'] : [i, 'appId'];
        const what =
          entry.kind === 'wecom' ? 'WeCom app' : entry.kind === 'component' ? 'component appId' : 'appId';
        ctx.addIssue({ code: 'custom', path, message: `duplicate ${what} ${idOf(entry)}` });
      }
      seen.add(id);
    }
  });

/** The keys an entry of its kind may have, for "did you mean" (the kind of a malformed entry: the default). */
function entryKeysOf(entry: unknown): readonly string[] {
  const kind = (withDefaultKind(entry) as { kind?: unknown }).kind;
  const schema =
    kind === 'wecom'
      ? wecomSchema
      : kind === 'miniProgram'
        ? miniProgramSchema
        : kind === 'component'
          ? componentEntrySchema
          : officialAccountSchema;
  return Object.keys(schema.shape);
}

/** Keys an entry may not have for a reason, rather than by a misspelling. */
function appsUnknownKeyFix(key: string): string | undefined {
  return key === 'jsSdkDomains' || key === 'jsSdkHttpsOnly'
    ? 'a Mini Program has no JS-SDK, so it has no JS-SDK page rules. Fix: remove the key (or set "kind" to "officialAccount" if the app is an Official Account).'
    : undefined;
}

/** What an apps file holds: apps (of every kind) and Open Platform components. */
export interface AppsFile {
  apps: AppConfig[];
  components: ComponentConfig[];
}

export function appFromEntry(
  entry: Exclude<AppsFileEntry, { kind: 'component' }>,
  defaultMode: TokenMode,
): AppConfig {
  const jsSdk = {
    ...('jsSdkDomains' in entry && entry.jsSdkDomains ? { jsSdkDomains: entry.jsSdkDomains } : {}),
    ...('jsSdkHttpsOnly' in entry &&
      entry.jsSdkHttpsOnly !== undefined && { jsSdkHttpsOnly: entry.jsSdkHttpsOnly }),
  };
  if (entry.kind === 'wecom') {
    const appId = idOf(entry);
    const agent = entry.agentId === undefined ? {} : { agentId: String(entry.agentId) };
    const secretName = entry.secretName === undefined ? {} : { secretName: entry.secretName };
    return {
      kind: 'wecom',
      appId,
      appSecret: entry.corpSecret,
      name: entry.name ?? appId,
      tokenMode: defaultMode,
      wecom: { corpId: entry.corpId, ...agent, ...secretName },
      ...jsSdk,
    };
  }
  return {
    kind: entry.kind,
    appId: entry.appId,
    appSecret: entry.appSecret,
    name: entry.name ?? entry.appId,
    tokenMode: entry.tokenMode ?? defaultMode,
    ...jsSdk,
  };
}

/** Reads and validates `WECHAT_APPS_FILE`: its apps of every kind and its components. */
export function readAppsFile(path: string, defaultMode: TokenMode): AppsFile {
  const entries = readJsonFile({
    variable: 'WECHAT_APPS_FILE',
    path,
    schema: appsFileSchema,
    what: 'your JSON apps file',
    fix: 'Fix: a JSON array of apps: { "appId": "wx…", "appSecret": "<32 hex>", "name"?, "tokenMode"?: "stable"|"classic", "jsSdkDomains"?, "jsSdkHttpsOnly"? } (an Official Account; "kind": "miniProgram" for a Mini Program), { "kind": "wecom", "corpId": "ww…", "corpSecret", "agentId" or "secretName", "name"? } or { "kind": "component", "appId", "appSecret", "token", "encodingAesKey", "name"? }.',
    entryKeys: entryKeysOf,
    unknownKeyFix: appsUnknownKeyFix,
  });
  const apps: AppConfig[] = [];
  const components: ComponentConfig[] = [];
  for (const entry of entries) {
    if (entry.kind === 'component') components.push(componentFromEntry(entry));
    else apps.push(appFromEntry(entry, defaultMode));
  }
  return { apps, components };
}

/** The apps of `WECHAT_APPS_FILE` (its components aside); also used by the SIGHUP reload. */
export function loadAppsFile(path: string, defaultMode: TokenMode): AppConfig[] {
  return readAppsFile(path, defaultMode).apps;
}

const apiKeySchema = z.strictObject({
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (the SHA-256 digest of the key)'),
  scopes: z.array(z.enum(SCOPES as [Scope, ...Scope[]])).min(1),
  appIds: z.array(z.string().regex(GATEWAY_APP_ID_PATTERN, GATEWAY_APP_ID_RULE)).optional(),
  componentAppIds: z.array(z.string().regex(APP_ID_PATTERN, APP_ID_RULE)).min(1).optional(),
  name: z.string().max(100).optional(),
});

/** A key in plain text would be one more copy of a secret: the file holds digests only. */
function plaintextKeyFix(key: string): string | undefined {
  return key === 'key'
    ? 'the file holds keys only as digests, never the key itself. Fix: replace it with "sha256": the hex SHA-256 digest of the key (`printf %s "$KEY" | sha256sum`, or the line `npm run keygen` prints), and keep the key out of the file.'
    : undefined;
}

/** Reads `GATEWAY_API_KEYS_FILE`: keys stored as SHA-256 digests (`npm run keygen` prints a line). */
export function loadApiKeysFile(path: string): ApiKeyConfig[] {
  return readJsonFile({
    variable: 'GATEWAY_API_KEYS_FILE',
    path,
    schema: z.array(apiKeySchema),
    what: 'your JSON API keys file',
    fix: 'Fix: a JSON array of { "sha256": "<hex digest of the key>", "scopes": ["token:read", …], "appIds"?: […], "componentAppIds"?: […], "name"?: "…" } (`npm run keygen` prints one).',
    entryKeys: apiKeySchema.keyof().options,
    unknownKeyFix: plaintextKeyFix,
  });
}

/** Document ids as codegen writes them: sha256 (or sha1) hex, optionally prefixed "sha256:". */
const DOCUMENT_ID = /^(?:sha256:)?[0-9a-f]{40,64}$/;

const trustedDocumentsSchema = z
  .record(z.string(), z.string().trim().min(1, 'expected the document text'))
  .superRefine((documents, ctx) => {
    const ids = Object.keys(documents);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one document' });
    for (const id of ids) {
      if (!DOCUMENT_ID.test(id))
        ctx.addIssue({ code: 'custom', path: [id], message: 'expected "<hex hash>" keys' });
    }
  });

/**
 * Reads the manifest of trusted documents (GATEWAY_TRUSTED_DOCUMENTS): `{ "<hash>": "<document>" }`,
 * as the codegen client preset's `persistedDocuments` option writes it. Ids lose their "sha256:" prefix.
 */
export function loadTrustedDocuments(path: string): ReadonlyMap<string, string> {
  const documents = readJsonFile({
    variable: 'GATEWAY_TRUSTED_DOCUMENTS',
    path,
    schema: trustedDocumentsSchema,
    what: 'the persisted-documents.json that `npm run codegen` writes',
    fix: 'Fix: point it at the persisted-documents.json that `npm run codegen` writes ({ "<hash>": "<document>" }).',
  });
  return new Map(Object.entries(documents).map(([id, text]) => [id.replace(/^sha256:/, ''), text]));
}
