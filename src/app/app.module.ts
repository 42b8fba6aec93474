import { BullModule } from '@nestjs/bullmq';
import type { ConnectionOptions } from 'bullmq';
import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AccessGuard } from '../common/auth/access.guard.js';
import { Clock, SystemClock } from '../common/clock/clock.js';
import { HttpExceptionFilter } from '../common/errors/http-exception.filter.js';
import { DEFAULT_JOB_OPTIONS } from '../common/queue/job-defaults.js';
import type { DeclaredJob } from '../common/queue/job-handler-check.js';
import { WorkerRuntimeModule } from '../common/queue/worker-runtime.module.js';
import { redisOptionsFromUrl } from '../common/queue/redis-options.js';
import { ConfigModule } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { DatabaseModule } from '../database/database.module.js';
import { PoolShutdown } from '../database/pool-shutdown.js';
import { PostgresSockets } from '../database/postgres-sockets.js';
import { FEATURE_MODULES, WORKER_MODULES } from './feature-modules.js';

export type ProcessRole = AppConfig['APP_ROLE'];

export interface AppModuleOptions {
  config: AppConfig;
  role: ProcessRole;
  /** Tests pass a FixedClock; production uses the system clock. */
  clock?: Clock;
  /** Tests only: extra modules (e.g. a processor on a queue of the test's own) and its jobs. */
  testModules?: (Type | DynamicModule)[];
  testJobs?: DeclaredJob[];
}

/** What request lines say about a request (from pino's standard request serializer). */
export function requestLogFields(req: { id?: unknown; method?: string; url?: string; remoteAddress?: string; headers?: IncomingMessage['headers'] }) {
  return { id: req.id, method: req.method, url: req.url, remoteAddress: req.remoteAddress, userAgent: req.headers?.['user-agent'] };
}

export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const given = Array.isArray(header) ? header[0] : header;
  return given && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
}

@Module({})
export class AppModule {
  static forRoot({ config, role, clock, testModules = [], testJobs = [] }: AppModuleOptions): DynamicModule {
    const withWorkers = role === 'worker' || role === 'all';
    const sockets = new PostgresSockets();
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DiscoveryModule,
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.LOG_LEVEL,
            // Fastify assigned the id (header or new uuid); reuse it so every line carries it.
            genReqId: (req) => String((req as IncomingMessage & { id?: string }).id ?? requestIdOf(req)),
            // Every line, not only request lines, says which role wrote it.
            mixin: () => ({ role }),
            // Request lines name the request, not its credentials: of the headers only the user
            // agent. (Binding every header to each request's logger, to redact two of them, cost
            // about a twentieth of a request's CPU even when nothing was logged.)
            serializers: { req: requestLogFields },
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.body.password', 'req.body.totpCode'],
            autoLogging: config.NODE_ENV !== 'test' || config.LOG_LEVEL === 'debug',
          },
        }),
        TypeOrmModule.forRoot({ ...buildDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE, sockets) }),
        BullModule.forRoot({
          // Producers (queue.add, Bull Board, metrics) fail after a few reconnect attempts
          // instead of hanging an HTTP request while Redis is down; workers get their own
          // connections with maxRetriesPerRequest: null from the worker runtime.
          connection: redisOptionsFromUrl(config.REDIS_URL, { maxRetriesPerRequest: 3 }) as ConnectionOptions,
          prefix: config.QUEUE_PREFIX,
          defaultJobOptions: DEFAULT_JOB_OPTIONS,
          // The worker runtime creates the workers itself, with the configured settings.
          extraOptions: { manualRegistration: true },
        }),
        DatabaseModule,
        ...FEATURE_MODULES,
        ...(withWorkers ? [WorkerRuntimeModule.forRoot(testJobs), ...WORKER_MODULES] : []),
        ...testModules,
      ],
      providers: [
        { provide: Clock, useValue: clock ?? new SystemClock() },
        { provide: PostgresSockets, useValue: sockets },
        PoolShutdown,
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
      exports: [Clock],
      global: true,
    };
  }
}
