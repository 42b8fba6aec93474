import { Processor } from '@nestjs/bullmq';
import { z } from 'zod';
import { JobProcessor } from '../../../common/queue/job-processor.js';
import { JOBS, QUEUES } from '../../../common/queue/queue-names.js';
import { TokenService } from '../token.service.js';

/** Daily: deletes refresh tokens past their expiry (they are refused anyway; this keeps the table small). */
@Processor(QUEUES.maintenance)
export class PurgeExpiredRefreshTokensJob extends JobProcessor {
  readonly handlers = {
    [JOBS.maintenance.purgeExpiredRefreshTokens]: {
      schema: z.object({}).strict(),
      handle: async () => ({ deleted: await this.tokens.purgeExpired() }),
    },
  };

  constructor(private readonly tokens: TokenService) {
    super();
  }
}
