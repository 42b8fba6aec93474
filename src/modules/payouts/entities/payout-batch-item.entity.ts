import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';
import { PayoutBatch } from './payout-batch.entity.js';
import { Withdrawal } from './withdrawal.entity.js';

/**
 * One withdrawal in one batch, with the exact address and sats exported. While the batch
 * is live (not failed) `released_at` is null, and the partial unique index lets a
 * withdrawal be in at most one live batch: it can never be exported twice.
 */
@Entity('payout_batch_items')
@Index('uq_payout_batch_items_live_withdrawal', ['withdrawalId'], { unique: true, where: 'released_at IS NULL' })
export class PayoutBatchItem {
  @PrimaryColumn({ type: 'uuid', name: 'batch_id' })
  batchId: string;

  @PrimaryColumn({ type: 'uuid', name: 'withdrawal_id' })
  withdrawalId: string;

  @ManyToOne(() => PayoutBatch, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'batch_id' })
  batch?: PayoutBatch;

  @ManyToOne(() => Withdrawal, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'withdrawal_id' })
  withdrawal?: Withdrawal;

  @Column({ type: 'text' })
  address: string;

  @BigIntColumn({ name: 'net_sats' })
  netSats: bigint;

  /** Set when the batch failed and the withdrawal's funds went back to its customer. */
  @Column({ type: 'timestamptz', name: 'released_at', nullable: true })
  releasedAt: Date | null;
}
