import { Redis } from 'ioredis';
import pg from 'pg';
import { redisOptionsFromUrl } from '../common/queue/redis-options.js';
import type { AppConfig } from '../config/config.schema.js';
import { databaseNameOf, withDatabaseName } from '../database/test-database-guard.js';

export const DEFAULT_SIM_DATABASE = 'hashmarket_sim';

/**
 * The simulation's own database, dropped and created again for every run. Refused unless the
 * name says "sim" and differs from the app's database, so a typo can never wipe real data.
 */
export async function recreateSimulationDatabase(config: AppConfig, name: string): Promise<string> {
  if (!/^[a-z0-9_]{1,63}$/.test(name) || !/(^|_)sim(_|$)/.test(name))
    throw new Error(`--database must be lower-case letters, digits and _ and contain "sim" as a word (got "${name}")`);
  if (name === databaseNameOf(config.DATABASE_URL))
    throw new Error(`--database ${name} is the app's own database (DATABASE_URL); the simulation needs one of its own`);
  const admin = new pg.Client({ connectionString: withDatabaseName(config.DATABASE_URL, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  return withDatabaseName(config.DATABASE_URL, name);
}

/**
 * Deletes every Redis key under the simulation's prefix (queues, job ids, rate-limit windows of
 * an earlier run): job ids are business keys, and a fresh database would otherwise collide with
 * the last run's finished jobs. Never touches another prefix.
 */
export async function clearRedisPrefix(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisOptionsFromUrl(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 }));
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
