import { Processor } from '@nestjs/bullmq';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import type { JobSchedule } from '../../../common/queue/job-schedules.js';
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

  /**
   * Hourly at minute 1 (UTC): the run just after midnight does the day's work, the others find
   * nothing to do unless a run was missed, so a lost job or a down worker delays by an hour at most.
   */
  override get schedules(): JobSchedule[] {
    return [{ id: JOBS.contracts.advanceLifecycle, job: JOBS.contracts.advanceLifecycle, cron: '1 * * * *', data: {} }];
  }

  constructor(private readonly lifecycle: ContractLifecycleService) {
    super();
  }
}
