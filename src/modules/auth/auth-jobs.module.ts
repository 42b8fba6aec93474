import { Module } from '@nestjs/common';
import { PurgeExpiredRefreshTokensJob } from './jobs/purge-expired-refresh-tokens.job.js';

/** Worker side of auth: the maintenance processor, whose daily schedule (UTC) it declares itself. */
@Module({ providers: [PurgeExpiredRefreshTokensJob] })
export class AuthJobsModule {}
