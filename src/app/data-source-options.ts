import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities.js';
import type { PostgresSockets } from '../database/postgres-sockets.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The one DataSource definition, shared by Nest and the TypeORM CLI. Migrations are the
 * compiled files under dist/migrations; `synchronize` is off everywhere.
 */
export function buildDataSourceOptions(databaseUrl: string, poolSize = 20, sockets?: PostgresSockets): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: [join(projectRoot, 'migrations', '*.js')],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    migrationsRun: false,
    // Failed queries surface through the exception filter (expected ones, such as unique violations, map to 4xx).
    logging: false,
    // Every connection starts its transactions READ COMMITTED whatever the server's default, so
    // TransactionRunner need not send SET TRANSACTION (a round trip) for the usual level.
    // The app's pool makes its sockets through `sockets`, so shutdown can cut them (PoolShutdown).
    extra: {
      max: poolSize,
      application_name: 'hashmarket',
      options: '-c default_transaction_isolation=read\\ committed',
      ...(sockets ? { stream: sockets.stream } : {}),
    },
    parseInt8: false,
  };
}
