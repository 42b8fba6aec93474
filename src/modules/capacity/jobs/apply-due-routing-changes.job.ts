import { Processor } from '@nestjs/bullmq';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import type { JobSchedule } from '../../../common/queue/job-schedules.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { RoutingChangesService } from '../routing-changes.service.js';

/** Applies approved routing changes whose delay has passed. Idempotent: Postgres decides what is due. */
@Processor(QUEUES.capacity)
export class CapacityJobsProcessor extends JobProcessor {
  readonly handlers = {
    [JOBS.capacity.applyDueRoutingChanges]: {
      schema: z.object({}).strict(),
      handle: async () => ({ applied: await this.routingChanges.applyDue() }),
    },
  };

  /** Every minute (UTC cron); one scheduler id however many workers boot. */
  override get schedules(): JobSchedule[] {
    return [{ id: JOBS.capacity.applyDueRoutingChanges, job: JOBS.capacity.applyDueRoutingChanges, cron: '* * * * *', data: {} }];
  }

  constructor(private readonly routingChanges: RoutingChangesService) {
    super();
  }
}
