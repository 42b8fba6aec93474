import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { runMigrations } from '../app/migrate.js';
import { DependencyUnreachableError, checkDependencies, ensureDatabaseExists } from '../database/preflight.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.NODE_ENV !== 'production') await ensureDatabaseExists(config);
  await checkDependencies(config);
  const applied = await runMigrations(config.DATABASE_URL);
  process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'no pending migrations\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError || error instanceof DependencyUnreachableError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
