/**
 * A setting the operator must fix. Its message is one line naming the variable, what was wrong and how
 * to fix it; it never echoes a secret or any part of an API key.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
