import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type CreateAppOptions, createHttpApp } from '../../src/app/create-app.js';
import type { ProcessRole } from '../../src/app/app.module.js';
import type { Clock } from '../../src/common/clock/clock.js';
import type { AppConfig } from '../../src/config/config.schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { createTestDatabase } from './test-database.js';
import { TEST_REDIS_URL } from './test-env.js';
import { HttpClient } from './http-client.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  http: HttpClient;
  /** A plain pg pool on the file's database, for arranging and asserting with SQL. */
  db: pg.Pool;
  close: () => Promise<void>;
}

export interface StartTestAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
  role?: ProcessRole;
  /** Extra modules (e.g. a processor on a queue of the test's own) and the jobs they declare. */
  testModules?: CreateAppOptions['testModules'];
  testJobs?: CreateAppOptions['testJobs'];
  /** A migrated database the caller owns (e.g. on a Postgres of its own): used as is, never dropped. */
  databaseUrl?: string;
}

/**
 * Starts the real HTTP app on a random port against this file's own database copy and its
 * own Redis key prefix, so test files never see each other's data.
 */
export async function startTestApp(options: StartTestAppOptions = {}): Promise<TestApp> {
  const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await createTestDatabase();
  const queuePrefix = `t${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '20',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    MIGRATE_ON_START: 'false',
    // Tests vary X-Forwarded-For to act as many clients, as behind one load balancer.
    TRUST_PROXY_HOPS: '1',
    ...options.env,
  });
  let app: NestFastifyApplication;
  try {
    app = await createHttpApp({
      config,
      role: options.role ?? 'all',
      clock: options.clock,
      quiet: true,
      testModules: options.testModules,
      testJobs: options.testJobs,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await database.drop();
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const db = new pg.Pool({ connectionString: database.url, max: 4 });
  // pool.end() resolves before the server processes exit; DROP DATABASE ... WITH (FORCE) then
  // terminates them and the FATAL would surface as an unhandled pool error in the next test.
  db.on('error', () => undefined);
  return {
    app,
    config,
    baseUrl,
    http: new HttpClient(baseUrl),
    db,
    close: async () => {
      await app.close();
      await db.end();
      await database.drop();
    },
  };
}
