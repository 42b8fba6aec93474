import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { ContractLifecycleService } from '../contract-lifecycle.service.js';

/** Moves contracts along their lifecycle for the current UTC day (the clock's). */
@Processor(QUEUES.contracts)
export class ContractsJobsProcessor extends JobProcessor {
  readonly handlers = {
    [JOBS.contracts.advanceLifecycle]: {
      schema: z.object({}).strict(),
      handle: () => this.lifecycle.advance(),
    },
  };

  constructor(private readonly lifecycle: ContractLifecycleService) {
    super();
  }
}

/**
 * Hourly at minute 1 (UTC): the run just after midnight does the day's work, the others find
 * nothing to do unless a run was missed, so a lost job or a down worker delays by an hour at most.
 */
@Injectable()
export class ContractsJobScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUES.contracts) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(JOBS.contracts.advanceLifecycle, { pattern: '1 * * * *', tz: 'UTC' }, { name: JOBS.contracts.advanceLifecycle, data: {} });
  }
}
