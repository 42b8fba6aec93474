import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { parseArgs } from 'node:util';
import { Clock, SystemClock } from '../common/clock/clock.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ConfigModule } from '../config/config.module.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { buildDataSourceOptions } from '../app/data-source-options.js';
import { DatabaseModule } from '../database/database.module.js';
import { DependencyUnreachableError, checkDependencies } from '../database/preflight.js';
import { AuditModule } from '../modules/audit/audit.module.js';
import { AdminAccountsService } from '../modules/auth/admin-accounts.service.js';
import { UsersModule } from '../modules/auth/users.module.js';

const USAGE = 'usage: npm run create-admin -- --email <email> --password <password (12+ characters)>';

class UsageError extends Error {}

@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
class ClockModule {}

/**
 * `npm run create-admin -- --email x --password y`: creates an admin account directly in the
 * database (the only way besides ADMIN_EMAIL on first start; there is no public endpoint).
 * Idempotent: an admin with that email already existing is success. Needs Postgres only.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' } }, strict: true });
  const email = values.email?.trim();
  const password = values.password;
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new UsageError(`--email must be an email address\n${USAGE}`);
  if (!password || password.length < 12 || password.length > 128) throw new UsageError(`--password must be 12 to 128 characters\n${USAGE}`);

  const config = loadConfig();
  await checkDependencies({ ...config }, 3000).catch((error: unknown) => {
    // Only Postgres is needed here: ignore an unreachable Redis.
    if (error instanceof DependencyUnreachableError && error.message.startsWith('Redis')) return;
    throw error;
  });

  @Module({
    imports: [
      ConfigModule.forRoot(config),
      TypeOrmModule.forRoot(buildDataSourceOptions(config.DATABASE_URL, 2)),
      ClockModule,
      DatabaseModule,
      AuditModule,
      UsersModule,
    ],
  })
  class CreateAdminModule {}

  const app = await NestFactory.createApplicationContext(CreateAdminModule, { logger: ['error'], abortOnError: false });
  try {
    const result = await app.get(AdminAccountsService).ensureAdmin({ email, password, source: 'cli' }, { onlyIfNoAdmin: false });
    process.stdout.write(
      result.created
        ? `admin ${email.toLowerCase()} created (id ${result.userId})\n`
        : `admin ${email.toLowerCase()} already exists (id ${result.userId}); nothing changed\n`,
    );
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  const known = error instanceof UsageError || error instanceof ConfigError || error instanceof DependencyUnreachableError || error instanceof DomainError;
  process.stderr.write(`${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
