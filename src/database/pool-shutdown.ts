import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.schema.js';
import { PostgresSockets } from './postgres-sockets.js';

/** After the workers' grace: their jobs' release to the wait list (through Redis) comes first. */
export const POOL_CLOSE_SLACK_MS = 1000;

/**
 * Bounds the Postgres pool's close at shutdown. Jobs get WORKER_SHUTDOWN_GRACE_MS and are then
 * released to the wait list, a sweep in flight gets the same; whatever still waits on Postgres
 * after that was abandoned, and the pool's close would wait on it for as long as Postgres does
 * not answer (until SHUTDOWN_TIMEOUT_MS stops the process with 1). So when shutdown begins a
 * timer is armed: at the end of the grace period (plus the release's slack) the pool's sockets
 * still open are cut, their transactions roll back on the server, and the close completes.
 * A timer, not an awaited hook: Nest runs the modules' shutdown hooks one after the other, so a
 * hook queued behind TypeORM's hanging close would never run.
 */
@Injectable()
export class PoolShutdown implements OnModuleDestroy {
  private readonly logger = new Logger(PoolShutdown.name);

  constructor(
    private readonly sockets: PostgresSockets,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleDestroy(): void {
    const timer = setTimeout(() => {
      const cut = this.sockets.destroyAll();
      if (cut > 0) this.logger.warn(`Postgres did not answer within the shutdown grace period: cut ${cut} connection(s)`);
    }, this.config.WORKER_SHUTDOWN_GRACE_MS + POOL_CLOSE_SLACK_MS);
    // Never what keeps the process up: a shutdown that is done before it fires just ends.
    timer.unref();
  }
}
