import { Processor } from '@nestjs/bullmq';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { AutoPayoutService } from '../auto-payout.service.js';

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

  constructor(private readonly autoPayouts: AutoPayoutService) {
    super();
  }
}
