import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import type { JobSchedule } from '../../../common/queue/job-schedules.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { TokenService } from '../token.service.js';

export const PURGE_REFRESH_TOKENS_SCHEDULER = 'daily-purge-expired-refresh-tokens';

/** Daily: deletes refresh tokens past their expiry (they are refused anyway; this keeps the table small). */
@Processor(QUEUES.maintenance)
export class PurgeExpiredRefreshTokensJob extends JobProcessor {
  readonly handlers = {
    [JOBS.maintenance.purgeExpiredRefreshTokens]: {
      schema: z.object({}).strict(),
      handle: async () => ({ deleted: await this.tokens.purgeExpired() }),
    },
  };

  /**
   * At REFRESH_TOKEN_PURGE_CRON (UTC). The worker runtime upserts it at boot, and again when
   * Redis comes back, under one id: one schedule however many workers run.
   */
  override get schedules(): JobSchedule[] {
    return [{ id: PURGE_REFRESH_TOKENS_SCHEDULER, job: JOBS.maintenance.purgeExpiredRefreshTokens, cron: this.config.REFRESH_TOKEN_PURGE_CRON, data: {} }];
  }

  constructor(
    private readonly tokens: TokenService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }
}
