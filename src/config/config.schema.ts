import { z } from 'zod';

/** Development-only secrets: convenient locally, refused when NODE_ENV=production. */
export const DEV_JWT_ACCESS_SECRET = 'dev-access-secret-change-me-0123456789abcdef';
export const DEV_ADMIN_PASSWORD = 'admin-password-change-me';
export const DEV_TOTP_ENCRYPTION_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

const booleanString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL');
const redisUrl = z.string().regex(/^rediss?:\/\/\S*$/, 'must be a redis:// URL');

/**
 * Every setting the process reads from the environment, with its local default.
 * The README's configuration table mirrors this schema.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    APP_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/hashmarket'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
    /** Most entries one group commit of the ledger carries (1: every entry commits on its own). */
    LEDGER_GROUP_COMMIT_MAX_ENTRIES: z.coerce.number().int().min(1).max(1000).default(64),
    /** Group commits of the ledger in flight at once (connections they use at most). */
    LEDGER_GROUP_COMMIT_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(4),
    /** Purchase group transactions of one product in flight at once (see ContractPurchaseService). */
    CONTRACT_PURCHASE_GROUPS_PER_PRODUCT: z.coerce.number().int().min(1).max(32).default(1),
    MIGRATE_ON_START: booleanString.optional(),
    REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
      .default('hm'),
    JWT_ACCESS_SECRET: z.string().min(32, 'must be at least 32 characters').default(DEV_JWT_ACCESS_SECRET),
    JWT_ACCESS_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(900),
    REFRESH_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
    TOTP_ISSUER: z.string().min(1).default('Hashmarket'),
    TOTP_ENCRYPTION_KEY: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
      .default(DEV_TOTP_ENCRYPTION_KEY),
    LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
    LOGIN_IP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(60),
    REGISTER_IP_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(30),
    TOTP_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
    TOTP_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    WITHDRAWAL_LOCK_HOURS: z.coerce.number().int().min(0).max(720).default(48),
    REFRESH_TOKEN_PURGE_CRON: z
      .string()
      .trim()
      .regex(/^(\S+\s+){4,5}\S+$/, 'must be a cron pattern of 5 or 6 fields')
      .default('17 3 * * *'),
    CORS_ORIGINS: z.string().default(''),
    /** Bull Board's job actions (retry, clean, promote, delete...); off: the board is read-only. */
    BULL_BOARD_ACTIONS_ENABLED: booleanString.default(false),
    /** Reverse proxies in front of the API whose X-Forwarded-For is trusted (0: use the socket address). */
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ADMIN_EMAIL: z.string().email().optional(),
    ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
    SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).default(25000),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
    WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30000),
    WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(1000).default(30000),
    WORKER_MAX_STALLED_COUNT: z.coerce.number().int().min(0).max(100).default(1),
    WORKER_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(15000),
    /** How often each worker checks that every declared job schedule is in Redis (a flushed Redis loses them). */
    JOB_SCHEDULES_CHECK_INTERVAL_MS: z.coerce.number().int().min(200).default(30000),
    // Settlement (docs/settlement.md)
    SETTLEMENT_DAILY_AT_UTC: z
      .string()
      .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be HH:MM (UTC)')
      .default('02:00'),
    SETTLEMENT_EARNINGS_GRACE_HOURS: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 30)
      .default(36),
    SETTLEMENT_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(366).default(7),
    SETTLEMENT_CHUNK_SIZE: z.coerce.number().int().min(100).max(5_000_000).default(500_000),
    SETTLEMENT_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
    SETTLEMENT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
    /** Sweep and daily schedule in worker processes; defaults to on, except under NODE_ENV=test. */
    SETTLEMENT_SCHEDULER_ENABLED: booleanString.optional(),
    RECONCILIATION_SHORTFALL_ALERT_BPS: z.coerce.number().int().min(0).max(10_000).default(500),
    BITCOIN_NETWORK: z.enum(['mainnet', 'testnet', 'regtest']).default('mainnet'),
    PAYOUT_ADDRESS_LOCK_HOURS: z.coerce.number().int().min(0).max(720).default(48),
    WITHDRAWAL_MIN_SATS: z.coerce.bigint().min(546n, 'must be at least the 546-sat dust limit').default(10_000n),
    WITHDRAWAL_NETWORK_FEE_SATS: z.coerce.bigint().min(0n).default(2_000n),
    WITHDRAWAL_DAILY_LIMIT_SATS: z.coerce.bigint().min(546n).default(500_000_000n),
    WITHDRAWAL_FOUR_EYES_SATS: z.coerce.bigint().min(0n).default(100_000_000n),
    PAYOUT_BATCH_MAX_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
    PAYOUT_ADDRESS_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(10),
    WITHDRAWAL_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(20),
    PAYOUT_IP_RATE_LIMIT_PER_HOUR: z.coerce.number().int().min(1).default(100),
    AUTO_PAYOUTS_CRON: z.string().min(9).default('0 6 * * *'),
    CAPACITY_CHANGE_DELAY_HOURS: z.coerce
      .number()
      .min(0)
      .max(24 * 90)
      .default(24),
    // Market history, demo seed and simulation (docs/simulation.md)
    /** Transaction fees per block, modelled as this share of the block subsidy (basis points). */
    SIM_TX_FEE_SHARE_BPS: z.coerce.number().int().min(0).max(10_000).default(300),
    /** Apply the demo world on start (same as `npm start -- --demo`); never in production. */
    DEMO_SEED: booleanString.default(false),
  })
  .superRefine((config, ctx) => {
    if (config.WORKER_SHUTDOWN_GRACE_MS >= config.SHUTDOWN_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['WORKER_SHUTDOWN_GRACE_MS'],
        message: 'must be below SHUTDOWN_TIMEOUT_MS so jobs are released before the process is stopped',
      });
    }
    // The customer receives amount - network fee: even the smallest withdrawal must pay out above dust.
    if (config.WITHDRAWAL_MIN_SATS - config.WITHDRAWAL_NETWORK_FEE_SATS < 546n) {
      ctx.addIssue({ code: 'custom', path: ['WITHDRAWAL_MIN_SATS'], message: 'minus WITHDRAWAL_NETWORK_FEE_SATS must be at least the 546-sat dust limit' });
    }
    if (config.WITHDRAWAL_DAILY_LIMIT_SATS < config.WITHDRAWAL_MIN_SATS) {
      ctx.addIssue({ code: 'custom', path: ['WITHDRAWAL_DAILY_LIMIT_SATS'], message: 'must be at least WITHDRAWAL_MIN_SATS' });
    }
    if (config.NODE_ENV !== 'production') return;
    if (config.JWT_ACCESS_SECRET === DEV_JWT_ACCESS_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_ACCESS_SECRET'], message: 'is the development secret; set a real one in production' });
    }
    if (config.TOTP_ENCRYPTION_KEY === DEV_TOTP_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['TOTP_ENCRYPTION_KEY'], message: 'is the development key; set a real one in production' });
    }
    if (config.ADMIN_PASSWORD === DEV_ADMIN_PASSWORD) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'is the development password; set a real one in production' });
    }
  });

export type AppConfig = z.output<typeof configSchema>;
