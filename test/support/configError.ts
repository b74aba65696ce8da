// For the config tests: the ConfigError loadConfig throws for an environment.
import { ConfigError, loadConfig } from '../../src/config.js';

/** Runs loadConfig and returns the ConfigError it throws; fails the test if it does not throw one. */
export function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected loadConfig to throw a ConfigError for ${Object.keys(env).join(', ')}`);
}
