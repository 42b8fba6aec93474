import { configSchema, type AppConfig } from './config.schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment into a typed config. Throws ConfigError whose message is one
 * line naming the first bad variable, so the process can exit with it and nothing else.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const result = configSchema.safeParse(env);
  if (result.success) {
    const config = result.data;
    // Migrations run on start in development unless told otherwise.
    if (config.MIGRATE_ON_START === undefined) config.MIGRATE_ON_START = config.NODE_ENV === 'development';
    // Test apps of other modules need no settlement sweep running in the background.
    if (config.SETTLEMENT_SCHEDULER_ENABLED === undefined) config.SETTLEMENT_SCHEDULER_ENABLED = config.NODE_ENV !== 'test';
    return config;
  }
  const issue = result.error.issues[0];
  const name = String(issue.path[0] ?? 'environment');
  const received = env[name];
  const shown = received === undefined ? 'missing' : `got "${name.includes('SECRET') || name.includes('PASSWORD') || name.includes('KEY') ? '***' : received}"`;
  throw new ConfigError(`Invalid configuration: ${name} ${issue.message} (${shown})`);
}

/**
 * The environment's config with some settings replaced (a CLI running the app against a
 * database of its own); `defaults` apply only where the environment sets nothing.
 */
export function loadConfigWith(overrides: Record<string, string>, defaults: Record<string, string> = {}): AppConfig {
  return loadConfig({ ...defaults, ...process.env, ...overrides });
}
