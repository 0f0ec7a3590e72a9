/** The configuration seam: what the rest of the gateway imports (docs/architecture.md). */
export { ConfigError } from './config-error.js';
export { DEFAULT_API_BASES } from './defaults.js';
export { loadAppsFile, loadTrustedDocuments } from './files.js';
export { type LoadConfigOptions, loadConfig } from './load.js';
export { type NodeEnv, SETTINGS } from './settings.js';
export type { AppConfig, Config, QueryLimitConfig, RateLimitConfig, TokenMode } from './types.js';
