import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { BigIntColumn } from '../../../common/money/columns.js';
import type { WithdrawalStatus } from '../withdrawal-state.js';
import { PayoutAddress } from './payout-address.entity.js';
import { PayoutBatch } from './payout-batch.entity.js';

/**
 * A customer's request to send BTC to one of their whitelisted addresses. The amount is
 * reserved on the ledger from the moment the row exists until it is paid out or released.
 */
@Entity('withdrawals')
@Index('uq_withdrawals_idempotency', ['userId', 'idempotencyKey'], { unique: true, where: 'idempotency_key IS NOT NULL' })
@Index('uq_withdrawals_auto_day', ['userId', 'autoDay'], { unique: true, where: 'auto_day IS NOT NULL' })
@Index('idx_withdrawals_user', ['userId', 'requestedAt', 'id'])
@Index('idx_withdrawals_status', ['status', 'requestedAt', 'id'])
@Index('idx_withdrawals_batch', ['batchId'], { where: 'batch_id IS NOT NULL' })
@Check('ck_withdrawals_status', `status IN ('requested', 'approved', 'batched', 'broadcast', 'confirmed', 'rejected', 'cancelled', 'failed')`)
@Check('ck_withdrawals_source', `(source = 'auto') = (auto_day IS NOT NULL) AND source IN ('manual', 'auto')`)
@Check('ck_withdrawals_amounts', `fee_sats >= 0 AND net_sats >= 546 AND amount_sats = net_sats + fee_sats`)
@Check('ck_withdrawals_four_eyes', `second_approver_id IS NULL OR (first_approver_id IS NOT NULL AND second_approver_id <> first_approver_id)`)
@Check(
  'ck_withdrawals_approved',
  `status NOT IN ('approved', 'batched', 'broadcast', 'confirmed') OR (first_approver_id IS NOT NULL AND (NOT requires_second_approval OR second_approver_id IS NOT NULL))`,
)
@Check('ck_withdrawals_rejected', `status <> 'rejected' OR (rejected_by IS NOT NULL AND reject_reason IS NOT NULL)`)
@Check('ck_withdrawals_batched', `status NOT IN ('batched', 'broadcast', 'confirmed') OR batch_id IS NOT NULL`)
export class Withdrawal {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'uuid', name: 'user_id' })
  userId: string;

  @Column({ type: 'uuid', name: 'address_id' })
  addressId: string;

  @ManyToOne(() => PayoutAddress, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'address_id' })
  payoutAddress?: PayoutAddress;

  /** The address as it was when requested (the whitelist row may be removed later). */
  @Column({ type: 'text' })
  address: string;

  /** Taken from the customer's balance. */
  @BigIntColumn({ name: 'amount_sats' })
  amountSats: bigint;

  /** Network fee withheld from the amount (fee policy: deducted, see README). */
  @BigIntColumn({ name: 'fee_sats' })
  feeSats: bigint;

  /** What the address receives: amount - fee. */
  @BigIntColumn({ name: 'net_sats' })
  netSats: bigint;

  @Column({ type: 'text' })
  status: WithdrawalStatus;

  @Column({ type: 'text' })
  source: 'manual' | 'auto';

  /** UTC day an automatic payout was made for (one per customer per day). */
  @Column({ type: 'date', name: 'auto_day', nullable: true })
  autoDay: string | null;

  /** UTC day the request counts against the daily limit. */
  @Column({ type: 'date', name: 'request_day' })
  requestDay: string;

  @Column({ type: 'text', name: 'idempotency_key', nullable: true })
  idempotencyKey: string | null;

  /** Hash of the request body: the same key with a different body is refused. */
  @Column({ type: 'text', name: 'request_hash', nullable: true })
  requestHash: string | null;

  @Column({ type: 'boolean', name: 'requires_second_approval' })
  requiresSecondApproval: boolean;

  @Column({ type: 'uuid', name: 'first_approver_id', nullable: true })
  firstApproverId: string | null;

  @Column({ type: 'timestamptz', name: 'first_approved_at', nullable: true })
  firstApprovedAt: Date | null;

  @Column({ type: 'uuid', name: 'second_approver_id', nullable: true })
  secondApproverId: string | null;

  @Column({ type: 'timestamptz', name: 'approved_at', nullable: true })
  approvedAt: Date | null;

  @Column({ type: 'uuid', name: 'rejected_by', nullable: true })
  rejectedBy: string | null;

  @Column({ type: 'text', name: 'reject_reason', nullable: true })
  rejectReason: string | null;

  @Column({ type: 'uuid', name: 'batch_id', nullable: true })
  batchId: string | null;

  @ManyToOne(() => PayoutBatch, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'batch_id' })
  batch?: PayoutBatch;

  @Column({ type: 'timestamptz', name: 'requested_at' })
  requestedAt: Date;

  /** When it reached its current status. */
  @Column({ type: 'timestamptz', name: 'status_changed_at' })
  statusChangedAt: Date;
}
