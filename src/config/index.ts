/** The configuration seam: what the rest of the gateway imports (docs/architecture.md). */
export { ConfigError } from './config-error.js';
export { loadAppsFile } from './files.js';
export { loadConfig } from './load.js';
export { configuredSecrets } from './secrets.js';
export type {
  AppConfig,
  Config,
  QueryLimitConfig,
  RateLimitConfig,
  StreamLimitConfig,
  TokenMode,
} from './types.js';
