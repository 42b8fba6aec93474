import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';
import type { BatchStatus } from '../withdrawal-state.js';

/**
 * A set of approved withdrawals handed to the signing wallet as one transaction. Created in
 * status `exported` (the sent-intent) before the export leaves the platform.
 */
@Entity('payout_batches')
@Index('uq_payout_batches_txid', ['txid'], { unique: true, where: 'txid IS NOT NULL' })
@Index('idx_payout_batches_status', ['status', 'createdAt'])
@Check('ck_payout_batches_status', `status IN ('exported', 'broadcast', 'confirmed', 'failed')`)
@Check('ck_payout_batches_txid', `txid IS NULL OR txid ~ '^[0-9a-f]{64}$'`)
@Check('ck_payout_batches_broadcast', `status NOT IN ('broadcast', 'confirmed') OR txid IS NOT NULL`)
@Check('ck_payout_batches_failed', `status <> 'failed' OR fail_reason IS NOT NULL`)
@Check('ck_payout_batches_totals', `withdrawal_count > 0 AND total_net_sats > 0 AND total_amount_sats >= total_net_sats`)
export class PayoutBatch {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  status: BatchStatus;

  @Column({ type: 'integer', name: 'withdrawal_count' })
  withdrawalCount: number;

  /** Sum the wallet sends to the addresses. */
  @BigIntColumn({ name: 'total_net_sats' })
  totalNetSats: bigint;

  /** Sum taken from customers (net + withheld network fees). */
  @BigIntColumn({ name: 'total_amount_sats' })
  totalAmountSats: bigint;

  @Column({ type: 'text', nullable: true })
  txid: string | null;

  @Column({ type: 'uuid', name: 'created_by' })
  createdBy: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'uuid', name: 'broadcast_by', nullable: true })
  broadcastBy: string | null;

  @Column({ type: 'timestamptz', name: 'broadcast_at', nullable: true })
  broadcastAt: Date | null;

  @Column({ type: 'uuid', name: 'resolved_by', nullable: true })
  resolvedBy: string | null;

  @Column({ type: 'timestamptz', name: 'resolved_at', nullable: true })
  resolvedAt: Date | null;

  @Column({ type: 'text', name: 'fail_reason', nullable: true })
  failReason: string | null;
}
