import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, createWorkerContext } from './app/create-app.js';
import type { ProcessRole } from './app/app.module.js';
import { shutDown } from './app/shutdown.js';
import { JobHandlerCheckError } from './common/queue/job-handler-check.js';
import { ConfigError, loadConfig } from './config/load-config.js';
import { DependencyUnreachableError, checkDependencies, ensureDatabaseExists } from './database/preflight.js';
import { runMigrations } from './app/migrate.js';
import { demoOnStart } from './modules/simulation/demo/demo-on-start.js';

const ROLES: readonly ProcessRole[] = ['api', 'worker', 'all'];

/** `node dist/src/main.js [api|worker|all]`; the argument wins over APP_ROLE. */
async function main(): Promise<void> {
  const config = loadConfig();
  const argRole = process.argv[2];
  if (argRole !== undefined && !ROLES.includes(argRole as ProcessRole)) {
    throw new ConfigError(`Invalid role argument "${argRole}": expected api, worker or all`);
  }
  const role = (argRole ?? config.APP_ROLE) as ProcessRole;

  if (config.NODE_ENV !== 'production') await ensureDatabaseExists(config);
  await checkDependencies(config);
  if (config.MIGRATE_ON_START) {
    const applied = await runMigrations(config.DATABASE_URL);
    if (applied.length > 0) process.stdout.write(`migrations applied: ${applied.join(', ')}\n`);
  }

  let app: INestApplicationContext;
  let http: NestFastifyApplication | undefined;
  if (role === 'worker') {
    app = await createWorkerContext({ config, role });
    process.stdout.write('hashmarket worker started\n');
  } else {
    http = await createHttpApp({ config, role });
    // `npm start -- --demo` (or DEMO_SEED=true) applies the demo world; an empty database gets a hint.
    await demoOnStart(http, config, process.argv.slice(3), (text) => process.stdout.write(text));
    await http.listen({ port: config.PORT, host: config.HOST });
    app = http;
    const shownHost = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
    process.stdout.write(`hashmarket ${role} listening on http://${shownHost}:${config.PORT} (docs at /docs)\n`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal} received, shutting down\n`);
    // Backstop only: a clean shutdown ends because nothing is left open, not by process.exit,
    // so a connection that does not close shows up as this timeout (and exit code 1).
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown timed out after ${config.SHUTDOWN_TIMEOUT_MS} ms; still open: ${process.getActiveResourcesInfo().join(', ')}\n`);
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    shutDown(app, http).then(
      () => {
        process.stdout.write('shutdown complete\n');
        process.exitCode = 0;
      },
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DependencyUnreachableError || error instanceof JobHandlerCheckError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`startup failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
