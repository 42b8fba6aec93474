import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config.js';
import { buildDataSourceOptions } from '../app/data-source-options.js';
import { withDatabaseName } from '../database/test-database-guard.js';
import { compareCatalogue, DATABASE_CATALOGUE_SQL, databaseEntries, readCatalogue } from './function-catalogue.js';

/**
 * Fails when entities and migrations disagree: migrates a scratch database from zero, then
 * asks TypeORM what it would generate. Anything at all means a migration is missing. Fails too
 * when the migrated database's functions, triggers or table storage options differ from the
 * function catalogue (the `*.functions.sql` files under src/), which shows their current text.
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
  let catalogueProblems: string[];
  try {
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    const sql = await dataSource.driver.createSchemaBuilder().log();
    pending = sql.upQueries.map((q) => q.query);
    const catalogue = readCatalogue(projectRoot());
    const database = databaseEntries({
      functions: await dataSource.query(DATABASE_CATALOGUE_SQL.functions),
      triggers: await dataSource.query(DATABASE_CATALOGUE_SQL.triggers),
      storage: await dataSource.query(DATABASE_CATALOGUE_SQL.storage),
    });
    catalogueProblems = [...catalogue.problems, ...compareCatalogue(catalogue.entries, database)];
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(scratch)} WITH (FORCE)`);
    await admin.end();
  }
  if (pending.length > 0) {
    process.stderr.write(
      `Entities and migrations disagree; generate a migration (npm run migration:generate -- migrations/<Name>). Pending:\n${pending.join(';\n')}\n`,
    );
  }
  if (catalogueProblems.length > 0) {
    process.stderr.write(`The function catalogue and the migrations disagree:\n\n${catalogueProblems.join('\n\n')}\n`);
  }
  if (pending.length > 0 || catalogueProblems.length > 0) process.exit(1);
  process.stdout.write('migrations match the entities and the function catalogue\n');
}

/** The checkout this script runs from (dist/src/cli or src/cli): where package.json is. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the migration check');
    dir = parent;
  }
  return dir;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
