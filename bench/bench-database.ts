import { databaseNameOf } from '../src/database/test-database-guard.js';

/**
 * Benchmarks drop and re-create the database their URL names: refuse any whose name does not
 * mark it as a bench one, so a mis-set BENCH_DATABASE_URL can never wipe real data. Returns the name.
 */
export function benchDatabaseName(url: string): string {
  const name = databaseNameOf(url);
  if (!/(^|_)bench(_|$)/.test(name)) throw new Error(`BENCH_DATABASE_URL must name a database containing "bench" as a word, got ${name}`);
  return name;
}
