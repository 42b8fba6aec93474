import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../common/queue/queue-names.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { PurgeExpiredRefreshTokensJob } from './jobs/purge-expired-refresh-tokens.job.js';

export const PURGE_REFRESH_TOKENS_SCHEDULER = 'daily-purge-expired-refresh-tokens';

/** Worker side of auth: the maintenance processor and its daily schedule (UTC). */
@Module({ providers: [PurgeExpiredRefreshTokensJob] })
export class AuthJobsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthJobsModule.name);

  constructor(
    @InjectQueue(QUEUES.maintenance) private readonly maintenance: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Idempotent: every worker upserts the same scheduler id, so there is one schedule however many run. */
  async onApplicationBootstrap(): Promise<void> {
    await this.maintenance.upsertJobScheduler(
      PURGE_REFRESH_TOKENS_SCHEDULER,
      { pattern: this.config.REFRESH_TOKEN_PURGE_CRON, tz: 'UTC' },
      { name: JOBS.maintenance.purgeExpiredRefreshTokens, data: {} },
    );
    this.logger.log(`scheduled ${JOBS.maintenance.purgeExpiredRefreshTokens} at "${this.config.REFRESH_TOKEN_PURGE_CRON}" UTC`);
  }
}
