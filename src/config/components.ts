import { z } from 'zod';
import { APP_ID_PATTERN, APP_ID_RULE, APP_SECRET_PATTERN, isAppId } from '../wechat/app-id.js';
import { isEncodingAesKey } from '../wechat/message-crypto.js';
import { ConfigError } from './config-error.js';

/**
 * WeChat Open Platform third-party platforms ("components", issue 26): one from the
 * `WECHAT_COMPONENT_*` variables, or several from the apps file as `"kind": "component"` entries.
 * Each bad value is one line naming the variable or key and the fix, never the value (it may be a secret).
 */

export interface ComponentConfig {
  /** The third-party platform's AppID (`component_appid`). */
  appId: string;
  /** `component_appsecret`. */
  appSecret: string;
  /** The message-verification token set on the Open Platform. */
  token: string;
  /** The 43-character EncodingAESKey set on the Open Platform. */
  encodingAesKey: string;
  name: string;
}

export const APP_SECRET_RULE = 'expected 32 lowercase hex digits (the component AppSecret)';
export const TOKEN_RULE = 'expected 3 to 32 letters or digits (the message-verification Token)';
export const AES_KEY_RULE = 'expected 43 letters or digits (the EncodingAESKey)';
export const TOKEN_PATTERN = /^[A-Za-z0-9]{3,32}$/;

/** An apps-file entry of kind "component" (the `kind` switch itself belongs to files.ts). */
export const componentEntrySchema = z.strictObject({
  kind: z.literal('component'),
  appId: z.string().regex(APP_ID_PATTERN, APP_ID_RULE),
  appSecret: z.string().regex(APP_SECRET_PATTERN, APP_SECRET_RULE),
  token: z.string().regex(TOKEN_PATTERN, TOKEN_RULE),
  encodingAesKey: z.string().refine(isEncodingAesKey, AES_KEY_RULE),
  name: z.string().min(1).max(100).optional(),
});

export type ComponentEntry = z.infer<typeof componentEntrySchema>;

export function componentFromEntry(entry: ComponentEntry): ComponentConfig {
  return {
    appId: entry.appId,
    appSecret: entry.appSecret,
    token: entry.token,
    encodingAesKey: entry.encodingAesKey,
    name: entry.name ?? entry.appId,
  };
}

const ENV_NAMES = [
  'WECHAT_COMPONENT_APP_ID',
  'WECHAT_COMPONENT_APP_SECRET',
  'WECHAT_COMPONENT_TOKEN',
  'WECHAT_COMPONENT_AES_KEY',
] as const;

type ComponentEnv = Partial<Record<(typeof ENV_NAMES)[number], string | undefined>>;

/** Every problem of the `WECHAT_COMPONENT_*` variables, one line each (empty: none, or all fine). */
export function componentEnvProblems(env: ComponentEnv): string[] {
  const set = ENV_NAMES.filter((name) => env[name] !== undefined && env[name] !== '');
  if (set.length === 0) return [];
  const problems: string[] = [];
  for (const name of ENV_NAMES)
    if (!set.includes(name))
      problems.push(
        `${name} is missing. Fix: set ${ENV_NAMES.join(', ')} together (the third-party platform's settings on open.weixin.qq.com).`,
      );
  const {
    WECHAT_COMPONENT_APP_ID: appId,
    WECHAT_COMPONENT_APP_SECRET: secret,
    WECHAT_COMPONENT_TOKEN: token,
    WECHAT_COMPONENT_AES_KEY: aesKey,
  } = env;
  if (appId && !isAppId(appId))
    problems.push(`WECHAT_COMPONENT_APP_ID is invalid: ${APP_ID_RULE}. Fix: copy the platform's AppID.`);
  if (secret && !APP_SECRET_PATTERN.test(secret))
    problems.push(`WECHAT_COMPONENT_APP_SECRET is invalid: ${APP_SECRET_RULE}. Fix: copy the AppSecret.`);
  if (token && !TOKEN_PATTERN.test(token))
    problems.push(`WECHAT_COMPONENT_TOKEN is invalid: ${TOKEN_RULE}. Fix: copy the Token.`);
  if (aesKey && !isEncodingAesKey(aesKey))
    problems.push(
      `WECHAT_COMPONENT_AES_KEY is invalid: ${AES_KEY_RULE} (got ${aesKey.length} characters). Fix: copy the EncodingAESKey.`,
    );
  return problems;
}

/** The component the variables name, or undefined when none is set; a ConfigError lists every problem. */
export function componentFromEnv(env: ComponentEnv): ComponentConfig | undefined {
  const problems = componentEnvProblems(env);
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  const appId = env.WECHAT_COMPONENT_APP_ID;
  if (!appId) return undefined;
  return {
    appId,
    appSecret: env.WECHAT_COMPONENT_APP_SECRET as string,
    token: env.WECHAT_COMPONENT_TOKEN as string,
    encodingAesKey: env.WECHAT_COMPONENT_AES_KEY as string,
    name: appId,
  };
}
