// Plain ESM on purpose: Jest loads global setup outside its module mapper, so this uses the
// compiled helpers from dist/ (npm test builds first).
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { testDatabaseSettings } from '../../dist/src/database/test-database-guard.js';

/**
 * Migrates a template database once per run with the compiled migrations, exactly as
 * production does; every test file then copies it with CREATE DATABASE ... TEMPLATE.
 */
export default async function globalSetup() {
  const { templateName, baseName, adminUrl, urlFor } = testDatabaseSettings();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const stale = await admin.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [templateName, `${baseName}\\_f%`]);
    for (const row of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(row.datname)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(templateName)}`);
  } finally {
    await admin.end();
  }
  execFileSync(process.execPath, ['dist/src/cli/migrate.js'], {
    env: { ...process.env, DATABASE_URL: urlFor(templateName), NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
