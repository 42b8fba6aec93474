import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startDraining } from './create-app.js';

/**
 * Graceful shutdown, in the order that loses nothing:
 * 1. the HTTP server stops accepting connections and waits for the requests in flight
 *    (Fastify answers 503 to new requests on kept-alive connections meanwhile);
 * 2. the workers finish their running jobs within WORKER_SHUTDOWN_GRACE_MS and release the
 *    rest to the wait list (WorkerRuntime.beforeApplicationShutdown);
 * 3. queues, Redis and the Postgres pool close (onApplicationShutdown hooks).
 */
export async function shutDown(app: INestApplicationContext, http?: NestFastifyApplication): Promise<void> {
  if (http) {
    startDraining(http);
    await http.getHttpAdapter().close();
  }
  await app.close();
}
