import { DEV_ADMIN_PASSWORD, DEV_JWT_ACCESS_SECRET, DEV_TOTP_ENCRYPTION_KEY } from './config.schema.js';
import { ConfigError, loadConfig } from './load-config.js';

const REAL_SECRETS = {
  JWT_ACCESS_SECRET: 'a-real-secret-of-more-than-thirty-two-characters',
  TOTP_ENCRYPTION_KEY: 'ab'.repeat(32),
};

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('loadConfig', () => {
  it('gives a local development setup with nothing set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      APP_ROLE: 'all',
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/hashmarket',
      REDIS_URL: 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: 'hm',
      MIGRATE_ON_START: true,
      WORKER_CONCURRENCY: 4,
      WORKER_LOCK_DURATION_MS: 30000,
      WORKER_STALLED_INTERVAL_MS: 30000,
      WORKER_MAX_STALLED_COUNT: 1,
      WORKER_SHUTDOWN_GRACE_MS: 15000,
      SHUTDOWN_TIMEOUT_MS: 25000,
    });
  });

  it('does not migrate on start outside development unless told to', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).MIGRATE_ON_START).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', ...REAL_SECRETS }).MIGRATE_ON_START).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', ...REAL_SECRETS, MIGRATE_ON_START: 'true' }).MIGRATE_ON_START).toBe(true);
    expect(loadConfig({ MIGRATE_ON_START: '0' }).MIGRATE_ON_START).toBe(false);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://root@localhost/hashmarket'],
    ['DATABASE_URL', 'localhost:5432'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['APP_ROLE', 'everything'],
    ['NODE_ENV', 'staging'],
    ['QUEUE_PREFIX', 'hm:prod'],
    ['WORKER_CONCURRENCY', '0'],
    ['WORKER_LOCK_DURATION_MS', 'long'],
    ['MIGRATE_ON_START', 'yes'],
    ['LOG_LEVEL', 'loud'],
  ])('refuses %s=%s with one line naming the variable and the value', (name, value) => {
    const message = refusal({ [name]: value });
    expect(message).not.toContain('\n');
    expect(message.startsWith(`Invalid configuration: ${name} `)).toBe(true);
    expect(message.endsWith(`(got "${value}")`)).toBe(true);
  });

  it('says what a valid value looks like', () => {
    expect(refusal({ DATABASE_URL: 'localhost:5432' })).toBe('Invalid configuration: DATABASE_URL must be a postgres:// URL (got "localhost:5432")');
    expect(refusal({ REDIS_URL: 'localhost' })).toBe('Invalid configuration: REDIS_URL must be a redis:// URL (got "localhost")');
  });

  it('never echoes a secret it refuses', () => {
    const message = refusal({ JWT_ACCESS_SECRET: 'short-secret' });
    expect(message).toBe('Invalid configuration: JWT_ACCESS_SECRET must be at least 32 characters (got "***")');
  });

  it('refuses a worker grace period that the shutdown timeout would cut short', () => {
    expect(refusal({ WORKER_SHUTDOWN_GRACE_MS: '30000', SHUTDOWN_TIMEOUT_MS: '20000' })).toMatch(
      /^Invalid configuration: WORKER_SHUTDOWN_GRACE_MS must be below SHUTDOWN_TIMEOUT_MS/,
    );
  });

  describe('in production', () => {
    it('refuses the development JWT secret', () => {
      const message = refusal({ NODE_ENV: 'production', TOTP_ENCRYPTION_KEY: REAL_SECRETS.TOTP_ENCRYPTION_KEY });
      expect(message).toBe('Invalid configuration: JWT_ACCESS_SECRET is the development secret; set a real one in production (missing)');
      expect(refusal({ NODE_ENV: 'production', ...REAL_SECRETS, JWT_ACCESS_SECRET: DEV_JWT_ACCESS_SECRET })).toContain(
        'JWT_ACCESS_SECRET is the development secret',
      );
    });

    it('refuses the development TOTP key and admin password', () => {
      expect(refusal({ NODE_ENV: 'production', JWT_ACCESS_SECRET: REAL_SECRETS.JWT_ACCESS_SECRET })).toMatch(
        /^Invalid configuration: TOTP_ENCRYPTION_KEY is the development key/,
      );
      expect(refusal({ NODE_ENV: 'production', ...REAL_SECRETS, TOTP_ENCRYPTION_KEY: DEV_TOTP_ENCRYPTION_KEY })).toContain('TOTP_ENCRYPTION_KEY');
      expect(refusal({ NODE_ENV: 'production', ...REAL_SECRETS, ADMIN_PASSWORD: DEV_ADMIN_PASSWORD })).toMatch(
        /^Invalid configuration: ADMIN_PASSWORD is the development password.*\(got "\*\*\*"\)$/,
      );
    });

    it('starts with real secrets', () => {
      expect(loadConfig({ NODE_ENV: 'production', ...REAL_SECRETS }).NODE_ENV).toBe('production');
    });
  });
});
