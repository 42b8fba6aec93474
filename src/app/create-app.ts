import helmet from '@fastify/helmet';
import { type INestApplicationContext, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import { buildValidationPipe } from '../common/http/validation.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppModule, type AppModuleOptions, requestIdOf } from './app.module.js';
import { mountBullBoard } from './bull-board.js';

export interface CreateAppOptions extends AppModuleOptions {
  /** Keep Nest's bootstrap logs quiet (tests). */
  quiet?: boolean;
}

const UNPREFIXED = [
  { path: 'health/live', method: RequestMethod.GET },
  { path: 'health/ready', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
];

const draining = new WeakMap<NestFastifyApplication, { draining: boolean }>();

/** From now on every response closes its connection (called when shutdown starts). */
export function startDraining(app: NestFastifyApplication): void {
  const state = draining.get(app);
  if (state) state.draining = true;
}

/** Builds the HTTP application (api and all roles) with every cross-cutting concern wired. */
export async function createHttpApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: 1024 * 1024,
    // Client IPs feed the per-IP rate limits: trust X-Forwarded-For only from the configured proxy hops.
    trustProxy: (_address: string, hop: number) => hop < config.TRUST_PROXY_HOPS,
    genReqId: (req: IncomingMessage) => requestIdOf(req),
    requestIdHeader: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(options), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.setGlobalPrefix('v1', { exclude: UNPREFIXED });
  app.useGlobalPipes(buildValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(helmet, {
    // The Swagger UI and Bull Board pages need their inline scripts and styles.
    contentSecurityPolicy: false,
  });
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  app.enableCors({ origin: origins.length > 0 ? origins : false, credentials: true });

  const metrics = app.get(MetricsService);
  const drain = { draining: false };
  draining.set(app, drain);
  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('x-request-id', request.id);
    // While draining, a finished request also ends its kept-alive connection; otherwise the
    // server would wait for clients to hang up before it can close.
    if (drain.draining) void reply.header('connection', 'close');
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Hashmarket API')
      .setDescription('Cloud-mining marketplace: capacity, contracts, daily settlement, ledger and payouts.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await mountBullBoard(app, config);
  try {
    await app.init();
  } catch (error) {
    // A refusal at boot (e.g. the job handler check) must not leave pools and sockets open.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** The worker role has no HTTP server: an application context running processors only. */
export async function createWorkerContext(options: CreateAppOptions): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(options), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  return app;
}
