import 'reflect-metadata';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config.js';
import { buildDataSourceOptions } from '../app/data-source-options.js';
import { withDatabaseName } from '../database/test-database-guard.js';

/**
 * Fails when entities and migrations disagree: migrates a scratch database from zero, then
 * asks TypeORM what it would generate. Anything at all means a migration is missing.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const scratch = `hashmarket_migration_check_${process.pid}`;
  const adminUrl = withDatabaseName(config.DATABASE_URL, 'postgres');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(scratch)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(scratch)}`);
  const dataSource = new DataSource(buildDataSourceOptions(withDatabaseName(config.DATABASE_URL, scratch), 2));
  let pending: string[];
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const sql = await dataSource.driver.createSchemaBuilder().log();
    pending = sql.upQueries.map((q) => q.query);
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(scratch)} WITH (FORCE)`);
    await admin.end();
  }
  if (pending.length > 0) {
    process.stderr.write(`Entities and migrations disagree; generate a migration (npm run migration:generate -- migrations/<Name>). Pending:\n${pending.join(';\n')}\n`);
    process.exit(1);
  }
  process.stdout.write('migrations match the entities\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
