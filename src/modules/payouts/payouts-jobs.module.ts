import { Module } from '@nestjs/common';
import { RunAutoPayoutsJob } from './jobs/run-auto-payouts.job.js';
import { PayoutsModule } from './payouts.module.js';

/** Worker side of payouts: the automatic-payout processor, which declares its daily schedule (UTC, after settlement). */
@Module({ imports: [PayoutsModule], providers: [RunAutoPayoutsJob] })
export class PayoutsJobsModule {}
