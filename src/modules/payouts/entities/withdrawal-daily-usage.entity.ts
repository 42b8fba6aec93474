import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';

/**
 * Sats requested per customer per UTC day. Incremented with a conditional upsert in the
 * same transaction as the withdrawal, so concurrent requests cannot pass the limit together.
 */
@Entity('withdrawal_daily_usage')
@Check('ck_withdrawal_daily_usage_nonneg', `amount_sats >= 0`)
export class WithdrawalDailyUsage {
  @PrimaryColumn({ type: 'uuid', name: 'user_id' })
  userId: string;

  @PrimaryColumn({ type: 'date' })
  day: string;

  @BigIntColumn({ name: 'amount_sats' })
  amountSats: bigint;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
