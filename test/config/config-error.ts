import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/** The message of the ConfigError `loadConfig` throws for `env`; fails the test when it starts instead. */
export function configError(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}
