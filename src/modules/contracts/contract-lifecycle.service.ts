import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock/clock.js';
import { TransactionRunner } from '../../database/transaction.js';
import { utcDayOf } from '../../common/clock/utc-day.js';
import { ContractLifecycleRepository } from './contract-lifecycle.repository.js';

export interface LifecycleResult {
  day: string;
  activated: number;
  completed: number;
}

/**
 * The daily lifecycle: pending contracts become active on their start day, active (and paused)
 * ones complete after their end day and give their hash rate back to the product. Set-based and
 * idempotent: what moves is decided by the rows' own status and days, so running it twice, late,
 * or for a day already done changes nothing more.
 */
@Injectable()
export class ContractLifecycleService {
  private readonly logger = new Logger(ContractLifecycleService.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly repository: ContractLifecycleRepository,
    private readonly clock: Clock,
  ) {}

  async advance(): Promise<LifecycleResult> {
    const now = this.clock.now();
    const day = utcDayOf(now);
    const activated = await this.tx.run((manager) => this.repository.activateDue(day, now, manager));
    const completed = await this.tx.run((manager) => this.repository.completeEnded(day, now, manager));
    if (activated + completed > 0) this.logger.log(`contracts on ${day}: ${activated} activated, ${completed} completed`);
    return { day, activated, completed };
  }
}
