/** The configuration seam: what the rest of the gateway imports (docs/architecture.md). */
export { appSettingsFingerprint } from './app-fingerprint.js';
export { ConfigError } from './config-error.js';
export { type AppsFile, loadAppsFile, readAppsFile } from './files.js';
export { loadConfig } from './load.js';
export { configuredSecrets } from './secrets.js';
export {
  type AppConfig,
  type AppKind,
  appKindOf,
  type Config,
  type QueryLimitConfig,
  type RateLimitConfig,
  type StreamLimitConfig,
  type TokenMode,
  type WeComAppConfig,
} from './types.js';
