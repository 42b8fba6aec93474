import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';

/**
 * What a pool credited for one UTC day, after the pool's fee. A correction replaces the
 * amount and bumps the revision (audited); settled history is never rewritten: the difference
 * is settled as an adjustment run.
 */
@Entity('pool_earnings')
@Check('ck_pool_earnings_amount', 'amount_sats >= 0')
@Check('ck_pool_earnings_revision', 'revision >= 1')
export class PoolEarning {
  @PrimaryColumn({ type: 'uuid', name: 'pool_id' })
  poolId: string;

  /** UTC day, 'YYYY-MM-DD'. */
  @PrimaryColumn({ type: 'date' })
  day: string;

  @BigIntColumn({ name: 'amount_sats' })
  amountSats: bigint;

  /** The pool's own reference for the day's credit. */
  @Column({ type: 'text' })
  reference: string;

  @Column({ type: 'integer', default: 1 })
  revision: number;

  @Column({ type: 'uuid', name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt: Date;
}
