import { createHash } from 'node:crypto';
import { type AppConfig, appKindOf } from './types.js';

/**
 * A short, non-reversible name for what WeChat's answer to an app's token request depends on: its
 * kind, secret, token mode and WeCom parts (not its name or JS-SDK rules). Remembered refusals (the
 * negative cache) are kept under it, so a reload that fixes a wrong secret is tried at once, while a
 * reload that changes nothing WeChat sees keeps them. 12 hex digits of a SHA-256: never the secret.
 */
export function appSettingsFingerprint(app: AppConfig): string {
  const settings = [appKindOf(app), app.appSecret, app.tokenMode, app.wecom ?? null];
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 12);
}
