import pg from 'pg';
import { runMigrations } from '../src/app/migrate.js';
import { databaseNameOf, withDatabaseName } from '../src/database/test-database-guard.js';

/**
 * Benchmarks drop and re-create the database their URL names: refuse any whose name does not
 * mark it as a bench one, so a mis-set BENCH_DATABASE_URL can never wipe real data. Returns the name.
 */
export function benchDatabaseName(url: string): string {
  const name = databaseNameOf(url);
  if (!/(^|_)bench(_|$)/.test(name)) throw new Error(`BENCH_DATABASE_URL must name a database containing "bench" as a word, got ${name}`);
  return name;
}

/** Drops the bench database the URL names (guarded, see benchDatabaseName), creates it afresh and migrates it. */
export async function freshBenchDatabase(url: string): Promise<void> {
  const name = benchDatabaseName(url);
  const admin = new pg.Client({ connectionString: withDatabaseName(url, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  await runMigrations(url);
}
