import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ApiKeyConfig } from '../auth/api-keys.js';
import { keyProblem } from '../auth/api-keys.js';
import { SCOPES, type Scope } from '../auth/scopes.js';
import { APP_ID_PATTERN, APP_ID_RULE } from '../wechat/app-id.js';
import { ConfigError } from './config-error.js';
import type { AppConfig, TokenMode } from './types.js';

/** The three JSON files a setting can name: apps, API keys (as digests) and trusted documents. */

function readJsonFile<T>(variable: string, path: string, schema: z.ZodType<T>, fix: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `${variable}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code}). ${fix}`,
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
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ConfigError(`${variable}: "${path}" is invalid${where}: ${issue?.message}. ${fix}`);
  }
  return parsed.data;
}

const appSchema = z.object({
  appId: z.string().regex(APP_ID_PATTERN, APP_ID_RULE),
  appSecret: z.string().regex(/^[0-9a-f]{32}$/, 'expected 32 lowercase hex digits (the AppSecret)'),
  name: z.string().min(1).max(100).optional(),
  tokenMode: z.enum(['stable', 'classic']).optional(),
  jsSdkHttpsOnly: z.boolean().optional(),
  jsSdkDomains: z
    .array(
      z
        .string()
        .regex(
          /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/,
          'expected a lowercase host name such as "shop.example.com" (no scheme, port or path)',
        ),
    )
    .min(1)
    .optional(),
});

const appsFileSchema = z
  .array(appSchema)
  .min(1, 'expected at least one app')
  .superRefine((apps, ctx) => {
    const seen = new Set<string>();
    for (const [i, app] of apps.entries()) {
      if (seen.has(app.appId))
        ctx.addIssue({ code: 'custom', path: [i, 'appId'], message: 'duplicate appId' });
      seen.add(app.appId);
    }
  });

/** Reads and validates `WECHAT_APPS_FILE`; also used by the SIGHUP reload. */
export function loadAppsFile(path: string, defaultMode: TokenMode): AppConfig[] {
  const apps = readJsonFile(
    'WECHAT_APPS_FILE',
    path,
    appsFileSchema,
    'Fix: a JSON array of { "appId": "wx…", "appSecret": "<32 hex>", "name"?: "…", "tokenMode"?: "stable"|"classic", "jsSdkDomains"?: ["shop.example.com"], "jsSdkHttpsOnly"?: true }.',
  );
  return apps.map((app) => ({
    appId: app.appId,
    appSecret: app.appSecret,
    name: app.name ?? app.appId,
    tokenMode: app.tokenMode ?? defaultMode,
    ...(app.jsSdkDomains ? { jsSdkDomains: app.jsSdkDomains } : {}),
    ...(app.jsSdkHttpsOnly !== undefined && { jsSdkHttpsOnly: app.jsSdkHttpsOnly }),
  }));
}

const apiKeysFileSchema = z.array(
  z
    .object({
      // The message never quotes the key: the file's path and the entry's position say which one.
      key: z
        .string()
        .superRefine((key, ctx) => {
          const problem = keyProblem(key);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits')
        .optional(),
      scopes: z.array(z.enum(SCOPES as [Scope, ...Scope[]])).min(1),
      appIds: z.array(z.string().regex(APP_ID_PATTERN, APP_ID_RULE)).optional(),
      name: z.string().max(100).optional(),
    })
    .refine((k) => Boolean(k.key) !== Boolean(k.sha256), 'give exactly one of "key" or "sha256"'),
);

/** Reads `GATEWAY_API_KEYS_FILE`: keys stored as SHA-256 digests (`npm run keygen` prints a line). */
export function loadApiKeysFile(path: string): ApiKeyConfig[] {
  return readJsonFile(
    'GATEWAY_API_KEYS_FILE',
    path,
    apiKeysFileSchema,
    'Fix: a JSON array of { "sha256": "<hex digest of the key>", "scopes": ["token:read", …], "appIds"?: […], "name"?: "…" } (`npm run keygen` prints one).',
  );
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
  const documents = readJsonFile(
    'GATEWAY_TRUSTED_DOCUMENTS',
    path,
    trustedDocumentsSchema,
    'Fix: point it at the persisted-documents.json that `npm run codegen` writes ({ "<hash>": "<document>" }).',
  );
  return new Map(Object.entries(documents).map(([id, text]) => [id.replace(/^sha256:/, ''), text]));
}
