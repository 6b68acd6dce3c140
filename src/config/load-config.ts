import { AppConfig, ConfigError } from './app-config';

/** Reads and validates the environment, or stops the process with one message listing every bad key. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return AppConfig.fromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee the configuration table in README.md.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
