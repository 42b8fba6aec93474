import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { BASE_TEST_DB, TEMPLATE_DB, adminDatabaseUrl, databaseUrlFor } from './test-env.js';

/** A fresh copy of the migrated template for one test file; dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `${BASE_TEST_DB}_f${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminDatabaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(TEMPLATE_DB)}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrlFor(name),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminDatabaseUrl() });
      await client.connect();
      try {
        // The app's and the test's pools resolve end() before their sockets are gone; a FORCE
        // drop in that moment kills a backend whose client is still closing, and the client
        // then raises an unhandled error into whichever test runs next. Let them go first.
        for (let i = 0; i < 100; i++) {
          const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
          if (rows[0].n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
