import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import type { JobSchedule } from '../../../common/queue/job-schedules.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { APP_CONFIG } from '../../../config/config.module.js';
import type { AppConfig } from '../../../config/config.schema.js';
import { AutoPayoutService } from '../auto-payout.service.js';

export const AUTO_PAYOUTS_SCHEDULER = 'daily-auto-payouts';

/** Daily (after settlement): automatic payouts for the day; idempotent per customer per day. */
@Processor(QUEUES.payouts)
export class RunAutoPayoutsJob extends JobProcessor {
  readonly handlers = {
    [JOBS.payouts.runAutoPayouts]: {
      // The scheduler sends no day: the run is for the current UTC day.
      schema: z.object({ day: z.iso.date().optional() }).strict(),
      handle: async (payload: { day?: string }) => this.autoPayouts.run(payload.day),
    },
  };

  /** At AUTO_PAYOUTS_CRON (UTC), after settlement; one scheduler id however many workers boot. */
  override get schedules(): JobSchedule[] {
    return [{ id: AUTO_PAYOUTS_SCHEDULER, job: JOBS.payouts.runAutoPayouts, cron: this.config.AUTO_PAYOUTS_CRON, data: {} }];
  }

  constructor(
    private readonly autoPayouts: AutoPayoutService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }
}
