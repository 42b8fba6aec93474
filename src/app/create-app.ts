import helmet from '@fastify/helmet';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { type INestApplicationContext, RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AccessTokenVerifier } from '../common/auth/access-token.verifier.js';
import { bearerToken } from '../common/auth/access.guard.js';
import { buildValidationPipe } from '../common/http/validation.js';
import { allQueues } from '../common/queue/queue.module.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppModule, type AppModuleOptions, requestIdOf } from './app.module.js';

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

  await mountBullBoard(app);
  try {
    await app.init();
  } catch (error) {
    // A refusal at boot (e.g. the job handler check) must not leave pools and sockets open.
    await app.close().catch(() => undefined);
    throw error;
  }
  return app;
}

/** Bull Board at /queues, for admins only (bearer token or the hm_access_token cookie). */
async function mountBullBoard(app: NestFastifyApplication): Promise<void> {
  const serverAdapter = new BullBoardFastifyAdapter();
  serverAdapter.setBasePath('/queues');
  createBullBoard({ queues: allQueues(app).map((queue) => new BullMQAdapter(queue)), serverAdapter });
  const verifier = app.get(AccessTokenVerifier);
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request, reply) => {
      const cookie = /(?:^|;\s*)hm_access_token=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
      const token = bearerToken(request.headers.authorization) ?? cookie;
      const user = token ? await verifier.verify(token).catch(() => undefined) : undefined;
      if (!user) return reply.status(401).send({ statusCode: 401, error: 'Unauthorized', code: 'AUTH.UNAUTHENTICATED', message: 'Sign in as an admin' });
      if (user.role !== 'admin') return reply.status(403).send({ statusCode: 403, error: 'Forbidden', code: 'AUTH.FORBIDDEN', message: 'Admins only' });
    });
    await scope.register(serverAdapter.registerPlugin() as never, { prefix: '/queues' });
  });
}

/** The worker role has no HTTP server: an application context running processors only. */
export async function createWorkerContext(options: CreateAppOptions): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(options), { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  return app;
}
