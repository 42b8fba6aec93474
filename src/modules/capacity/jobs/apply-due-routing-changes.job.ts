import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
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

  constructor(private readonly routingChanges: RoutingChangesService) {
    super();
  }
}

/** Runs the job every minute (UTC cron); upsert keeps one scheduler however many workers boot. */
@Injectable()
export class CapacityJobScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.capacity) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      JOBS.capacity.applyDueRoutingChanges,
      { pattern: '* * * * *', tz: 'UTC' },
      { name: JOBS.capacity.applyDueRoutingChanges, data: {} },
    );
  }
}
