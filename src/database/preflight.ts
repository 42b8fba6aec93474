import { Redis } from 'ioredis';
import pg from 'pg';
import { redisOptionsFromUrl } from '../common/queue/redis-options.js';
import type { AppConfig } from '../config/config.schema.js';
import { databaseNameOf } from './test-database-guard.js';

export class DependencyUnreachableError extends Error {}

function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Fails fast, before Nest boots, when Postgres or Redis does not answer, with one line that
 * says which, where it looked and how to start it (no stack trace, no endless retries).
 */
export async function checkDependencies(config: AppConfig, timeoutMs = 3000): Promise<void> {
  const client = new pg.Client({ connectionString: config.DATABASE_URL, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = (error as Error).message || (error as { code?: string }).code || 'no answer';
    const missingDb = (error as { code?: string }).code === '3D000';
    const hint = missingDb
      ? `create it with: createdb ${databaseNameOf(config.DATABASE_URL)}`
      : 'start it (docker compose up -d postgres, or pg_ctlcluster <version> main start) or set DATABASE_URL';
    throw new DependencyUnreachableError(`Postgres is unreachable at ${safeUrl(config.DATABASE_URL)} (${reason}); ${hint}`);
  } finally {
    await client.end().catch(() => undefined);
  }

  const redis = new Redis(
    redisOptionsFromUrl(config.REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      connectTimeout: timeoutMs,
      enableOfflineQueue: false,
    }),
  );
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const reason = (error as Error).message || 'no answer';
    throw new DependencyUnreachableError(
      `Redis is unreachable at ${safeUrl(config.REDIS_URL)} (${reason}); start it (docker compose up -d redis, or redis-server --daemonize yes) or set REDIS_URL`,
    );
  } finally {
    redis.disconnect();
  }
}

/** Creates the configured database when the server answers but the database does not exist yet. */
export async function ensureDatabaseExists(config: AppConfig): Promise<void> {
  const name = databaseNameOf(config.DATABASE_URL);
  const adminUrl = new URL(config.DATABASE_URL);
  adminUrl.pathname = '/postgres';
  const client = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch {
    // checkDependencies reports what is wrong in one line
  } finally {
    await client.end().catch(() => undefined);
  }
}
