import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JOBS, QUEUES } from '../../common/queue/queue-names.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/config.schema.js';
import { RunAutoPayoutsJob } from './jobs/run-auto-payouts.job.js';
import { PayoutsModule } from './payouts.module.js';

export const AUTO_PAYOUTS_SCHEDULER = 'daily-auto-payouts';

/** Worker side of payouts: the automatic-payout processor and its daily schedule (UTC, after settlement). */
@Module({ imports: [PayoutsModule], providers: [RunAutoPayoutsJob] })
export class PayoutsJobsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger(PayoutsJobsModule.name);

  constructor(
    @InjectQueue(QUEUES.payouts) private readonly payouts: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Idempotent: every worker upserts the same scheduler id. */
  async onApplicationBootstrap(): Promise<void> {
    await this.payouts.upsertJobScheduler(
      AUTO_PAYOUTS_SCHEDULER,
      { pattern: this.config.AUTO_PAYOUTS_CRON, tz: 'UTC' },
      { name: JOBS.payouts.runAutoPayouts, data: {} },
    );
    this.logger.log(`scheduled ${JOBS.payouts.runAutoPayouts} at "${this.config.AUTO_PAYOUTS_CRON}" UTC`);
  }
}
